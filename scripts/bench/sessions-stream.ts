import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPubSub, loadConfig } from '@everjust/core';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import {
  collectGarbage,
  format,
  openBenchDatabase,
  readInteger,
  schedulerTimes,
  startCpuProfile,
  startNoiseProbe,
  table,
  type BenchDatabase,
  type Suite,
} from './_harness.js';
import type { StreamResult } from './sessions-stream/protocol.js';
import { benchTenant, messenger, platformEnvironment, startClient, startWorkerProcess, stopWorkerProcess, timedPubSub, type Messenger } from './sessions-stream/setup.js';
import { reportStream } from './sessions-stream/report.js';

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
 * is set (else in-process). The subscribers run in a child process (`sessions-stream/client.ts`, forked), as separate
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
