import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { format, median, table, type BenchSettings, type Suite } from './_harness.js';
import { startApi } from './api-throughput.js';

/**
 * The published SDK (`sdk/dist`, rebuilt first): the min+gzip size of its ESM build (target: under
 * 20 kB), and its per-request overhead against a raw `fetch` of the same query, measured in the same
 * run, interleaved:
 * - over HTTP against our API on PGlite (`projects.get` vs `fetch` + `response.json()`), one request
 *   at a time, so the difference is what a caller waits for;
 * - against an in-memory `fetch` that answers at once, so the difference is the SDK's own CPU time
 *   per request (headers, retry wrapper, timeout, JSON, error checks).
 */

const SIZE_TARGET_BYTES = 20 * 1024;
const sdkDirectory = fileURLToPath(new URL('../../sdk/', import.meta.url));

type Sdk = typeof import('@everjust/sdk');

const suite: Suite = {
  name: 'sdk',
  description: 'SDK ESM size (min+gzip) and per-request overhead vs a raw fetch of the same query',
  async run(settings) {
    await promisify(execFile)(join(sdkDirectory, 'node_modules/.bin/tsup'), ['--silent'], { cwd: sdkDirectory });
    reportSize();
    const sdk = (await import(new URL('../../sdk/dist/index.js', import.meta.url).href)) as Sdk;
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const api = await startApi(cleanup);
      await reportOverhead(sdk, api, settings);
    } finally {
      for (const close of cleanup.reverse()) await close();
    }
  },
};
export default suite;

function reportSize() {
  // esbuild is tsup's own (the SDK's dev dependency), as the ESM build is minified by a bundler.
  const requireFromTsup = createRequire(createRequire(join(sdkDirectory, 'package.json')).resolve('tsup/package.json'));
  const esbuild = requireFromTsup('esbuild') as { transformSync(code: string, options: object): { code: string } };
  const built = readFileSync(join(sdkDirectory, 'dist/index.js'));
  const minified = esbuild.transformSync(built.toString('utf8'), { minify: true, format: 'esm', target: 'es2022' }).code;
  const gzipped = gzipSync(minified, { level: 9 }).length;
  console.log(
    `\n${table([
      ['ESM build (dist/index.js)', 'bytes'],
      ['as built', format(built.length)],
      ['minified', format(Buffer.byteLength(minified))],
      ['minified + gzip', format(gzipped)],
    ])}\n`,
  );
  console.log(`Target "min+gzip under ${SIZE_TARGET_BYTES / 1024} kB": ${gzipped < SIZE_TARGET_BYTES ? 'MET' : 'NOT MET'} (${format(gzipped / 1024, 1)} kB)`);
}

interface Contender {
  name: string;
  /** One request, checked: throws when the answer is not the project. */
  once(): Promise<void>;
}

interface PairedRun {
  /** Median latency of each contender in this run, in microseconds. */
  raw: number;
  sdk: number;
  /** Median of the per-pair differences (sdk − raw). */
  difference: number;
  pairs: number;
}

/**
 * Alternates the two contenders request by request for `seconds` (raw then SDK, then SDK then raw, …),
 * so whatever else the machine does hits both alike; medians resist the outliers a busy machine adds.
 */
async function pairedRun(raw: Contender, sdk: Contender, seconds: number): Promise<PairedRun> {
  const rawTimes: number[] = [];
  const sdkTimes: number[] = [];
  const until = performance.now() + seconds * 1000;
  const time = async (contender: Contender) => {
    const started = performance.now();
    await contender.once();
    return (performance.now() - started) * 1000;
  };
  for (let i = 0; performance.now() < until; i++) {
    if (i % 2 === 0) {
      rawTimes.push(await time(raw));
      sdkTimes.push(await time(sdk));
    } else {
      sdkTimes.push(await time(sdk));
      rawTimes.push(await time(raw));
    }
  }
  return { raw: median(rawTimes), sdk: median(sdkTimes), difference: median(sdkTimes.map((value, i) => value - rawTimes[i])), pairs: rawTimes.length };
}

