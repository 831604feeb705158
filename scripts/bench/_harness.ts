import autocannon from 'autocannon';

/**
 * Shared by the benchmark suites (`scripts/bench/*.ts`; files starting with `_` are helpers, not
 * suites): settings from the environment, interleaved autocannon runs with checked responses, medians
 * and a plain-text table.
 */

export interface BenchSettings {
  /** Seconds of each measured run. */
  durationS: number;
  /** Seconds of load before each measured run, not counted. */
  warmupS: number;
  connections: number;
  /** How often each scenario is measured; rounds are interleaved so machine noise hits all alike. */
  rounds: number;
}

export interface Suite {
  name: string;
  description: string;
  run(settings: BenchSettings): Promise<void>;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): BenchSettings {
  const read = (name: string, fallback: number, min: number) => {
    const raw = environment[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
    return value;
  };
  return {
    durationS: read('BENCH_DURATION_S', 5, 1),
    warmupS: read('BENCH_WARMUP_S', 2, 0),
    connections: read('BENCH_CONNECTIONS', 10, 1),
    rounds: read('BENCH_ROUNDS', 3, 1),
  };
}

/** One GraphQL request, sent over and over by autocannon. */
export interface Scenario {
  name: string;
  /** The GraphQL endpoint. */
  url: string;
  query: string;
  /** Added to the JSON content-type and accept headers, e.g. `authorization`. */
  headers?: Record<string, string>;
  /** Throws when the response's `data` is not what this scenario should answer. */
  check?: (data: any) => void;
}

export interface Measurement {
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
}

export interface ScenarioResult {
  scenario: Scenario;
  runs: Measurement[];
  /** Median of each figure over the runs. */
  median: Measurement;
}

/**
 * Measures each scenario `settings.rounds` times, interleaved (a, b, c, a, b, c, …). Before each run:
 * one check request (2xx, no GraphQL `errors`, `check` passes), then the warm-up. Every response of
 * the warm-up and of the run must be byte-identical to the checked one (autocannon's `expectBody`), so
 * no error slips through a measured figure. Throws on any failed or different response.
 */
export async function measureInterleaved(scenarios: Scenario[], settings: BenchSettings): Promise<ScenarioResult[]> {
  const runs = new Map<Scenario, Measurement[]>(scenarios.map((scenario) => [scenario, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const scenario of scenarios) {
      const expectedBody = await checkRequest(scenario);
      if (settings.warmupS > 0) await load(scenario, expectedBody, settings.warmupS, settings.connections);
      const measurement = await load(scenario, expectedBody, settings.durationS, settings.connections);
      runs.get(scenario)!.push(measurement);
      console.log(
        `  round ${round}/${settings.rounds}  ${scenario.name.padEnd(28)} ${format(measurement.requestsPerSecond, 0).padStart(7)} req/s` +
          `  p50 ${measurement.p50} ms  p99 ${measurement.p99} ms`,
      );
    }
  }
  return scenarios.map((scenario) => {
    const measured = runs.get(scenario)!;
    return {
      scenario,
      runs: measured,
      median: {
        requestsPerSecond: median(measured.map((m) => m.requestsPerSecond)),
        p50: median(measured.map((m) => m.p50)),
        p99: median(measured.map((m) => m.p99)),
      },
    };
  });
}

function requestInit(scenario: Scenario) {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...scenario.headers },
    body: JSON.stringify({ query: scenario.query }),
  };
}

/** Sends the scenario's request once and returns the body every later response must equal. */
export async function checkRequest(scenario: Scenario): Promise<string> {
  const response = await fetch(scenario.url, requestInit(scenario));
  const text = await response.text();
  let body: { data?: unknown; errors?: unknown[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${scenario.name}: the check request answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 500)}`);
  }
  if (!response.ok || body.errors || !body.data) {
    throw new Error(`${scenario.name}: the check request failed (HTTP ${response.status}): ${text.slice(0, 500)}`);
  }
  scenario.check?.(body.data);
  return text;
}

async function load(scenario: Scenario, expectedBody: string, durationS: number, connections: number): Promise<Measurement> {
  const result = await autocannon({
    ...requestInit(scenario),
    url: scenario.url,
    method: 'POST',
    connections,
    duration: durationS,
    // The load generator runs in a worker thread, so it does not share the server's event loop.
    workers: 1,
    expectBody: expectedBody,
  });
  const problems = Object.entries({
    'connection errors': result.errors,
    timeouts: result.timeouts,
    'non-2xx responses': result.non2xx,
    'responses different from the checked one': result.mismatches,
    'connection resets': result.resets,
  }).filter(([, count]) => count > 0);
  if (result['2xx'] === 0) problems.push(['responses (none came back)', 0]);
  if (problems.length > 0) {
    throw new Error(`${scenario.name}: ${problems.map(([what, count]) => `${count} ${what}`).join(', ')} (status codes: ${JSON.stringify(result.statusCodeStats)})`);
  }
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function format(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A plain-text table: the first row is the header; columns after the first are right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
