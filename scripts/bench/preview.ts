import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPubSub, loadConfig } from '@everjust/core';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { startFakeDaytona, timeSandboxSteps, type SandboxStepTimes } from '../../test-support/fake-daytona.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse } from '../../test-support/platform.js';
import { createDaytona, localSandboxRoot } from '@everjust/worker';
import autocannon from 'autocannon';
import { format, graphqlRequest, median, openBenchDatabase, percentile, readInteger, table, type BenchSettings, type Suite } from './_harness.js';

/**
 * Previews (issue 4: "Time from generation done to preview_ready with the local provider (p50 of 10
 * runs), and the time of each step of a Daytona create + upload + command against the fake.").
 *
 * 1. The API and an in-process worker with EVERJUST_SANDBOX=local (its data dir in a temp folder), on
 *    PostgreSQL when DATABASE_URL is set (else PGlite) and Redis pub/sub when REDIS_URL is set. One live
 *    session at a time on the offline model (no ANTHROPIC_API_KEY; no pause between parts), followed
 *    over SSE. From the events' `at` (database time of each append): generation done (the last `usage`
 *    before the preview step) → `preview_ready`, and the preview step's own start (`status` step
 *    previewing) → `preview_ready`, with the sandbox creation in between. Each preview URL is fetched
 *    (must answer 200). The local servers are killed when the platform stops, and checked.
 * 2. `timeSandboxSteps` on the Daytona provider (the real SDK) against the fake Daytona API on
 *    127.0.0.1: create, upload, one command, delete, per run.
 * 3. Issue 14: static-asset requests per second through the preview proxy (the last run's `app.js` at
 *    its preview URL: token check, sandbox lookup, forwarding, our headers) against the same file from
 *    the sandbox's own server, in the same run, interleaved (BENCH_ROUNDS, BENCH_DURATION_S,
 *    BENCH_WARMUP_S, BENCH_CONNECTIONS); every response must be 200 with the same body. Target ≥ 70 %.
 *    Measured twice through the proxy: as browsers load a page (the proxy answers the platform static
 *    server's files from memory, api/src/preview/asset-cache.ts) and with `Cache-Control: no-cache` on
 *    every request (a hard reload: each one forwarded to the sandbox).
 * 4. Issue 14: `preview_ready` → `preview_checked` (the page loaded in headless Chromium, its errors and
 *    a screenshot collected) when a browser is there: EVERJUST_BROWSER, else /usr/bin/chromium if
 *    present; BENCH_BROWSER=none leaves the check out.
 */

const EVENTS = `subscription($sessionId: ID!) { sessionEvents(sessionId: $sessionId) { ${EVENT_FIELDS}
  ... on PreviewReadyEvent { url } ... on PreviewFailedEvent { reason } ... on SandboxCreatedEvent { sandboxId provider }
  ... on PreviewCheckedEvent { errors { message } screenshotUrl } } }`;

const suite: Suite = {
  name: 'preview',
  description: 'generation done → preview_ready with the local sandbox; static-asset req/s through the preview proxy vs the sandbox itself; Daytona create/upload/command/delete against the fake',
  async run(settings) {
    const runs = readInteger('BENCH_PREVIEW_RUNS', 10, 1);
    const daytonaRuns = readInteger('BENCH_DAYTONA_RUNS', 10, 1);
    await localPreviews(runs, settings);
    await daytonaSteps(daytonaRuns);
  },
};
export default suite;

interface Timed {
  /** Generation done (last `usage` of the generate step) → preview_ready. */
  doneToReady: number;
  /** `status` previewing → preview_ready. */
  stepToReady: number;
  /** `status` previewing → sandbox_created. */
  toSandbox: number;
  /** sandbox_created → preview_ready (files synced, server started, port answering). */
  sandboxToReady: number;
  /** Whole session, queued → done. */
  session: number;
  /** preview_ready → preview_checked (null: no check ran). */
  readyToChecked: number | null;
}

/** The Chromium the preview check uses in this run, if any. */
function benchBrowser(): string | undefined {
  if (process.env.BENCH_BROWSER === 'none') return undefined;
  return process.env.EVERJUST_BROWSER || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
}

