import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalPubSub, createLogger, enqueueJob, loadConfig, openDatabase, type Database, type PrismaClient } from '@everjust/core';
import { databaseTargets, describeEachDatabase, type TestDatabase } from '../../test-support/databases.js';
import { createOffline } from './llm/offline.js';
import { TaskError, type TaskHandler } from './tasks/task.js';
import { Worker } from './worker.js';

/**
 * The job runner against a real queue: several workers on one PostgreSQL database never run a job
 * twice; a task's failures become retries (with their `error` events) or a dead job and a failed
 * session; and a worker that stalls past its lease and takes its own job back is fenced out of the
 * earlier run.
 */
const config = loadConfig({
  EVERJUST_LOG_LEVEL: 'silent',
  EVERJUST_JOB_LEASE_MS: '5000',
  EVERJUST_JOB_HEARTBEAT_MS: '500',
  EVERJUST_JOB_BACKOFF_BASE_MS: '20',
  EVERJUST_WORKER_POLL_INTERVAL_MS: '50',
  EVERJUST_WORKER_CONCURRENCY: '4',
});
const logger = createLogger({ level: 'silent' });
const offline = createOffline();

function newWorker(prisma: PrismaClient, tasks: Record<string, TaskHandler>, workerId: string): Worker {
  return new Worker({ prisma, pubsub: createLocalPubSub(), config, logger, tasks, llmFor: () => offline, workerId });
}

/** Sessions (with their tenant and project) for jobs to run on: Worker.runJob loads the job's session. */
async function newSessions(prisma: PrismaClient, count: number): Promise<string[]> {
  const tenant = await prisma.tenant.create({ data: { name: 'Worker tenant', tier: 'enterprise' } });
  const project = await prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Worker project' } });
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    ids.push((await prisma.session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: `job ${index}` } })).id);
  }
  return ids;
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

const postgres = databaseTargets().find((target) => target.kind === 'postgres')!;

describe.skipIf(Boolean(postgres.skip))(`two workers on one PostgreSQL database${postgres.skip ? ` (${postgres.skip})` : ''}`, () => {
  let database: TestDatabase;
  let second: Database;
  const workers: Worker[] = [];

  beforeAll(async () => {
    database = await postgres.open();
    // Another client with a pool of its own, as a second worker process would have.
    second = await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 5 });
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop(0)));
    await second?.close();
    await database?.close();
  });

  it('runs 50 jobs, each exactly once, on both workers', async () => {
    const runs: Array<{ jobId: string; workerId: string; attempt: number }> = [];
    const count: TaskHandler = async ({ job }) => {
      runs.push({ jobId: job.id, workerId: job.lockedBy, attempt: job.attempts });
      await sleep(5 + Math.floor(Math.random() * 25));
      return { result: { ran: job.id } };
    };
    const sessionIds = await newSessions(database.prisma, 50);
    const jobIds: string[] = [];
    for (const sessionId of sessionIds) jobIds.push(await enqueueJob(database.prisma, { kind: 'count', sessionId, maxAttempts: 3 }));

    workers.push(newWorker(database.prisma, { count }, 'worker-a'), newWorker(second.prisma, { count }, 'worker-b'));
    await Promise.all(workers.map((worker) => worker.start()));

    await waitFor(
      'all 50 sessions to succeed',
      () => database.prisma.session.count({ where: { id: { in: sessionIds }, status: 'succeeded' } }),
      (succeeded) => succeeded === 50,
    );

    // Each job ran once, on its first attempt; both workers took part.
    expect(runs.map((run) => run.jobId).sort()).toEqual([...jobIds].sort());
    expect(new Set(runs.map((run) => run.jobId)).size).toBe(50);
    expect(runs.every((run) => run.attempt === 1)).toBe(true);
    const byWorker = new Map<string, number>();
    for (const run of runs) byWorker.set(run.workerId, (byWorker.get(run.workerId) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['worker-a', 'worker-b']);

    const jobs = await database.prisma.job.findMany({ where: { id: { in: jobIds } } });
    expect(jobs.every((job) => job.status === 'succeeded' && job.attempts === 1 && job.lockedBy === null)).toBe(true);
    // One `done` per session, written by the attempt that ran it, with its result.
    const events = await database.prisma.sessionEvent.findMany({ where: { sessionId: { in: sessionIds } }, orderBy: [{ sessionId: 'asc' }, { seq: 'asc' }] });
    const dones = events.filter((event) => event.type === 'done');
    expect(dones).toHaveLength(50);
    for (const done of dones) {
      const job = jobs.find((candidate) => candidate.sessionId === done.sessionId)!;
      const ofSession = events.filter((event) => event.sessionId === done.sessionId);
      expect(ofSession.map((event) => event.seq)).toEqual(ofSession.map((_, index) => index + 1));
      expect(ofSession.at(-1)).toEqual(done);
      expect(ofSession.every((event) => event.attempt === 1)).toBe(true);
      expect(done).toMatchObject({ payload: { status: 'succeeded', result: { ran: job.id } } });
    }
    // Nothing left for anyone.
    expect(await database.prisma.job.count({ where: { status: { in: ['queued', 'running'] } } })).toBe(0);
    expect(workers.every((worker) => worker.activeJobs === 0)).toBe(true);
  });
});

