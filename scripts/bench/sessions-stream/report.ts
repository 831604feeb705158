import type { monitorEventLoopDelay } from 'node:perf_hooks';
import { format, percentile, table } from '../_harness.js';
import type { StreamResult } from './protocol.js';

/** The sessions-stream suite's report: latency against the target, throughput, where the time went. */

const TARGET_P99_MS = 50;

export function reportStream(
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

function stagePercentiles(values: number[]): string {
  return values.length === 0 ? 'n/a' : `${format(percentile(values, 50), 1)} / ${format(percentile(values, 99), 1)} ms`;
}
