import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Environment, PubSub } from '@everjust/core';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { FAST } from '../../../test-support/platform.js';
import { childEnvironment, startTypeScript, type RunningProcess } from '../../../test-support/processes.js';
import type { BenchDatabase } from '../_harness.js';
import type { ChildMessage, ParentMessage } from './protocol.js';

/** What the sessions-stream and sessions-burst suites share: the platform's settings, a tenant, worker processes, the subscriber process. */

/** Production defaults (not the tests' short times), offline pace and worker concurrency for the run. */
export function platformEnvironment(options: { redisUrl?: string; sessions: number; deltaIntervalMs: number }): Environment {
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
export async function benchTenant(bench: BenchDatabase, concurrentSessions: number) {
  const tenant = await createTenant(bench.database.prisma, {
    name: 'Bench sessions-stream',
    tier: 'enterprise',
    limitOverrides: { concurrentSessions, generationsPerDay: null, burstPerSecond: 100_000 },
  });
  const { secret } = await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' });
  return { id: tenant.id, key: secret };
}

/** The standalone worker (`worker/src/main.ts`) on the suite's database, with the API's settings. */
export async function startWorkerProcess(serverEnvironment: Environment, databaseUrl: string, profilePath?: string): Promise<RunningProcess> {
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

export async function stopWorkerProcess(worker: RunningProcess): Promise<void> {
  if (worker.child.exitCode !== null) return;
  worker.child.kill('SIGTERM');
  await worker.exited;
}

// ---- parent ↔ child messaging ----

export interface Messenger {
  send(message: ParentMessage): Promise<void>;
  request(message: ParentMessage, answer: ChildMessage['type']): Promise<ChildMessage>;
}

export function startClient(): ChildProcess {
  return fork(fileURLToPath(new URL('./client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export function messenger(child: ChildProcess): Messenger {
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

/**
 * The platform's pub/sub with a stopwatch: for session events appended in the window, how long after
 * their `at` the worker published them (after the commit) and the API's subscriber heard them. The
 * rest of an event's latency is the API's stream (GraphQL execution, SSE write) and the subscriber.
 */
export function timedPubSub(inner: PubSub) {
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
    onReconnect: (listener: () => void) => inner.onReconnect(listener),
    close: () => inner.close(),
  } satisfies PubSub & Record<string, unknown>;
}
