import { createPubSub, loadConfig } from '@everjust/core';
import { startTestPlatform } from '../../test-support/platform.js';
import { format, median, openBenchDatabase, percentile, readInteger, startCpuProfile, table, type Suite } from './_harness.js';
import type { StreamResult } from './sessions-stream/protocol.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { benchTenant, messenger, platformEnvironment, startClient, startWorkerProcess, stopWorkerProcess, timedPubSub } from './sessions-stream/setup.js';

/**
 * A burst of sessions (issue 19 point 6: "50 sessions started at once … against one API and two worker
 * processes on PostgreSQL + Redis, each followed over SSE: live event latency (receipt − the event's
 * `at`, for events appended after the stream was live) … p99 ≤ 40 ms, median of 5 runs").
 *
 * The API runs in this process (no worker), BENCH_BURST_WORKERS standalone workers (default 2) in
 * processes of their own, each with room for every session; the subscribers in a child process (the
 * sessions-stream suite's client): BENCH_BURST_SESSIONS slots (default 50) each create a project,
 * start a live session on the offline model (a part every BENCH_BURST_DELTA_INTERVAL_MS, default 20)
 * and follow it to `complete`, all at once; BENCH_BURST_RUNS bursts (default 5), one after another on
 * the same processes. Every stream must be whole (the client fails on a gap or a duplicate) and every
 * session must succeed. Needs DATABASE_URL (and REDIS_URL for the production shape). With
 * BENCH_CPU_PROFILE=<path>, a CPU profile of the API process over all bursts is written there, and
 * the worker processes' into `<path>.worker/`.
 */

const TARGET_P99_MS = 40;

const suite: Suite = {
  name: 'sessions-burst',
  description: '50 sessions started at once on one API and two worker processes (PostgreSQL + Redis): live event latency p50/p99/max per burst, median of 5',
  async run() {
    const sessions = readInteger('BENCH_BURST_SESSIONS', 50, 1);
    const runs = readInteger('BENCH_BURST_RUNS', 5, 1);
    const workerCount = readInteger('BENCH_BURST_WORKERS', 2, 1);
    const deltaIntervalMs = readInteger('BENCH_BURST_DELTA_INTERVAL_MS', 20, 0);
    const processConfig = loadConfig(process.env);
    if (!processConfig.databaseUrl) throw new Error('sessions-burst needs DATABASE_URL: worker processes share the database with the API');
    const redisUrl = processConfig.redisUrl;
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const bench = await openBenchDatabase(processConfig);
      cleanup.push(bench.close);
      const inner = createPubSub({ redisUrl });
      cleanup.push(() => inner.close());
      // Where an event's time goes: heard by the API's subscriber (after the worker's commit and publish) vs. received by the client.
      const pubsub = timedPubSub(inner);
      const tenant = await benchTenant(bench, Math.max(200, sessions));
      const environment = platformEnvironment({ redisUrl, sessions, deltaIntervalMs });
      const platform = await startTestPlatform(bench.database, { environment, pubsub, worker: false });
      cleanup.push(() => platform.stop());
      const profilePath = process.env.BENCH_CPU_PROFILE;
      for (let index = 0; index < workerCount; index++) {
        const worker = await startWorkerProcess(environment, bench.url!, profilePath);
        cleanup.push(() => stopWorkerProcess(worker));
      }
      const child = startClient();
      cleanup.push(async () => void child.kill());
      const client = messenger(child);
      console.log(
        `database: ${bench.label}; pub/sub: ${redisUrl ? `Redis ${new URL(redisUrl).host}` : 'in-process (REDIS_URL not set)'}; ` +
          `${workerCount} worker process(es), each with room for ${sessions}; ${runs} bursts of ${sessions} live sessions started at once ` +
          `(offline model, a part every ${deltaIntervalMs} ms), subscribers in a child process`,
      );

      const profiler = profilePath ? await startCpuProfile() : undefined;
      const rows: Array<{ p50: number; p99: number; max: number; events: number; completed: number; seconds: number; heardP99: number; loopP99: number; loopMax: number }> = [];
      for (let run = 1; run <= runs; run++) {
        const started = Date.now();
        pubsub.stages.heard.length = 0;
        pubsub.timeWindow(started, started + 300_000);
        const loop = monitorEventLoopDelay({ resolution: 5 });
        loop.enable();
        const result = (await client.request(
          { type: 'stream', url: platform.url, keys: [tenant.key], sessions, warmupS: 0, durationS: 300, staggerMs: 0, once: true },
          'stream-result',
        )) as StreamResult;
        loop.disable();
        pubsub.timeWindow(0, 0);
        const failures = Object.keys(result.startFailures).length + Object.keys(result.errors).length;
        if (result.sessionsCompleted !== sessions || failures > 0) {
          throw new Error(`burst ${run}: ${result.sessionsCompleted} of ${sessions} sessions completed; start failures ${JSON.stringify(result.startFailures)}, errors ${JSON.stringify(result.errors)}`);
        }
        const { latencies } = result;
        const row = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), events: latencies.length, completed: result.sessionsCompleted, seconds: (Date.now() - started) / 1000,
          heardP99: percentile(pubsub.stages.heard, 99), loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
        rows.push(row);
        console.log(`  burst ${run}/${runs}: ${row.completed} sessions in ${format(row.seconds, 1)} s, ${row.events} live events: p50 ${format(row.p50)} ms, p99 ${format(row.p99)} ms, max ${format(row.max)} ms; ` +
            `heard by the API's subscriber p99 ${format(row.heardP99)} ms; API event-loop delay p99 ${format(row.loopP99)} ms, max ${format(row.loopMax)} ms`);
      }
      if (profiler) {
        await profiler.stop(profilePath!);
        console.log(`CPU profile of the API process written to ${profilePath}, the workers' into ${profilePath}.worker/ (when they exit)`);
      }
      const p99 = median(rows.map((row) => row.p99));
      console.log(
        `\n${table([
          [`live event latency, ${runs} bursts of ${sessions} (ms, receipt − at)`, 'p50', 'p99', 'max', 'heard by the API p99', 'API loop delay p99 / max'],
          ...rows.map((row, index) => [`burst ${index + 1}`, format(row.p50), format(row.p99), format(row.max), format(row.heardP99), `${format(row.loopP99)} / ${format(row.loopMax)}`]),
          ['median of bursts', format(median(rows.map((row) => row.p50))), format(p99), format(median(rows.map((row) => row.max))), format(median(rows.map((row) => row.heardP99))), format(median(rows.map((row) => row.loopP99)))],
        ])}\n`,
      );
      console.log(`p99, median of bursts: ${format(p99)} ms (target ≤ ${TARGET_P99_MS} ms)${p99 <= TARGET_P99_MS ? '' : '  ABOVE TARGET'}; every stream whole, every session succeeded`);
    } finally {
      for (const close of cleanup.reverse()) await close().catch(() => undefined);
    }
  },
};
export default suite;