async function localPreviews(runs: number, settings: BenchSettings) {
  const processConfig = loadConfig(process.env);
  const dataDir = mkdtempSync(join(tmpdir(), 'everjust-bench-preview-'));
  // The sandboxes live outside the data dir (in the system's temporary folder): both go afterwards.
  const cleanup: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true }), async () => rmSync(localSandboxRoot(dataDir), { recursive: true, force: true })];
  try {
    const bench = await openBenchDatabase(processConfig);
    cleanup.push(bench.close);
    const pubsub = createPubSub({ redisUrl: processConfig.redisUrl });
    cleanup.push(() => pubsub.close());
    console.log(
      `database: ${bench.label}; pub/sub: ${processConfig.redisUrl ? `Redis ${new URL(processConfig.redisUrl).host}` : 'in-process (REDIS_URL not set)'}; ` +
        `EVERJUST_SANDBOX=local in ${dataDir}; ${runs} live sessions on the offline model, one after another; ` +
        `preview check: ${benchBrowser() ?? 'none (no Chromium)'}`,
    );
    const platform = await startTestPlatform(bench.database, {
      pubsub,
      environment: {
        EVERJUST_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
        EVERJUST_SANDBOX: 'local',
        EVERJUST_DATA_DIR: dataDir,
        EVERJUST_BROWSER: benchBrowser() ?? '',
        EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '0',
        // Production defaults, not the tests' short times.
        EVERJUST_JOB_LEASE_MS: '30000',
        EVERJUST_JOB_HEARTBEAT_MS: '10000',
        EVERJUST_WORKER_POLL_INTERVAL_MS: '1000',
        EVERJUST_EVENT_POLL_INTERVAL_MS: '1000',
        // Rate limits stay on (each proxied response counts, as in production), high enough not to refuse the load.
        EVERJUST_PREVIEW_PER_MINUTE: '100000000',
        REDIS_URL: processConfig.redisUrl,
      },
    });
    let stopped = false;
    cleanup.push(async () => {
      if (!stopped) await platform.stop();
    });
    const tenant = await createTenant(bench.database.prisma, { name: 'Bench preview', tier: 'enterprise' });
    const { secret: key } = await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' });

    const prompts = ['Build a calculator', 'A todo list', 'A countdown timer', 'A notes app', 'A counter'];
    const timed: Timed[] = [];
    let lastPreviewUrl: string | undefined;
    for (let run = 0; run < runs; run++) {
      const project = await graphqlRequest(platform.url, key, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: `Preview ${run + 1}` } });
      const started = await graphqlRequest(platform.url, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
        input: { projectId: project.createProject.id, prompt: prompts[run % prompts.length] },
      });
      const { events, completed, errors } = await subscribeSse(platform.url, key, EVENTS, { sessionId: started.startSession.id });
      if (!completed || errors) throw new Error(`session ${run + 1}: the stream ended ${errors ? `with errors ${JSON.stringify(errors)}` : 'without complete'}`);
      const timing = timingOf(events, run + 1);
      const ready = events.find((event) => event.type === 'preview_ready');
      const page = await fetch(ready.url);
      await page.body?.cancel();
      if (page.status !== 200) throw new Error(`session ${run + 1}: the preview ${ready.url} answered HTTP ${page.status}`);
      lastPreviewUrl = ready.url;
      timed.push(timing);
      console.log(
        `  run ${String(run + 1).padStart(2)}/${runs}  generation done → preview_ready ${format(timing.doneToReady)} ms` +
          `  (previewing → sandbox_created ${format(timing.toSandbox)} ms, → preview_ready ${format(timing.sandboxToReady)} ms` +
          `${timing.readyToChecked === null ? '' : `; → preview_checked ${format(timing.readyToChecked)} ms`}; session ${format(timing.session)} ms)`,
      );
    }

    const last = await bench.database.prisma.sandbox.findFirstOrThrow({ where: { tenantId: tenant.id, status: 'running' }, orderBy: { lastActiveAt: 'desc' } });
    const lastReady = lastPreviewUrl!;
    await proxyThroughput(new URL('app.js', lastReady).toString(), new URL('app.js', last.upstreamUrl!).toString(), settings);

    const servers = localServerPids(dataDir);
    stopped = true;
    await platform.stop();
    const survivors = await stillAlive(servers);

    const row = (name: string, pick: (timing: Timed) => number | null) => {
      const values = timed.map(pick).filter((value): value is number => value !== null);
      if (values.length === 0) return [name, 'n/a', 'n/a', 'n/a'];
      return [name, format(percentile(values, 50)), format(Math.min(...values)), format(Math.max(...values))];
    };
    console.log(
      `\n${table([
        [`local preview, ${runs} runs (ms, from event \`at\` times)`, 'p50', 'min', 'max'],
        row('generation done (last usage) → preview_ready', (timing) => timing.doneToReady),
        row('status previewing → preview_ready', (timing) => timing.stepToReady),
        row('  previewing → sandbox_created (folder made)', (timing) => timing.toSandbox),
        row('  sandbox_created → preview_ready (files, server, port answers)', (timing) => timing.sandboxToReady),
        row('preview_ready → preview_checked (headless Chromium: load, settle, errors, screenshot)', (timing) => timing.readyToChecked),
        row('whole session (queued → done)', (timing) => timing.session),
      ])}\n`,
    );
    console.log(
      `local sandbox servers: ${servers.length} started; ${survivors.length === 0 ? 'all killed when the platform stopped' : `STILL RUNNING after stop: pids ${survivors.join(', ')}`}`,
    );
    if (survivors.length > 0) throw new Error(`local sandbox servers still running after platform.stop: ${survivors.join(', ')}`);
  } finally {
    for (const close of cleanup.reverse()) await close();
  }
}

/**
 * Static-asset throughput: the same file through the preview proxy and straight from the sandbox's
 * server, interleaved rounds (direct, proxy, direct, …), each checked first and every response
 * required to be a 200 with that body.
 */
async function proxyThroughput(proxied: string, direct: string, settings: BenchSettings) {
  const expected = await (await fetch(direct)).text();
  const throughProxy = await fetch(proxied);
  if (throughProxy.status !== 200 || (await throughProxy.text()) !== expected) throw new Error(`the proxied ${proxied} does not answer the sandbox's file`);
  const load = async (url: string, seconds: number, headers: Record<string, string> = {}) => {
    // In a worker thread: the load generator must not share the API's event loop (the platform runs in this process).
    const result = await autocannon({ url, headers, connections: settings.connections, duration: seconds, expectBody: expected, workers: 1 });
    const failed = result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0);
    if (failed > 0) throw new Error(`${url}: ${failed} failed or different responses`);
    return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  };
  const paths = [
    { name: 'direct', label: "the sandbox's own server (127.0.0.1, its port)", url: direct, headers: {} },
    { name: 'proxy', label: 'through the preview proxy (token, sandbox lookup, its files kept in memory)', url: proxied, headers: {} },
    { name: 'forwarded', label: 'through the preview proxy, Cache-Control: no-cache (each one forwarded)', url: proxied, headers: { 'cache-control': 'no-cache' } },
  ] as const;
  const measured = Object.fromEntries(paths.map((path) => [path.name, { rps: [] as number[], p99: [] as number[] }])) as Record<(typeof paths)[number]['name'], { rps: number[]; p99: number[] }>;
  console.log(`\nstatic asset (app.js, ${expected.length} bytes): ${settings.rounds} interleaved rounds of ${settings.durationS} s, ${settings.connections} connections`);
  for (let round = 1; round <= settings.rounds; round++) {
    for (const path of paths) {
      if (settings.warmupS > 0) await load(path.url, settings.warmupS, path.headers);
      const result = await load(path.url, settings.durationS, path.headers);
      measured[path.name].rps.push(result.requestsPerSecond);
      measured[path.name].p99.push(result.p99);
      console.log(`  round ${round}/${settings.rounds}  ${path.label}  ${format(result.requestsPerSecond)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms`);
    }
  }
  console.log(`\n${table([['static asset, median of rounds', 'req/s', 'p99 ms', 'vs direct'], ...paths.map((path) => [path.label, format(median(measured[path.name].rps)), format(median(measured[path.name].p99)), `${format((median(measured[path.name].rps) / median(measured.direct.rps)) * 100, 1)} %`])])}\n`);
  const share = median(measured.proxy.rps) / median(measured.direct.rps);
  console.log(`proxy / direct: ${format(share * 100, 1)} % (target ≥ 70 %)${share >= 0.7 ? '' : '  BELOW TARGET'}; forwarded every time: ${format((median(measured.forwarded.rps) / median(measured.direct.rps)) * 100, 1)} %`);
}

