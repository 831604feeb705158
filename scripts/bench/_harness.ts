import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import v8 from 'node:v8';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase, type Config, type Database } from '@everjust/core';

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

/** An integer setting from the environment (`fallback` when unset or empty); throws on a bad value. */
export function readInteger(name: string, fallback: number, min: number, environment: NodeJS.ProcessEnv = process.env): number {
  const raw = environment[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return value;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): BenchSettings {
  const read = (name: string, fallback: number, min: number) => readInteger(name, fallback, min, environment);
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
  /**
   * What every response of the load must equal: the checked body byte for byte (`body`, the default), or
   * only its `data`, with no `errors` (`data`: for responses whose `extensions` change from one request
   * to the next, such as the cost left in a rate-limit window). `data` parses every response in the load
   * generator, so compare scenarios measured the same way.
   */
  compare?: 'body' | 'data';
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
  const verifier = scenario.compare === 'data' ? dataVerifier(expectedBody) : undefined;
  let result: autocannon.Result;
  try {
    result = await autocannon({
      ...requestInit(scenario),
      url: scenario.url,
      method: 'POST',
      connections,
      duration: durationS,
      // The load generator runs in a worker thread, so it does not share the server's event loop.
      workers: 1,
      ...(verifier ? { verifyBody: verifier.path as never } : { expectBody: expectedBody }),
    });
  } finally {
    verifier?.remove();
  }
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

/**
 * autocannon's `verifyBody` for a load in a worker thread must be a file that exports the function:
 * one written for this load, accepting a response whose `data` equals the checked one and has no `errors`.
 */
function dataVerifier(expectedBody: string): { path: string; remove(): void } {
  const expectedData = JSON.stringify((JSON.parse(expectedBody) as { data: unknown }).data);
  const directory = mkdtempSync(join(tmpdir(), 'everjust-bench-verify-'));
  const path = join(directory, 'verify-body.cjs');
  writeFileSync(
    path,
    `const expected = ${JSON.stringify(expectedData)};\n` +
      'module.exports = (body) => { try { const parsed = JSON.parse(body); return !parsed.errors && JSON.stringify(parsed.data) === expected; } catch { return false; } };\n',
  );
  return { path, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank percentile (`p` in 0–100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A database for one suite: PostgreSQL when `DATABASE_URL` is set (a database of its own, dropped on close), else in-memory PGlite. */
export interface BenchDatabase {
  database: Database;
  kind: 'postgres' | 'pglite';
  /** The suite's database URL (PostgreSQL only), for processes the suite starts. */
  url?: string;
  /** For the report, e.g. `PostgreSQL (database everjust_bench_…, pool 10)`. */
  label: string;
  /** Drops the suite's database (PostgreSQL); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens and migrates the suite's database. With `DATABASE_URL` it creates `everjust_bench_<hex>` on that
 * server (its pool and prepared statements as the config says), and `close` drops it again.
 */
export async function openBenchDatabase(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'databasePreparedStatements'>,
): Promise<BenchDatabase> {
  const adminUrl = config.databaseUrl;
  if (!adminUrl) {
    const database = await openDatabase({ kind: 'pglite' });
    await database.migrate();
    let closed = false;
    return {
      database,
      kind: 'pglite',
      label: 'PGlite (in memory, in this process)',
      close: async () => {
        if (closed) return;
        closed = true;
        await database.close();
      },
    };
  }
  const name = `everjust_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const poolSize = config.databasePoolSize;
  let database: Database | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await database?.close().catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  };
  try {
    database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize, preparedStatements: config.databasePreparedStatements });
    await database.migrate();
  } catch (error) {
    await close();
    throw error;
  }
  return { database, kind: 'postgres', url: url.toString(), label: `PostgreSQL ${url.host} (database ${name}, pool ${poolSize})`, close };
}

/**
 * A machine-noise probe: a separate, idle node process that measures its own event-loop delay (10 ms
 * timer resolution) until stopped. On an idle machine its p99 stays near 10 ms; what is above that is
 * time the OS did not schedule it, which every process of a run suffers alike.
 */
export function startNoiseProbe(): { stop(): Promise<{ p50: number; p99: number; max: number }>; kill(): void } {
  const code =
    "const { monitorEventLoopDelay } = require('node:perf_hooks'); const h = monitorEventLoopDelay({ resolution: 10 }); h.enable();" +
    "const keep = setInterval(() => undefined, 1000);" +
    "process.on('message', () => { h.disable(); clearInterval(keep); process.send({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 }, () => process.exit(0)); });";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        child.once('message', (message) => resolve(message as { p50: number; p99: number; max: number }));
        child.once('exit', (code) => reject(new Error(`the noise probe exited (code ${code}) without its figures`)));
        child.send('stop');
      }),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}

/**
 * CPU time and run-queue wait of a process's main thread (for Node: its event loop) so far, from Linux's
 * `/proc/<pid>/schedstat`; undefined elsewhere. Waiting time is time the thread was ready to run but the
 * machine gave its CPUs to others: on a shared, loaded machine it says how much of a slow figure is that.
 */
export function schedulerTimes(pid: number | 'self' = 'self'): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/** Starts V8's CPU profiler in this process; `stop` writes the profile (open it in Chrome DevTools or speedscope). */
export async function startCpuProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = await post('Profiler.stop');
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** A full garbage collection (the flag is set at run time, so `pnpm bench` needs no `--expose-gc`). */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
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

/** One authenticated GraphQL request; throws on any HTTP or GraphQL error. */
export async function graphqlRequest(url: string, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (!response.ok || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}