describeEachDatabase('a worker settling task failures', (database) => {
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop(0);
    worker = undefined;
  });

  const prisma = () => database().prisma;
  const events = (sessionId: string) => prisma().sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  async function runToEnd(handler: TaskHandler, maxAttempts = 3) {
    const [sessionId] = await newSessions(prisma(), 1);
    const jobId = await enqueueJob(prisma(), { kind: 'flaky', sessionId, maxAttempts });
    worker = newWorker(prisma(), { flaky: handler }, 'worker-solo');
    await worker.start();
    const session = await waitFor(
      'the session to end',
      () => prisma().session.findUniqueOrThrow({ where: { id: sessionId } }),
      (session) => !['queued', 'running'].includes(session.status),
    );
    // Let a wrongly re-queued job show itself before looking at the job.
    await sleep(200);
    const all = await events(sessionId!);
    // Seqs 1..N whatever was written; the checks below are about errors and the end (the worker's own
    // `status` events are left aside: the run starts with one).
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
    expect(all[0]).toMatchObject({ type: 'status', attempt: 1, payload: { status: 'running' } });
    return {
      session,
      job: await prisma().job.findUniqueOrThrow({ where: { id: jobId } }),
      events: all.filter((event) => event.type !== 'status'),
    };
  }

  it('retries a retryable TaskError with backoff and succeeds on the third attempt', async () => {
    const attempts: number[] = [];
    const { session, job, events } = await runToEnd(async ({ job: claimed }) => {
      attempts.push(claimed.attempts);
      if (attempts.length <= 2) throw new TaskError('X', 'msg', true);
      return {};
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(session).toMatchObject({ status: 'succeeded', error: null });
    expect(session.endedAt).not.toBeNull();
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3, lastError: 'msg', lockedBy: null });
    expect(events.map((event) => [event.type, event.attempt])).toEqual([
      ['error', 1],
      ['error', 2],
      ['done', 3],
    ]);
    expect(events[0]!.payload).toEqual({ code: 'X', message: 'msg', retryable: true });
    expect(events[1]!.payload).toEqual({ code: 'X', message: 'msg', retryable: true });
    expect(events[2]!.payload).toMatchObject({ status: 'succeeded' });
    expect(events[2]!.payload).not.toHaveProperty('error');
    // The second attempt waited for its backoff (20 ms × 2^0) after the first.
    expect(events[1]!.createdAt.getTime() - events[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(15);
  });

  it('records and bills every attempt of a retried session, and records but does not bill an attempt that failed through our fault', async () => {
    let runs = 0;
    const { session } = await runToEnd(async ({ writer }) => {
      runs += 1;
      writer.addUsage({ inputTokens: 100, outputTokens: 10 });
      if (runs === 1) throw new TaskError('X', 'their fault', true);
      if (runs === 2) throw new Error('a bug of ours'); // INTERNAL, retried
      return {};
    });
    const rows = await prisma().sessionAttemptUsage.findMany({ where: { sessionId: session.id }, orderBy: { attempt: 'asc' } });
    expect(rows.map((row) => [row.attempt, row.outcome, row.billable, row.inputTokens])).toEqual([
      [1, 'retrying', true, 100n],
      [2, 'retrying', false, 100n],
      [3, 'succeeded', true, 100n],
    ]);
    const daily = await prisma().usageDaily.findMany({ where: { tenantId: session.tenantId }, orderBy: { billable: 'asc' } });
    expect(daily.map((row) => [row.billable, row.inputTokens, row.outputTokens])).toEqual([
      [false, 100n, 10n],
      [true, 200n, 20n],
    ]);
  });

  it('records but does not bill a session that failed through our fault (INTERNAL)', async () => {
    const { session, events } = await runToEnd(async ({ writer }) => {
      writer.addUsage({ inputTokens: 40, outputTokens: 4 });
      throw new Error('a bug of ours');
    }, 1);
    expect(session.status).toBe('failed');
    expect(events.at(-1)!.payload).toMatchObject({ status: 'failed', error: { code: 'INTERNAL' }, usage: { inputTokens: 40, billable: false } });
    const rows = await prisma().sessionAttemptUsage.findMany({ where: { sessionId: session.id } });
    expect(rows.map((row) => [row.attempt, row.outcome, row.billable, row.inputTokens])).toEqual([[1, 'failed', false, 40n]]);
    const daily = await prisma().usageDaily.findMany({ where: { tenantId: session.tenantId } });
    expect(daily.map((row) => [row.billable, row.inputTokens, row.generations])).toEqual([[false, 40n, 1]]);
  });

  it('ends the session failed and the job dead on an error that is not retryable, running it once', async () => {
    let runs = 0;
    const { session, job, events } = await runToEnd(async () => {
      runs++;
      throw new TaskError('BAD_PROMPT', 'nope', false);
    });
    expect(runs).toBe(1);
    expect(session).toMatchObject({ status: 'failed', error: { code: 'BAD_PROMPT', message: 'nope' } });
    expect(job).toMatchObject({ status: 'dead', attempts: 1, lastError: 'nope', lockedBy: null });
    expect(events.map((event) => [event.type, event.attempt])).toEqual([
      ['error', 1],
      ['done', 1],
    ]);
    expect(events[0]!.payload).toEqual({ code: 'BAD_PROMPT', message: 'nope' });
    expect(events[1]!.payload).toMatchObject({ status: 'failed', error: { code: 'BAD_PROMPT', message: 'nope' } });
  });

  it('gives up after the last attempt of a retryable error: failed session, dead job', async () => {
    let runs = 0;
    const { session, job, events } = await runToEnd(async () => {
      runs++;
      throw new TaskError('FLAKY', `failure ${runs}`, true);
    }, 2);
    expect(runs).toBe(2);
    expect(session).toMatchObject({ status: 'failed', error: { code: 'FLAKY', message: 'failure 2' } });
    expect(job).toMatchObject({ status: 'dead', attempts: 2, lastError: 'failure 2' });
    expect(events.map((event) => [event.type, event.attempt])).toEqual([
      ['error', 1],
      ['error', 2],
      ['done', 2],
    ]);
    expect(events[0]!.payload).toEqual({ code: 'FLAKY', message: 'failure 1', retryable: true });
    expect(events[1]!.payload).toEqual({ code: 'FLAKY', message: 'failure 2' });
    expect(events[2]!.payload).toMatchObject({ status: 'failed', error: { code: 'FLAKY', message: 'failure 2' } });
  });
});