function timingOf(events: any[], run: number): Timed {
  const at = (event: any) => Date.parse(event.at);
  const previewing = events.findIndex((event) => event.type === 'status' && event.step === 'previewing');
  const ready = events.find((event) => event.type === 'preview_ready');
  const created = events.find((event) => event.type === 'sandbox_created');
  const failed = events.find((event) => event.type === 'preview_failed');
  if (previewing < 0 || !ready || !created) {
    throw new Error(`run ${run}: expected previewing, sandbox_created and preview_ready${failed ? `; got preview_failed: ${failed.reason}` : ''} (events: ${events.map((event) => event.type).join(', ')})`);
  }
  const generationDone = events.slice(0, previewing).findLast((event) => event.type === 'usage');
  if (!generationDone) throw new Error(`run ${run}: no usage event before the preview step`);
  const checked = events.find((event) => event.type === 'preview_checked');
  if (checked && checked.errors.length > 0) throw new Error(`run ${run}: the preview check found errors: ${JSON.stringify(checked.errors)}`);
  const done = events.at(-1);
  if (done?.type !== 'done' || done.status !== 'succeeded') throw new Error(`run ${run}: the session ended ${done?.type} ${done?.status}`);
  return {
    doneToReady: at(ready) - at(generationDone),
    stepToReady: at(ready) - at(events[previewing]),
    toSandbox: at(created) - at(events[previewing]),
    sandboxToReady: at(ready) - at(created),
    session: at(done) - at(events[0]),
    readyToChecked: checked ? at(checked) - at(ready) : null,
  };
}

