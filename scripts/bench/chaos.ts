import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeIdOf, loadConfig, type Environment } from '@everjust/core';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { readServerSentEvents } from '@everjust/sdk';
import { freePort, SESSION_EVENTS_SUBSCRIPTION } from '../../test-support/platform.js';
import { childEnvironment, startTypeScript, type RunningProcess } from '../../test-support/processes.js';
import { format, graphqlRequest, openBenchDatabase, readInteger, table, type Suite } from './_harness.js';

/**
 * Chaos on the production shape (issue 19 point 4): one API process and two worker processes on
 * PostgreSQL and Redis; BENCH_CHAOS_SESSIONS (30) live sessions on the offline model started at once,
 * each followed over SSE and resumed with `afterSeq` whenever its stream breaks; meanwhile a worker
 * is SIGKILLed every BENCH_CHAOS_KILL_INTERVAL_MS (2 s) and started again, Redis is killed and
 * started again once, and PostgreSQL is stopped with an immediate stop (no checkpoint, connections
 * cut) and started again once. Reports sessions succeeded and failed (with their error codes), and
 * per stream the gaps (seqs in the event log the client never received) and duplicates.
 *
 * Redis is always one of the suite's own (it is killed), started with `--save '' --appendonly no`
 * and a `--dir` outside the tree. PostgreSQL is the suite's own when DATABASE_URL is not set (initdb
 * in a temporary folder; as root, run as the `postgres` user); with DATABASE_URL the suite uses that
 * server (a database of its own) and skips the PostgreSQL restart: it does not stop a server it did
 * not start.
 */

const SESSION_DONE_TIMEOUT_MS = 240_000;

