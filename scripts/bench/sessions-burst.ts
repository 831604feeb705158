import { createPubSub, loadConfig } from '@everjust/core';
import { startTestPlatform } from '../../test-support/platform.js';
import { format, median, openBenchDatabase, percentile, readInteger, table, type Suite } from './_harness.js';
import type { StreamResult } from './sessions-stream/protocol.js';
import { benchTenant, messenger, platformEnvironment, startClient, startWorkerProcess, stopWorkerProcess } from './sessions-stream/setup.js';

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
 * session must succeed. Needs DATABASE_URL (and REDIS_URL for the production shape).
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
      const pubsub = createPubSub({ redisUrl });
      cleanup.push(() => pubsub.close());
      const tenant = await benchTenant(bench, Math.max(200, sessions));
      const environment = platformEnvironment({ redisUrl, sessions, deltaIntervalMs });
      const platform = await startTestPlatform(bench.database, { environment, pubsub, worker: false });
      cleanup.push(() => platform.stop());
      for (let index = 0; index < workerCount; index++) {
        const worker = await startWorkerProcess(environment, bench.url!);
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

      const rows: Array<{ p50: number; p99: number; max: number; events: number; completed: number; seconds: number }> = [];
      for (let run = 1; run <= runs; run++) {
        const started = Date.now();
        const result = (await client.request(
          { type: 'stream', url: platform.url, keys: [tenant.key], sessions, warmupS: 0, durationS: 300, staggerMs: 0, once: true },
          'stream-result',
        )) as StreamResult;
        const failures = Object.keys(result.startFailures).length + Object.keys(result.errors).length;
        if (result.sessionsCompleted !== sessions || failures > 0) {
          throw new Error(`burst ${run}: ${result.sessionsCompleted} of ${sessions} sessions completed; start failures ${JSON.stringify(result.startFailures)}, errors ${JSON.stringify(result.errors)}`);
        }
        const { latencies } = result;
        const row = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), events: latencies.length, completed: result.sessionsCompleted, seconds: (Date.now() - started) / 1000 };
        rows.push(row);
        console.log(`  burst ${run}/${runs}: ${row.completed} sessions in ${format(row.seconds, 1)} s, ${row.events} live events: p50 ${format(row.p50)} ms, p99 ${format(row.p99)} ms, max ${format(row.max)} ms`);
      }
      const p99 = median(rows.map((row) => row.p99));
      console.log(
        `\n${table([
          [`live event latency, ${runs} bursts of ${sessions} (ms, receipt − at)`, 'p50', 'p99', 'max'],
          ...rows.map((row, index) => [`burst ${index + 1}`, format(row.p50), format(row.p99), format(row.max)]),
          ['median of bursts', format(median(rows.map((row) => row.p50))), format(p99), format(median(rows.map((row) => row.max)))],
        ])}\n`,
      );
      console.log(`p99, median of bursts: ${format(p99)} ms (target ≤ ${TARGET_P99_MS} ms)${p99 <= TARGET_P99_MS ? '' : '  ABOVE TARGET'}; every stream whole, every session succeeded`);
    } finally {
      for (const close of cleanup.reverse()) await close().catch(() => undefined);
    }
  },
};
export default suite;
