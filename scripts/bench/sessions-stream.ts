import { fork, type ChildProcess } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPubSub, loadConfig, type Environment, type PubSub } from '@everjust/core';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { ServerSentEventParser } from '@everjust/sdk';
import { FAST, SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { childEnvironment, startTypeScript, type RunningProcess } from '../../test-support/processes.js';
import {
  collectGarbage,
  format,
  graphqlRequest,
  openBenchDatabase,
  percentile,
  readInteger,
  schedulerTimes,
  startCpuProfile,
  startNoiseProbe,
  table,
  type BenchDatabase,
  type Suite,
} from './_harness.js';

/**
 * Live session events under load (issue: "100 concurrent sessions on the offline model emitting 50
 * deltas/s each: latency from the worker's append (after coalescing) to the subscriber's receipt (p50,
 * p99), events/s delivered, memory per open subscription. Target: p99 under 50 ms with Redis on one
 * machine.").
 *
 * The API runs in this process and the standalone worker (concurrency = the number of sessions) in a
 * process of its own (BENCH_STREAM_WORKER=process, the default on PostgreSQL) or inside this one
 * (inline, as the one-process start runs it; the only choice on PGlite), on
 * PostgreSQL when DATABASE_URL is set (else in-memory PGlite) and with pub/sub on Redis when REDIS_URL
 * is set (else in-process). The subscribers run in a child process (this file, forked), as separate
 * clients would: each of BENCH_STREAM_SESSIONS slots creates a project, starts a live session (the
 * offline model: no ANTHROPIC_API_KEY; EVERJUST_OFFLINE_DELTA_INTERVAL_MS=20, i.e. 50 parts/s),
 * follows it over SSE to `complete`, and starts the next one, until the measured window ends.
 *
 * Latency of an event = the client's receipt time − the event's `at`, the database's `now()` of the
 * append statement (same machine, same clock; `at` is the statement's time, just before its commit,
 * and has millisecond precision). Only events appended after the subscription was seen to be live (its
 * first, replayed event received) and within the window count: the others were replayed from the log.
 *
 * Memory per open subscription: a second API (no worker, so sessions stay queued and streams stay open)
 * with BENCH_IDLE_SUBSCRIPTIONS idle SSE subscriptions; (server heap / RSS with them open − before) / N.
 */

const TARGET_P99_MS = 50;
const CLIENT_FLAG = 'EVERJUST_BENCH_SESSIONS_STREAM_CLIENT';

interface StreamCommand {
  type: 'stream';
  url: string;
  /** Slot i uses key i mod keys.length (one tenant each). */
  keys: string[];
  sessions: number;
  warmupS: number;
  durationS: number;
  /** Slots start spread over this many ms, so sessions do not all run in lockstep. */
  staggerMs: number;
}

interface StreamResult {
  type: 'stream-result';
  /** Latencies (ms) of live events appended in the window. */
  latencies: number[];
  /** Events received in the window (by receipt time), live or not. */
  deliveredInWindow: number;
  /** Events appended before their subscription was live (replayed from the log), not timed. */
  replayed: number;
  /** Live events whose `at` fell outside the window (warm-up, tail). */
  outsideWindow: number;
  sessionsCompleted: number;
  sessionSeconds: number[];
  /** Per session, ms: createProject + startSession answered; seq 1 (queued) → seq 2 (running, the worker took it); running → done. */
  phases: { start: number[]; queued: number[]; running: number[] };
  textDeltasPerSession: number[];
  eventsByType: Record<string, number>;
  /** `error` events (the worker retries a session after a retryable one), by code and message. */
  errors: Record<string, number>;
  /** createProject/startSession calls that failed (the slot tried again), by error. */
  startFailures: Record<string, number>;
  windowStart: number;
  windowEnd: number;
  clientCpuMs: number;
}

type ParentMessage =
  | StreamCommand
  | { type: 'idle-create'; url: string; key: string; count: number }
  | { type: 'idle-open' }
  | { type: 'idle-close' }
  | { type: 'idle-cancel' }
  | { type: 'exit' };

type ChildMessage =
  | StreamResult
  | { type: 'idle-created' }
  | { type: 'idle-opened'; count: number }
  | { type: 'idle-closed' }
  | { type: 'idle-cancelled' }
  | { type: 'error'; message: string };

const suite: Suite = {
  name: 'sessions-stream',
  description: 'live session events: append → SSE receipt latency with concurrent offline sessions, events/s, memory per open subscription',
  async run() {
    const environment = process.env;
    const sessions = readInteger('BENCH_STREAM_SESSIONS', 100, 1);
    const durationS = readInteger('BENCH_STREAM_DURATION_S', 20, 1);
    const warmupS = readInteger('BENCH_STREAM_WARMUP_S', 5, 0);
    const deltaIntervalMs = readInteger('BENCH_STREAM_DELTA_INTERVAL_MS', 20, 0);
    const idleCount = readInteger('BENCH_IDLE_SUBSCRIPTIONS', 500, 0);
    const tenantCount = readInteger('BENCH_STREAM_TENANTS', 1, 1);
    const processConfig = loadConfig(environment);
    // `process` (the default on PostgreSQL): the worker in a process of its own, as `.do/app.yaml`
    // deploys it and as "with Redis" implies (Redis carries events between the worker and the API);
    // `inline`: inside the API process, as the one-process start runs it (the only choice on PGlite).
    const workerMode = (process.env.BENCH_STREAM_WORKER ?? (processConfig.databaseUrl ? 'process' : 'inline')) as 'process' | 'inline';
    if (workerMode !== 'process' && workerMode !== 'inline') throw new Error('BENCH_STREAM_WORKER must be process or inline');
    if (workerMode === 'process' && !processConfig.databaseUrl) throw new Error('BENCH_STREAM_WORKER=process needs DATABASE_URL (PGlite lives in one process)');
    const redisUrl = processConfig.redisUrl;

    const cleanup: Array<() => Promise<void>> = [];
    let child: ChildProcess | undefined;
    try {
      const bench = await openBenchDatabase(processConfig);
      cleanup.push(bench.close);
      const redisPubSub = createPubSub({ redisUrl });
      cleanup.push(() => redisPubSub.close());
      const pubsub = timedPubSub(redisPubSub);
      console.log(`database: ${bench.label}; pub/sub: ${redisUrl ? `Redis ${new URL(redisUrl).host}` : 'in-process (REDIS_URL not set)'}`);
      console.log(
        `${sessions} concurrent live sessions on the offline model, a part every ${deltaIntervalMs} ms (${deltaIntervalMs > 0 ? format(1000 / deltaIntervalMs) : '∞'} parts/s each), ` +
          `worker concurrency ${sessions} (${workerMode === 'process' ? 'the worker in a process of its own, as deployed' : 'the worker inside the API process, as the embedded start runs it'}); ` +
          `${warmupS} s warm-up + ${durationS} s measured; subscribers in a child process`,
      );

      const tenant = await benchTenant(bench, Math.max(200, idleCount + sessions));
      const streamKeys = [tenant.key];
      for (let index = 1; index < tenantCount; index++) streamKeys.push((await benchTenant(bench, 200)).key);
      console.log(`sessions spread over ${tenantCount} enterprise tenant(s) (concurrentSessions ≥ 200, generationsPerDay unlimited, burst 100,000 requests/s), live keys`);
      const serverEnvironment = platformEnvironment({ redisUrl, sessions, deltaIntervalMs });

      const subscriber = startClient();
      child = subscriber;
      const client = messenger(subscriber);

      // 1. Memory per open subscription: no worker, so the sessions stay queued and their streams open.
      if (idleCount > 0) {
        const idle = await startTestPlatform(bench.database, { environment: serverEnvironment, pubsub, worker: false });
        let idleStopped = false;
        cleanup.push(async () => {
          if (!idleStopped) await idle.stop();
        });
        await reportIdleMemory(idle, client, tenant.key, idleCount, bench);
        idleStopped = true;
        await idle.stop();
      }

      // 2. Streaming.
      const platform = await startTestPlatform(bench.database, { environment: serverEnvironment, pubsub, worker: workerMode === 'inline' });
      let platformStopped = false;
      cleanup.push(async () => {
        if (!platformStopped) await platform.stop();
      });
      const profilePath = process.env.BENCH_CPU_PROFILE;
      const workerProcess = workerMode === 'process' ? await startWorkerProcess(serverEnvironment, bench.url!, profilePath) : undefined;
      if (workerProcess) cleanup.push(() => stopWorkerProcess(workerProcess));
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      const probe = startNoiseProbe();
      cleanup.push(async () => probe.kill());
      const queue = sampleQueue(bench);
      const profiler = profilePath ? await startCpuProfile() : undefined;
      const cpuBefore = process.cpuUsage();
      const workerPid = workerProcess?.child.pid;
      const schedBefore = { server: schedulerTimes(), client: schedulerTimes(subscriber.pid!), worker: workerPid ? schedulerTimes(workerPid) : undefined };
      const wallBefore = performance.now();
      loopDelay.enable();
      const windowStart = Date.now() + warmupS * 1000;
      pubsub.timeWindow(windowStart, windowStart + durationS * 1000);
      const result = (await client.request(
        { type: 'stream', url: platform.url, keys: streamKeys, sessions, warmupS, durationS, staggerMs: 2000 },
        'stream-result',
      )) as StreamResult;
      pubsub.timeWindow(0, 0);
      const queueSamples = await queue.stop();
      loopDelay.disable();
      const cpu = process.cpuUsage(cpuBefore);
      const wallMs = performance.now() - wallBefore;
      const scheduling = {
        server: schedulerShare(schedBefore.server, schedulerTimes(), wallMs),
        client: schedulerShare(schedBefore.client, schedulerTimes(subscriber.pid!), wallMs),
        worker: workerPid ? schedulerShare(schedBefore.worker, schedulerTimes(workerPid), wallMs) : undefined,
      };
      await profiler?.stop(profilePath!);
      if (profilePath) console.log(`CPU profile of the server process written to ${profilePath}${workerProcess ? ` (the worker's in ${profilePath}.worker/, when it has stopped)` : ''}`);
      const noise = await probe.stop();
      platformStopped = true;
      await platform.stop();
      reportStream(result, { workerMode, sessions, durationS, loopDelay, serverCpuShare: (cpu.user + cpu.system) / 1000 / wallMs, clientCpuShare: result.clientCpuMs / wallMs, noise, stages: pubsub.stages, scheduling, queueSamples });
      await client.send({ type: 'exit' });
    } finally {
      child?.kill();
      for (const close of cleanup.reverse()) await close();
    }
  },
};
export default suite;

/** Production defaults (not the tests' short times), offline pace and worker concurrency for the run. */
function platformEnvironment(options: { redisUrl?: string; sessions: number; deltaIntervalMs: number }): Environment {
  return {
    EVERJUST_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    EVERJUST_JOB_LEASE_MS: '30000',
    EVERJUST_JOB_HEARTBEAT_MS: '10000',
    EVERJUST_JOB_BACKOFF_BASE_MS: '2000',
    EVERJUST_WORKER_POLL_INTERVAL_MS: '1000',
    EVERJUST_EVENT_POLL_INTERVAL_MS: '1000',
    EVERJUST_SANDBOX: 'none',
    EVERJUST_WORKER_CONCURRENCY: String(options.sessions),
    EVERJUST_OFFLINE_DELTA_INTERVAL_MS: String(options.deltaIntervalMs),
    EVERJUST_RATE_LIMIT_PREFIX: `everjust-bench-${randomBytes(6).toString('hex')}`,
    REDIS_URL: options.redisUrl,
  };
}

/**
 * An enterprise tenant whose limits the run never reaches (not even the burst of requests per second,
 * which the memory phase's 500 subscriptions opened at once would), with a live key (live: the
 * offline model, no test-mode limits).
 */
async function benchTenant(bench: BenchDatabase, concurrentSessions: number) {
  const tenant = await createTenant(bench.database.prisma, {
    name: 'Bench sessions-stream',
    tier: 'enterprise',
    limitOverrides: { concurrentSessions, generationsPerDay: null, burstPerSecond: 100_000 },
  });
  const { secret } = await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' });
  return { id: tenant.id, key: secret };
}

function reportStream(
  result: StreamResult,
  context: {
    workerMode: 'process' | 'inline';
    sessions: number;
    durationS: number;
    loopDelay: ReturnType<typeof monitorEventLoopDelay>;
    serverCpuShare: number;
    clientCpuShare: number;
    noise: { p50: number; p99: number; max: number };
    stages: { published: number[]; heard: number[] };
    scheduling: { server?: string; client?: string; worker?: string };
    queueSamples: { active: number[]; queued: number[] };
  },
) {
  const { latencies } = result;
  if (latencies.length === 0) throw new Error('no live event was received in the measured window');
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const max = Math.max(...latencies);
  const types = Object.entries(result.eventsByType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, count]) => `${type} ${format(count)}`)
    .join(', ');
  const ms = (ns: number) => format(ns / 1e6, 1);
  console.log(
    `\n${table([
      ['figure', 'value'],
      ['events timed (live, appended in the window)', format(latencies.length)],
      ['append → receipt latency p50', `${format(p50, 1)} ms`],
      ['append → receipt latency p99', `${format(p99, 1)} ms`],
      ['append → receipt latency max', `${format(max, 1)} ms`],
      ['share of events over 50 ms', `${format((latencies.filter((value) => value > TARGET_P99_MS).length / latencies.length) * 100, 2)}%`],
      ['events delivered per second (all subscribers)', format(result.deliveredInWindow / context.durationS)],
      ['sessions completed', format(result.sessionsCompleted)],
      ['session length p50 (start → complete)', `${format(percentile(result.sessionSeconds, 50), 2)} s`],
      ['text_delta events per session p50', format(percentile(result.textDeltasPerSession, 50))],
      ['sessions started in the window: createProject + startSession answered p50 / p99', stagePercentiles(result.phases.start)],
      ['  queued → running (a worker took it) p50 / p99', stagePercentiles(result.phases.queued)],
      ['  running → done (generation) p50 / p99', stagePercentiles(result.phases.running)],
      ['worker: jobs running p50 / jobs waiting in the queue p50 (sampled every 0.5 s)', `${format(percentile(context.queueSamples.active, 50))} / ${format(percentile(context.queueSamples.queued, 50))}`],
      ['replayed (not timed) / live outside the window', `${format(result.replayed)} / ${format(result.outsideWindow)}`],
      ['server event-loop delay p50 / p99 / max', `${ms(context.loopDelay.percentile(50))} / ${ms(context.loopDelay.percentile(99))} / ${ms(context.loopDelay.max)} ms`],
      [
        '  stage: append → publish call (statement, commit, back in the worker) p50 / p99',
        context.workerMode === 'inline' ? stagePercentiles(context.stages.published) : 'n/a (the worker publishes from its own process)',
      ],
      ['  stage: append → heard by the API\'s pub/sub subscriber p50 / p99', stagePercentiles(context.stages.heard)],
      ['idle probe process event-loop delay p50 / p99 / max (machine noise)', `${format(context.noise.p50, 1)} / ${format(context.noise.p99, 1)} / ${format(context.noise.max, 1)} ms`],
      [`server process CPU (${context.workerMode === 'inline' ? 'API + worker' : 'API'}), share of one core`, `${format(context.serverCpuShare * 100)}%`],
      ['subscriber process CPU, share of one core', `${format(context.clientCpuShare * 100)}%`],
      ['server event-loop thread: running / waiting for a CPU (share of wall time)', context.scheduling.server ?? 'n/a'],
      ['subscriber main thread: running / waiting for a CPU (share of wall time)', context.scheduling.client ?? 'n/a'],
      ...(context.workerMode === 'process' ? [['worker process main thread: running / waiting for a CPU (share of wall time)', context.scheduling.worker ?? 'n/a']] : []),
    ])}\n`,
  );
  console.log(`events by type (all sessions, whole run): ${types}`);
  for (const [error, count] of Object.entries(result.errors)) console.log(`  error events (the worker retried the session): ${count} × ${error}`);
  const failures = Object.entries(result.startFailures);
  for (const [error, count] of failures) console.log(`  FAILED createProject/startSession calls: ${count} × ${error}`);
  if (failures.length > 0) process.exitCode = 1;
  console.log(
    `Target "p99 under ${TARGET_P99_MS} ms with Redis on one machine": ${p99 < TARGET_P99_MS ? 'MET' : 'NOT MET'} (p99 ${format(p99, 1)} ms` +
      `${process.env.REDIS_URL ? '' : '; pub/sub was in-process, not Redis'})`,
  );
}

/** The standalone worker (`worker/src/main.ts`) on the suite's database, with the API's settings. */
async function startWorkerProcess(serverEnvironment: Environment, databaseUrl: string, profilePath?: string): Promise<RunningProcess> {
  // With BENCH_CPU_PROFILE, the worker writes its profiles (one per thread: the main one is the largest)
  // into a directory beside the server's when it exits.
  const profile = profilePath ? ['--cpu-prof', `--cpu-prof-dir=${profilePath}.worker`] : [];
  const worker = startTypeScript(
    'worker/src/main.ts',
    [],
    childEnvironment({ ...FAST, ...serverEnvironment, DATABASE_URL: databaseUrl, EVERJUST_LOG_LEVEL: 'info' }),
    profile,
  );
  await worker.waitFor(/"msg":"worker started"/, 60_000, 'stderr');
  return worker;
}

async function stopWorkerProcess(worker: RunningProcess): Promise<void> {
  if (worker.child.exitCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}

/** Every 0.5 s: the jobs running and the jobs waiting in the queue. */
function sampleQueue(bench: BenchDatabase) {
  const samples = { active: [] as number[], queued: [] as number[] };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const counts = await bench.database.prisma.job.groupBy({ by: ['status'], where: { status: { in: ['queued', 'running'] } }, _count: true });
      samples.active.push(counts.find((row) => row.status === 'running')?._count ?? 0);
      samples.queued.push(counts.find((row) => row.status === 'queued')?._count ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

function schedulerShare(before: { runMs: number; waitMs: number } | undefined, after: { runMs: number; waitMs: number } | undefined, wallMs: number) {
  if (!before || !after) return undefined;
  return `${format(((after.runMs - before.runMs) / wallMs) * 100)}% / ${format(((after.waitMs - before.waitMs) / wallMs) * 100)}%`;
}

function stagePercentiles(values: number[]): string {
  return values.length === 0 ? 'n/a' : `${format(percentile(values, 50), 1)} / ${format(percentile(values, 99), 1)} ms`;
}

/**
 * The platform's pub/sub with a stopwatch: for session events appended in the window, how long after
 * their `at` the worker published them (after the commit) and the API's subscriber heard them. The
 * rest of an event's latency is the API's stream (GraphQL execution, SSE write) and the subscriber.
 */
function timedPubSub(inner: PubSub) {
  const stages = { published: [] as number[], heard: [] as number[] };
  let from = 0;
  let to = 0;
  const record = (into: number[], channel: string, message: string) => {
    if (!channel.startsWith('everjust:session-events:') || to === 0) return;
    const at = Date.parse((JSON.parse(message) as { at: string }).at);
    if (at >= from && at < to) into.push(Date.now() - at);
  };
  return {
    stages,
    timeWindow(start: number, end: number) {
      from = start;
      to = end;
    },
    publish(channel: string, message: string) {
      record(stages.published, channel, message);
      return inner.publish(channel, message);
    },
    subscribe(channel: string, handler: (message: string) => void) {
      return inner.subscribe(channel, (message) => {
        record(stages.heard, channel, message);
        handler(message);
      });
    },
    close: () => inner.close(),
  } satisfies PubSub & Record<string, unknown>;
}

async function reportIdleMemory(platform: TestPlatform, client: Messenger, key: string, count: number, bench: BenchDatabase) {
  await client.request({ type: 'idle-create', url: platform.url, key, count }, 'idle-created');
  await settle();
  const before = memory();
  const opened = (await client.request({ type: 'idle-open' }, 'idle-opened')) as { count: number };
  if (opened.count !== count) throw new Error(`only ${opened.count} of ${count} idle subscriptions opened`);
  await settle();
  const open = memory();
  // What idle streams cost while open: each reads the log every EVERJUST_EVENT_POLL_INTERVAL_MS.
  const whileOpen = await serverLoad(bench, 5000);
  await client.request({ type: 'idle-close' }, 'idle-closed');
  await settle();
  await settle();
  const closed = memory();
  const afterClosing = await serverLoad(bench, 3000);
  // Ending the sessions (cancelSession: a `done` event) lets any stream still running on the server finish.
  await client.request({ type: 'idle-cancel' }, 'idle-cancelled');
  await settle();
  const cancelled = memory();
  const afterCancel = await serverLoad(bench, 3000);

  const per = (field: 'heapUsed' | 'rss' | 'external') => format((open[field] - before[field]) / count);
  const mb = (bytes: number) => `${format(bytes / 1024 / 1024, 1)} MB`;
  console.log(
    `\n${table([
      [`server process memory, ${count} idle SSE subscriptions (after a full GC)`, 'before', 'open', 'clients gone', 'sessions ended', 'bytes per open subscription'],
      ['heap used (JS objects)', mb(before.heapUsed), mb(open.heapUsed), mb(closed.heapUsed), mb(cancelled.heapUsed), per('heapUsed')],
      ['external (buffers)', mb(before.external), mb(open.external), mb(closed.external), mb(cancelled.external), per('external')],
      ['RSS (whole process)', mb(before.rss), mb(open.rss), mb(closed.rss), mb(cancelled.rss), per('rss')],
      ['server CPU, share of one core', '', whileOpen.cpu, afterClosing.cpu, afterCancel.cpu, ''],
      ['database transactions/s (PostgreSQL statistics)', '', whileOpen.transactions, afterClosing.transactions, afterCancel.transactions, ''],
    ])}\n`,
  );
  console.log(
    'Idle open streams read the log every EVERJUST_EVENT_POLL_INTERVAL_MS (1 s): about one query per second each. ' +
      '"clients gone": the subscribers closed their connections; "sessions ended": then every session was cancelled (its `done` published).',
  );
}

/** Server CPU and database transactions per second over `ms`, as printable figures. */
async function serverLoad(bench: BenchDatabase, ms: number) {
  const transactionsBefore = await transactionCount(bench);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  const transactionsAfter = await transactionCount(bench);
  return {
    cpu: `${format(((cpu.user + cpu.system) / 1000 / wallMs) * 100)}%`,
    transactions:
      transactionsBefore !== undefined && transactionsAfter !== undefined ? format((transactionsAfter - transactionsBefore) / (wallMs / 1000)) : 'n/a (PGlite)',
  };
}

function memory() {
  const { heapUsed, rss, external } = process.memoryUsage();
  return { heapUsed, rss, external };
}

/** Lets timers and sockets settle, then collects garbage, so the heap holds what is still referenced. */
async function settle() {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 200));
  collectGarbage();
}

/** Committed transactions of the bench database so far (PostgreSQL's statistics; undefined on PGlite). */
async function transactionCount(bench: BenchDatabase): Promise<number | undefined> {
  if (bench.kind !== 'postgres') return undefined;
  // Each call is its own transaction, so it sees fresh statistics (flushed by the backends about once a second).
  const rows = await bench.database.prisma.$queryRaw<Array<{ count: bigint }>>`
    SELECT xact_commit AS count FROM pg_stat_database WHERE datname = current_database()`;
  return Number(rows[0]?.count ?? 0);
}

// ---- parent ↔ child messaging ----

interface Messenger {
  send(message: ParentMessage): Promise<void>;
  request(message: ParentMessage, answer: ChildMessage['type']): Promise<ChildMessage>;
}

function startClient(): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [CLIENT_FLAG]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function messenger(child: ChildProcess): Messenger {
  let waiting: { answer: string; resolve(message: ChildMessage): void; reject(error: Error): void } | undefined;
  child.on('message', (message: ChildMessage) => {
    if (!waiting) return;
    const current = waiting;
    waiting = undefined;
    if (message.type === 'error') current.reject(new Error(`subscriber process: ${message.message}`));
    else if (message.type !== current.answer) current.reject(new Error(`subscriber process answered ${message.type}, expected ${current.answer}`));
    else current.resolve(message);
  });
  child.on('exit', (code) => {
    waiting?.reject(new Error(`the subscriber process exited (code ${code})`));
    waiting = undefined;
  });
  const send = (message: ParentMessage) =>
    new Promise<void>((resolve, reject) => child.send(message, (error) => (error ? reject(error) : resolve())));
  return {
    send,
    request: (message, answer) =>
      new Promise<ChildMessage>((resolve, reject) => {
        waiting = { answer, resolve, reject };
        send(message).catch(reject);
      }),
  };
}

// ---- the subscriber process ----

if (process.env[CLIENT_FLAG] === '1') runClient();

function runClient() {
  const reply = (message: ChildMessage) => process.send!(message);
  let idle: IdleSubscriptions | undefined;
  process.on('message', (message: ParentMessage) => {
    void (async () => {
      try {
        if (message.type === 'stream') reply(await streamSessions(message));
        else if (message.type === 'idle-create') {
          idle = await createIdleSessions(message.url, message.key, message.count);
          reply({ type: 'idle-created' });
        } else if (message.type === 'idle-open') reply({ type: 'idle-opened', count: await idle!.open() });
        else if (message.type === 'idle-close') {
          await idle!.close();
          reply({ type: 'idle-closed' });
        } else if (message.type === 'idle-cancel') {
          await idle!.cancel();
          reply({ type: 'idle-cancelled' });
        } else if (message.type === 'exit') process.exit(0);
      } catch (error) {
        reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
}


async function startLiveSession(url: string, key: string, prompt: string): Promise<string> {
  const project = await graphqlRequest(url, key, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: 'Bench stream' } });
  const started = await graphqlRequest(url, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
    input: { projectId: project.createProject.id, prompt },
  });
  return started.startSession.id as string;
}

/**
 * Opens a GraphQL-over-SSE subscription and calls `onEvent` with each event and the time its chunk
 * arrived (before parsing). Resolves true on `complete`, false when the stream ends without it.
 * node:http rather than fetch: the subscribers share the machine with the server, so the load
 * generator should cost as little CPU as it can (fetch's web streams cost about twice as much).
 */
function followSse(
  url: string,
  key: string,
  sessionId: string,
  onEvent: (event: { seq: number; type: string; at: string; status?: string; code?: string; message?: string }, receivedAt: number) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const body = JSON.stringify({ query: SESSION_EVENTS_SUBSCRIPTION, variables: { sessionId } });
    const request = httpRequest(`${url}/graphql`, {
      method: 'POST',
      agent: sseAgent,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(body) },
      signal,
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      outcome();
    };
    request.on('error', (error) => settle(() => reject(error)));
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => void (text += chunk));
        response.on('end', () => settle(() => reject(new Error(`subscription answered HTTP ${response.statusCode}: ${text.slice(0, 500)}`))));
        return;
      }
      response.setEncoding('utf8');
      const parser = new ServerSentEventParser();
      response.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        try {
          for (const { event: type, data } of parser.feed(chunk)) {
            // The server ends the response after `complete`: its connection goes back to the agent.
            if (type === 'complete') return settle(() => resolve(true));
            if (type === 'next' && data) {
              const payload = JSON.parse(data);
              if (payload.errors) throw new Error(`subscription error: ${JSON.stringify(payload.errors).slice(0, 500)}`);
              onEvent(payload.data.sessionEvents, receivedAt);
            }
          }
        } catch (error) {
          response.destroy();
          settle(() => reject(error as Error));
        }
      });
      response.on('end', () => settle(() => resolve(false)));
      response.on('close', () => settle(() => resolve(false)));
      response.on('error', (error) => settle(() => reject(error)));
    });
    request.end(body);
  });
}