const suite: Suite = {
  name: 'chaos',
  description: 'sessions under worker SIGKILLs, a Redis kill and a PostgreSQL immediate restart: succeeded, failed, gaps and duplicates',
  async run() {
    const sessions = readInteger('BENCH_CHAOS_SESSIONS', 30, 1);
    const killIntervalMs = readInteger('BENCH_CHAOS_KILL_INTERVAL_MS', 2_000, 100);
    const cleanup: Array<() => Promise<void> | void> = [];
    try {
      const redis = await startRedis();
      cleanup.push(() => redis.stop());
      const externalUrl = loadConfig(process.env).databaseUrl;
      const postgres = externalUrl ? undefined : await startPostgres();
      if (postgres) cleanup.push(() => postgres.stop());
      const bench = await openBenchDatabase({ ...loadConfig(process.env), databaseUrl: externalUrl ?? postgres!.url, databasePoolSize: 5 });
      cleanup.push(() => bench.close());
      console.log(
        `database: ${bench.label}${postgres ? ' (started by this suite: it will be restarted)' : ' (DATABASE_URL: not started by this suite, so the PostgreSQL restart is skipped)'}; ` +
          `Redis: ${redis.url} (started by this suite, no persistence)`,
      );

      const tenant = await createTenant(bench.database.prisma, {
        name: 'Bench chaos',
        tier: 'enterprise',
        limitOverrides: { concurrentSessions: sessions + 10, generationsPerDay: null, burstPerSecond: 100_000 },
      });
      const { secret: key } = await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'chaos' });

      const port = await freePort();
      const environment: Environment = {
        // info: the workers' "worker started" line is how the suite knows they are up (their logs stay in memory).
        EVERJUST_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        EVERJUST_SECRET: `chaos-${randomBytes(16).toString('hex')}`,
        DATABASE_URL: bench.url!,
        REDIS_URL: redis.url,
        EVERJUST_SANDBOX: 'none',
        // Leases short enough that a killed worker's jobs move on within seconds.
        EVERJUST_JOB_LEASE_MS: '2000',
        EVERJUST_JOB_HEARTBEAT_MS: '400',
        EVERJUST_JOB_BACKOFF_BASE_MS: '200',
        EVERJUST_WORKER_POLL_INTERVAL_MS: '200',
        EVERJUST_EVENT_POLL_INTERVAL_MS: '500',
        EVERJUST_WORKER_CONCURRENCY: String(sessions),
        EVERJUST_OFFLINE_DELTA_INTERVAL_MS: String(readInteger('BENCH_CHAOS_DELTA_INTERVAL_MS', 25, 0)),
        EVERJUST_RATE_LIMIT_PREFIX: `everjust-chaos-${randomBytes(6).toString('hex')}`,
      };
      const api = startTypeScript('api/src/main.ts', [], childEnvironment({ ...environment, PORT: String(port), HOST: '127.0.0.1', EVERJUST_EMBEDDED_WORKER: 'false' }));
      cleanup.push(() => stopProcess(api));
      await api.waitFor(/EverJust API on/, 90_000);
      const url = `http://127.0.0.1:${port}`;

      const workers: Array<RunningProcess | undefined> = [undefined, undefined];
      const startedAt: number[] = [0, 0];
      const startWorker = async (slot: number) => {
        const worker = startTypeScript('worker/src/main.ts', [], childEnvironment(environment));
        workers[slot] = worker;
        startedAt[slot] = 0;
        await worker.waitFor(/"msg":"worker started"/, 90_000, 'stderr');
        if (workers[slot] === worker) startedAt[slot] = Date.now();
      };
      cleanup.push(async () => {
        for (const worker of workers) if (worker) await stopProcess(worker);
      });
      await Promise.all([startWorker(0), startWorker(1)]);
      console.log(`API on ${url}; two worker processes; ${sessions} live sessions on the offline model; a worker SIGKILLed every ${killIntervalMs} ms`);

      // All the sessions first (each on a project of its own), then the faults while they run.
      const started: Array<{ id: string; uuid: string; follow: Promise<FollowResult> }> = [];
      for (let index = 0; index < sessions; index++) {
        const project = await graphqlRequest(url, key, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', {
          input: { name: `Chaos ${index}` },
        });
        const session = await graphqlRequest(url, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
          input: { projectId: project.createProject.id, prompt: `A small todo app, number ${index}` },
        });
        started.push({ id: session.startSession.id, uuid: decodeIdOf('Session', session.startSession.id)!, follow: Promise.resolve() as never });
      }
      const faults: string[] = [];
      const t0 = Date.now();
      const log = (what: string) => {
        faults.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${what}`);
        console.log(`  ${faults.at(-1)}`);
      };
      for (const session of started) session.follow = followSession(url, key, session.id);
      const allFollowed = Promise.all(started.map((session) => session.follow));
      let finished = false;
      void allFollowed.finally(() => (finished = true));

      let kills = 0;
      let redisDone = false;
      let postgresDone = !postgres;
      let postgresRestarted = false;
      const chaos = (async () => {
        while (!finished && Date.now() - t0 < SESSION_DONE_TIMEOUT_MS) {
          await sleep(killIntervalMs);
          if (finished) break;
          // The worker that has been up the longest (one still starting has no jobs to lose yet).
          const up = [0, 1].filter((index) => startedAt[index]! > 0).sort((a, b) => startedAt[a]! - startedAt[b]!);
          const slot = up[0];
          if (slot === undefined) {
            log('no worker up yet: no kill this time');
          } else {
            const victim = workers[slot]!;
            victim.child.kill('SIGKILL');
            await victim.exited;
            kills++;
            log(`worker ${slot + 1} SIGKILLed after ${((Date.now() - startedAt[slot]!) / 1000).toFixed(1)} s up (kill ${kills}), restarting it`);
            startedAt[slot] = 0;
            void startWorker(slot).catch((error: unknown) => log(`worker ${slot + 1} did not start: ${String(error).slice(0, 200)}`));
          }
          if (!redisDone) {
            redisDone = true;
            await redis.kill();
            log('Redis SIGKILLed');
            await sleep(2_000);
            await redis.start();
            log('Redis started again');
          } else if (!postgresDone && Date.now() - t0 > 3 * killIntervalMs) {
            postgresDone = true;
            postgres!.stopImmediate();
            log('PostgreSQL stopped (immediate)');
            await sleep(2_000);
            postgres!.start();
            postgresRestarted = true;
            log('PostgreSQL started again');
          }
        }
      })();
      const results = await allFollowed;
      finished = true;
      await chaos;
      const elapsedS = (Date.now() - t0) / 1000;
      if (api.child.exitCode !== null) console.log(`the API process exited during the run (code ${api.child.exitCode})`);

      // The event log is the truth each stream is compared with.
      const rows = await withRetries(() =>
        bench.database.prisma.session.findMany({ where: { id: { in: started.map((session) => session.uuid) } }, select: { id: true, status: true, error: true, lastSeq: true } }),
      );
      const jobs = await bench.database.prisma.job.findMany({
        where: { sessionId: { in: started.map((session) => session.uuid) } },
        select: { sessionId: true, status: true, attempts: true, leaseLosses: true, lastError: true },
      });
      const byId = new Map(rows.map((row) => [row.id, row]));
      let succeeded = 0;
      let failed = 0;
      let gaps = 0;
      let duplicates = 0;
      let resumes = 0;
      const incomplete = results.filter((result) => !result.completed).length;
      const failures: Record<string, number> = {};
      results.forEach((result, index) => {
        const row = byId.get(started[index]!.uuid)!;
        if (row.status === 'succeeded') succeeded++;
        else {
          failed++;
          const code = (row.error as { code?: string } | null)?.code ?? row.status;
          failures[code] = (failures[code] ?? 0) + 1;
        }
        const seen = new Set(result.seqs);
        duplicates += result.seqs.length - seen.size;
        for (let seq = 1; seq <= row.lastSeq; seq++) if (!seen.has(seq)) gaps++;
        resumes += result.connections - 1;
      });
      console.log(
        `\nfaults: ${kills} worker kills; Redis ${redisDone ? 'killed and restarted once' : 'not killed (the sessions ended first)'}; PostgreSQL ` +
          `${!postgres ? 'not restarted (not started by this suite)' : postgresRestarted ? 'restarted once (immediate stop)' : 'not restarted (the sessions ended first)'}`,
      );
      console.log(
        table([
          ['sessions', 'succeeded', 'failed', 'gaps', 'duplicates', 'stream resumes', 'lost leases', 'wall s'],
          [
            String(sessions),
            String(succeeded),
            String(failed),
            String(gaps),
            String(duplicates),
            String(resumes),
            String(jobs.reduce((sum, job) => sum + job.leaseLosses, 0)),
            format(elapsedS, 1),
          ],
        ]),
      );
      if (failed > 0) console.log(`sessions not succeeded, by error code or status: ${JSON.stringify(failures)}`);
      if (incomplete > 0) {
        console.log(`${incomplete} stream(s) had not completed after ${SESSION_DONE_TIMEOUT_MS / 1000} s; their sessions and jobs:`);
        results.forEach((result, index) => {
          if (result.completed) return;
          const row = byId.get(started[index]!.uuid)!;
          console.log(`  ${row.status} (seq ${row.lastSeq}, received ${result.seqs.length}): ${JSON.stringify(jobs.find((job) => job.sessionId === row.id))}`);
        });
      }
      console.log(`target: ${sessions} of ${sessions} succeed, 0 gaps, 0 duplicates: ${succeeded === sessions && gaps === 0 && duplicates === 0 ? 'met' : 'NOT met'}`);
    } finally {
      for (const step of cleanup.reverse()) await Promise.resolve(step()).catch((error: unknown) => console.error('cleanup:', error));
    }
  },
};

export default suite;

interface FollowResult {
  /** Every seq received, in order, repeats included. */
  seqs: number[];
  /** SSE connections opened (1 + resumes). */
  connections: number;
  /** Whether the stream completed (after `done`) before the suite gave up on it. */
  completed: boolean;
}

/** Follows a session over SSE to `complete`, resuming after the last seq seen whenever the stream breaks. */
async function followSession(url: string, key: string, sessionId: string): Promise<FollowResult> {
  const seqs: number[] = [];
  let connections = 0;
  const deadline = Date.now() + SESSION_DONE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    connections++;
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: SESSION_EVENTS_SUBSCRIPTION, variables: { sessionId, afterSeq: seqs.at(-1) ?? 0 } }),
        // An open stream that never ends must not outlive the suite's patience.
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      for await (const message of readServerSentEvents(response.body)) {
        if (message.event === 'complete') return { seqs, connections, completed: true };
        if (message.event !== 'next' || !message.data) continue;
        const payload = JSON.parse(message.data) as { data?: { sessionEvents?: { seq: number } }; errors?: unknown[] };
        if (payload.errors) throw new Error(JSON.stringify(payload.errors).slice(0, 300));
        if (payload.data?.sessionEvents) seqs.push(payload.data.sessionEvents.seq);
      }
    } catch {
      // A broken stream (the database or Redis went away): resume after the last seq seen.
    }
    await sleep(300);
  }
  return { seqs, connections, completed: false };
}

async function withRetries<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(500);
    }
  }
}

async function stopProcess(running: RunningProcess): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  const stopped = await Promise.race([running.exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
}

/** A Redis of the suite's own on a free port: no snapshot, no append-only file, its folder outside the tree. */
async function startRedis() {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'everjust-chaos-redis-'));
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 50; attempt++) {
      if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG')) return;
      await sleep(100);
    }
    throw new Error('redis-server did not start');
  };
  const kill = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    kill,
    async stop() {
      await kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL of the suite's own (initdb in a temporary folder, trust auth on 127.0.0.1), run as `postgres` when this is root. */
async function startPostgres() {
  const binaries = spawnSync('pg_config', ['--bindir']).stdout?.toString().trim();
  const bin = (name: string) => (binaries ? join(binaries, name) : name);
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'everjust-chaos-pg-'));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres']).stdout?.toString().trim();
    const gid = spawnSync('id', ['-g', 'postgres']).stdout?.toString().trim();
    if (!ids) throw new Error('running as root and there is no postgres user to run a PostgreSQL of its own: set DATABASE_URL instead');
    chownSync(directory, Number(ids), Number(gid));
    chmodSync(directory, 0o700);
  }
  const run = (command: string, args: string[]) => {
    const result = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args]) : spawnSync(command, args);
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr?.toString() ?? ''}${result.stdout?.toString() ?? ''}`);
  };
  const data = join(directory, 'data');
  run(bin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -h 127.0.0.1 -k ${directory} -c fsync=off -c max_connections=200`;
  const start = () => run(bin('pg_ctl'), ['-D', data, '-o', options, '-l', join(directory, 'log'), '-w', 'start']);
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    start,
    stopImmediate: () => run(bin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']),
    async stop() {
      try {
        run(bin('pg_ctl'), ['-D', data, '-m', 'fast', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