async function measure(title: string, raw: Contender, sdk: Contender, settings: BenchSettings, seconds: number, warmupSeconds: number): Promise<number> {
  const runs: PairedRun[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    if (warmupSeconds > 0) await pairedRun(raw, sdk, warmupSeconds);
    const run = await pairedRun(raw, sdk, seconds);
    runs.push(run);
    console.log(
      `  round ${round}/${settings.rounds}  ${title.padEnd(30)} raw ${format(run.raw, 1).padStart(8)} µs  sdk ${format(run.sdk, 1).padStart(8)} µs  ` +
        `sdk − raw ${format(run.difference, 1).padStart(7)} µs  (${format(run.pairs)} pairs)`,
    );
  }
  const rawMedian = median(runs.map((run) => run.raw));
  const difference = median(runs.map((run) => run.difference));
  const rows = [
    [title, 'median µs/request', 'runs (µs)'],
    [raw.name, format(rawMedian, 1), runs.map((run) => format(run.raw, 1)).join(' / ')],
    [sdk.name, format(median(runs.map((run) => run.sdk)), 1), runs.map((run) => format(run.sdk, 1)).join(' / ')],
    [`overhead (paired sdk − raw)`, `${format(difference, 1)} (${format((difference / rawMedian) * 100, 1)}%)`, runs.map((run) => format(run.difference, 1)).join(' / ')],
  ];
  console.log(`\n${table(rows)}\n`);
  return difference;
}

async function reportOverhead(sdk: Sdk, api: { url: string; secret: string }, settings: BenchSettings) {
  const probe = new sdk.EverJust({ apiKey: api.secret, baseUrl: api.url });
  const project = (await probe.projects.list({ first: 1 })).data[0];
  // The very request body the SDK sends, taken from the SDK itself.
  let body = '';
  const capture = new sdk.EverJust({
    apiKey: api.secret,
    baseUrl: api.url,
    fetch: async (_url, init) => {
      body = String(init?.body);
      return new Response(JSON.stringify({ data: { project } }), { status: 200, headers: { 'content-type': 'application/graphql-response+json' } });
    },
  });
  await capture.projects.get(project.id);
  const check = (name: string) => {
    if (name !== project.name) throw new Error(`expected project "${project.name}", got ${JSON.stringify(name)}`);
  };

  // 1. Over HTTP, our API answering.
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9', authorization: `Bearer ${api.secret}` };
  const httpOverhead = await measure(
    'over HTTP (our API on PGlite)',
    {
      name: 'raw fetch + json',
      async once() {
        const response = await fetch(`${api.url}/graphql`, { method: 'POST', headers, body });
        const json = (await response.json()) as { data?: { project: { name: string } }; errors?: unknown };
        if (!response.ok || json.errors) throw new Error(`raw fetch failed: ${JSON.stringify(json)}`);
        check(json.data!.project.name);
      },
    },
    { name: 'sdk projects.get', once: async () => check((await probe.projects.get(project.id)).name) },
    settings,
    settings.durationS,
    settings.warmupS,
  );

  // 2. In memory: the same answer at once, so only the client's own work is timed.
  const answer = JSON.stringify({ data: { project } });
  const respond = () => new Response(answer, { status: 200, headers: { 'content-type': 'application/graphql-response+json', 'x-request-id': 'bench' } });
  const inMemory = new sdk.EverJust({ apiKey: api.secret, baseUrl: api.url, fetch: async () => respond() });
  const fakeFetch = async (_url: string, _init: RequestInit) => respond();
  const cpuOverhead = await measure(
    'in memory (client work only)',
    {
      name: 'raw fetch + json',
      async once() {
        const response = await fakeFetch(`${api.url}/graphql`, { method: 'POST', headers, body });
        const json = (await response.json()) as { data: { project: { name: string } } };
        check(json.data.project.name);
      },
    },
    { name: 'sdk projects.get', once: async () => check((await inMemory.projects.get(project.id)).name) },
    settings,
    Math.max(1, Math.round(settings.durationS / 2)),
    Math.min(1, settings.warmupS),
  );
  console.log(`SDK overhead per request: ${format(httpOverhead, 1)} µs over HTTP, ${format(cpuOverhead, 1)} µs of client work`);
}