/** Keep-alive connections for the subscribers (a connection per open stream, reused by the next). */
const sseAgent = new HttpAgent({ keepAlive: true, maxSockets: Infinity });

async function streamSessions(command: StreamCommand): Promise<StreamResult> {
  const cpuBefore = process.cpuUsage();
  const start = Date.now();
  const windowStart = start + command.warmupS * 1000;
  const windowEnd = windowStart + command.durationS * 1000;
  const result: StreamResult = {
    type: 'stream-result',
    latencies: [],
    deliveredInWindow: 0,
    replayed: 0,
    outsideWindow: 0,
    sessionsCompleted: 0,
    sessionSeconds: [],
    phases: { start: [], queued: [], running: [] },
    textDeltasPerSession: [],
    eventsByType: {},
    errors: {},
    startFailures: {},
    windowStart,
    windowEnd,
    clientCpuMs: 0,
  };
  const prompts = ['Build a calculator', 'A todo list', 'A countdown timer', 'A notes app', 'A counter'];

  const slot = async (index: number) => {
    await new Promise((resolve) => setTimeout(resolve, (index * command.staggerMs) / command.sessions));
    let round = 0;
    while (Date.now() < windowEnd) {
      const started = Date.now();
      const key = command.keys[index % command.keys.length];
      let sessionId: string;
      try {
        sessionId = await startLiveSession(command.url, key, prompts[(index + round++) % prompts.length]);
      } catch (error) {
        // Counted and reported (the run then exits 1), not fatal: the figures of the rest still count.
        const described = (error as Error).message.replace(/"(errorId|requestId)":"[^"]*"/g, '"$1":…').slice(0, 300);
        result.startFailures[described] = (result.startFailures[described] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      const answered = Date.now();
      const stamps: number[] = [];
      let liveFrom: number | undefined;
      let lastSeq = 0;
      let textDeltas = 0;
      let finalStatus: string | undefined;
      const completed = await followSse(command.url, key, sessionId, (event, receivedAt) => {
        if (event.seq !== lastSeq + 1) throw new Error(`session ${sessionId}: seq ${event.seq} after ${lastSeq} (a gap or a duplicate)`);
        lastSeq = event.seq;
        if (event.seq <= 2 || event.type === 'done') stamps.push(Date.parse(event.at));
        result.eventsByType[event.type] = (result.eventsByType[event.type] ?? 0) + 1;
        if (event.type === 'text_delta') textDeltas++;
        if (event.type === 'done') finalStatus = event.status;
        if (event.type === 'error') {
          const described = `${event.code}: ${event.message}`;
          result.errors[described] = (result.errors[described] ?? 0) + 1;
        }
        if (receivedAt >= windowStart && receivedAt < windowEnd) result.deliveredInWindow++;
        if (liveFrom === undefined) {
          // The first event (the API's `queued`) is always replayed: from now on the stream is live.
          liveFrom = receivedAt;
          result.replayed++;
          return;
        }
        const at = Date.parse(event.at);
        if (at < liveFrom) result.replayed++;
        else if (at >= windowStart && at < windowEnd) result.latencies.push(receivedAt - at);
        else result.outsideWindow++;
      });
      if (!completed) throw new Error(`session ${sessionId}: the stream ended without complete`);
      if (finalStatus !== 'succeeded') throw new Error(`session ${sessionId} ended ${finalStatus ?? 'without done'}`);
      result.sessionsCompleted++;
      result.sessionSeconds.push((Date.now() - started) / 1000);
      if (started >= windowStart && started < windowEnd) {
        result.phases.start.push(answered - started);
        result.phases.queued.push(stamps[1] - stamps[0]);
        result.phases.running.push(stamps[stamps.length - 1] - stamps[1]);
      }
      result.textDeltasPerSession.push(textDeltas);
    }
  };
  await Promise.all(Array.from({ length: command.sessions }, (_, index) => slot(index)));
  const cpu = process.cpuUsage(cpuBefore);
  result.clientCpuMs = (cpu.user + cpu.system) / 1000;
  return result;
}

interface IdleSubscriptions {
  open(): Promise<number>;
  close(): Promise<void>;
  cancel(): Promise<void>;
}

async function createIdleSessions(url: string, key: string, count: number): Promise<IdleSubscriptions> {
  const sessionIds: string[] = [];
  // A few at a time: this is setup, not load.
  for (let index = 0; index < count; index += 20) {
    const batch = Math.min(20, count - index);
    sessionIds.push(...(await Promise.all(Array.from({ length: batch }, () => startLiveSession(url, key, 'A counter')))));
  }
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one abort listener per open stream
  const streams: Array<Promise<unknown>> = [];
  return {
    async open() {
      let opened = 0;
      await Promise.all(
        sessionIds.map(
          (sessionId) =>
            new Promise<void>((resolve, reject) => {
              const stream = followSse(
                url,
                key,
                sessionId,
                () => {
                  opened++;
                  resolve();
                },
                controller.signal,
              ).then(
                () => reject(new Error(`idle session ${sessionId}: the stream ended`)),
                (error: unknown) => {
                  if (!controller.signal.aborted) reject(error as Error);
                },
              );
              streams.push(stream);
            }),
        ),
      );
      return opened;
    },
    async close() {
      controller.abort();
      await Promise.allSettled(streams);
    },
    async cancel() {
      for (let index = 0; index < sessionIds.length; index += 20) {
        await Promise.all(
          sessionIds.slice(index, index + 20).map((id) =>
            graphqlRequest(url, key, 'mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id status } }', { input: { id } }),
          ),
        );
      }
    },
  };
}