/** The pids of the static servers the local provider started (each sandbox's metadata keeps its server's). */
function localServerPids(dataDir: string): number[] {
  const root = localSandboxRoot(dataDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => name.startsWith('local-'))
    .map((name) => JSON.parse(readFileSync(join(root, name, 'sandbox.json'), 'utf8')) as { server: { pid: number } | null })
    .flatMap((metadata) => (metadata.server ? [metadata.server.pid] : []));
}

/** The pids still alive (a killed child may take a moment to be reaped). */
async function stillAlive(pids: number[]): Promise<number[]> {
  const alive = () =>
    pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  for (let attempt = 0; attempt < 20 && alive().length > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
  return alive();
}

async function daytonaSteps(runs: number) {
  const fake = await startFakeDaytona({ apiKey: 'bench-daytona-key' });
  const provider = createDaytona({ apiKey: 'bench-daytona-key', apiUrl: fake.apiUrl });
  try {
    fake.onCommand(/\bls\b/, () => ({ stdout: ['index.html\napp.js\n'] }));
    const times: SandboxStepTimes[] = [];
    for (let run = 0; run < runs; run++) times.push(await timeSandboxSteps(provider));
    const steps: Array<[string, keyof SandboxStepTimes]> = [
      ['create (POST /sandbox, then polled until started)', 'createMs'],
      ['upload (2 files, bulk upload)', 'uploadMs'],
      ['command (`ls`: session, exec, log stream, exit code, session deleted)', 'commandMs'],
      ['delete', 'deleteMs'],
    ];
    const rows = steps.map(([name, field]) => {
      const values = times.map((time) => time[field]);
      return [name, format(percentile(values, 50), 1), format(Math.min(...values), 1), format(Math.max(...values), 1)];
    });
    const totals = times.map((time) => time.createMs + time.uploadMs + time.commandMs + time.deleteMs);
    rows.push(['all four', format(percentile(totals, 50), 1), format(Math.min(...totals), 1), format(Math.max(...totals), 1)]);
    console.log(
      `\n${table([[`Daytona provider (@daytonaio/sdk) against the fake on 127.0.0.1, ${runs} runs (ms)`, 'p50', 'min', 'max'], ...rows])}\n`,
    );
    console.log('The fake answers at once (transitionMs 0): these are the SDK\'s and our provider\'s own costs (requests, polling), not Daytona\'s.');
  } finally {
    await provider.close();
    await fake.close();
  }
}