describeEachDatabase('a worker that stalls past its lease', (database) => {
  // A short lease, and a poll that comes round often: the stalled worker is quick to take its own job back.
  const shortLease = loadConfig({
    EVERJUST_LOG_LEVEL: 'silent',
    // 3 s, as below: with 1 s, then 2 s, a loaded machine starved a healthy second run past its lease (runs 1, 2, 3 seen).
    EVERJUST_JOB_LEASE_MS: '3000',
    EVERJUST_JOB_HEARTBEAT_MS: '300',
    EVERJUST_JOB_BACKOFF_BASE_MS: '20',
    EVERJUST_WORKER_CONCURRENCY: '4',
  });
  let worker: Worker | undefined;
  afterAll(async () => worker?.stop(0));

  it('takes its own job back as a new attempt, and the stalled run writes nothing more', async () => {
    const prisma = database().prisma;
    const runs: number[] = [];
    const stall: TaskHandler = async ({ job, writer }) => {
      runs.push(job.attempts);
      writer.addUsage({ inputTokens: 7 });
      await writer.append({ type: 'status', payload: { status: 'running', step: `attempt ${job.attempts}` } });
      if (job.attempts === 1) {
        // The whole process stops past the lease (as under SIGSTOP, a long GC pause, a laptop asleep).
        const until = Date.now() + 3_600;
        while (Date.now() < until);
      }
      for (let step = 1; step <= 5; step++) {
        await sleep(30);
        await writer.append({ type: 'status', payload: { status: 'running', step: `attempt ${job.attempts}, step ${step}` } });
      }
      return { result: { attempt: job.attempts } };
    };
    const [sessionId] = await newSessions(prisma, 1);
    const jobId = await enqueueJob(prisma, { kind: 'stall', sessionId: sessionId!, maxAttempts: 3 });
    worker = new Worker({ prisma, pubsub: createLocalPubSub(), config: shortLease, logger, tasks: { stall }, llmFor: () => offline, workerId: 'stalling', pollIntervalMs: 10 });
    await worker.start();

    await waitFor(
      'the session to end',
      () => prisma.session.findUniqueOrThrow({ where: { id: sessionId! } }),
      (session) => !['queued', 'running'].includes(session.status),
    );
    await sleep(500); // anything the stalled run would still write
    const events = await prisma.sessionEvent.findMany({ where: { sessionId: sessionId! }, orderBy: { seq: 'asc' } });
    const attempts = events.map((event) => event.attempt);
    const trace = events.map((event) => `${event.seq}:${event.type}:${event.attempt}`).join(' ');
    expect(runs, trace).toEqual([1, 2]);
    // Once the job was taken back, only the new attempt wrote: no interleaving, one done, the new attempt's.
    expect(attempts, trace).toEqual([...attempts].sort((a, b) => a - b));
    expect(events.filter((event) => event.type === 'done'), trace).toHaveLength(1);
    expect(events.at(-1), trace).toMatchObject({ type: 'done', attempt: 2, payload: { status: 'succeeded', result: { attempt: 2 } } });
    expect(events.filter((event) => event.attempt === 2).map((event) => event.type), trace).toEqual(['status', 'status', 'status', 'status', 'status', 'status', 'done']);
    expect(await prisma.job.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({ status: 'succeeded', attempts: 2, lockedBy: null });
    expect(worker.activeJobs).toBe(0);
    // The stalled attempt's tokens were spent: recorded once, not billed (our fault); the new one's billed.
    await waitFor('the lost attempt\'s usage', () => prisma.sessionAttemptUsage.count({ where: { sessionId: sessionId! } }), (count) => count === 2);
    const rows = await prisma.sessionAttemptUsage.findMany({ where: { sessionId: sessionId! }, orderBy: { attempt: 'asc' } });
    expect(rows.map((row) => [row.attempt, row.outcome, row.billable, row.inputTokens])).toEqual([
      [1, 'lease_lost', false, 7n],
      [2, 'succeeded', true, 7n],
    ]);
  });
});


describeEachDatabase('a job whose worker dies (its lease expires) again and again', (database) => {
  // Short leases (not too short: a loaded machine must not expire a healthy run's lease); a run "dies"
  // by stalling the whole process past its lease (as under SIGSTOP or a crash: nothing renews the
  // lease), and the job is taken over as after a real crash.
  const shortLease = loadConfig({
    EVERJUST_LOG_LEVEL: 'silent',
    EVERJUST_JOB_LEASE_MS: '2000',
    EVERJUST_JOB_HEARTBEAT_MS: '300',
    EVERJUST_JOB_BACKOFF_BASE_MS: '20',
    EVERJUST_WORKER_CONCURRENCY: '4',
  });
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop(0);
    worker = undefined;
  });
  const stallPastLease = () => {
    const until = Date.now() + 2_600;
    while (Date.now() < until);
  };

  async function runToEnd(handler: TaskHandler, budgets: { maxAttempts: number; maxLeaseLosses: number }) {
    const prisma = database().prisma;
    const [sessionId] = await newSessions(prisma, 1);
    const jobId = await enqueueJob(prisma, { kind: 'dying', sessionId: sessionId!, ...budgets });
    worker = new Worker({ prisma, pubsub: createLocalPubSub(), config: shortLease, logger, tasks: { dying: handler }, llmFor: () => offline, workerId: 'dying', pollIntervalMs: 10 });
    await worker.start();
    const session = await waitFor(
      'the session to end',
      () => prisma.session.findUniqueOrThrow({ where: { id: sessionId! } }),
      (session) => !['queued', 'running'].includes(session.status),
    );
    await sleep(300); // a wrongly re-queued job shows itself
    const events = await prisma.sessionEvent.findMany({ where: { sessionId: sessionId! }, orderBy: { seq: 'asc' } });
    return { session, job: await prisma.job.findUniqueOrThrow({ where: { id: jobId } }), events };
  }

  it('still succeeds after fewer lost leases than the budget, whatever its attempts budget', async () => {
    const runs: number[] = [];
    const { session, job, events } = await runToEnd(
      async ({ job: claimed }) => {
        runs.push(claimed.attempts);
        if (runs.length <= 2) stallPastLease();
        return { result: { attempt: claimed.attempts } };
      },
      // One attempt for the job's own errors: two crashes under it must not spend it.
      { maxAttempts: 1, maxLeaseLosses: 3 },
    );
    // Two deaths at least (a loaded machine may add one to a healthy run); every run after a death.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(session).toMatchObject({ status: 'succeeded', error: null });
    expect(job).toMatchObject({ status: 'succeeded', attempts: runs.length, leaseLosses: runs.length - 1 });
    expect(events.filter((event) => event.type === 'done')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'done', attempt: runs.length, payload: { status: 'succeeded', result: { attempt: runs.length } } });
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
  });

  it('ends a job that keeps killing its workers (a poison job) as failed, WORKER_LOST, once the budget is spent', async () => {
    let runs = 0;
    const { session, job, events } = await runToEnd(
      async () => {
        runs++;
        stallPastLease();
        return {};
      },
      { maxAttempts: 3, maxLeaseLosses: 3 },
    );
    expect(runs).toBe(3);
    expect(session).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
    expect(job).toMatchObject({ status: 'dead', attempts: 3, leaseLosses: 3, lockedBy: null });
    const done = events.filter((event) => event.type === 'done');
    expect(done).toHaveLength(1);
    expect(done[0]!.payload).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
  });

  it('still fails an erroring job after its attempts, lost leases aside', async () => {
    const runs: number[] = [];
    const { session, job, events } = await runToEnd(
      async ({ job: claimed }) => {
        runs.push(claimed.attempts);
        if (runs.length === 1) stallPastLease(); // a crash first: not one of the job's attempts
        throw new TaskError('FLAKY', `failure ${runs.length}`, true);
      },
      { maxAttempts: 2, maxLeaseLosses: 10 },
    );
    // Its two attempts were spent by its own errors, whatever else its workers lost (one death at
    // least; a loaded machine may expire a healthy run's lease too).
    const last = runs.length;
    expect(last).toBeGreaterThanOrEqual(3);
    expect(session).toMatchObject({ status: 'failed', error: { code: 'FLAKY', message: `failure ${last}` } });
    expect(job).toMatchObject({ status: 'dead', attempts: last, leaseLosses: last - 2, lastError: `failure ${last}` });
    const errors = events.filter((event) => event.type === 'error');
    // Two of them counted (attempts − lost leases = 2). Seen once in a full run: a run that wrote its
    // error and then lost its lease before failJob committed, so its error was followed by a takeover
    // (a lost lease, not an attempt) and one more error event: at most one per extra lost lease.
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBeLessThanOrEqual(2 + job.leaseLosses - 1);
    expect(errors.at(-1)).toMatchObject({ attempt: last, payload: { code: 'FLAKY', message: `failure ${last}` } });
    expect(errors[0]!.payload).toMatchObject({ code: 'FLAKY', retryable: true });
  });
});
