import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { openDatabase } from '../db/database.js';
import { appendEvent, appendFencedEvent, LeaseLostError } from '../events/event-log.js';
import { claimJob, completeJob, enqueueJob, failJob, hasAttemptsLeft, markExpiredJobsDead, queueDepth, renewLease } from './job-queue.js';
import { releaseJob } from './release-job.js';

/**
 * The durable queue's invariants, statement by statement: claim order and exclusivity, leases that
 * only their holder can renew, expiry that hands a job to another worker and fences the old one out,
 * backoff and the dead state, and the depth the autoscaler reads.
 */
const KINDS = ['test'];
const LONG_LEASE = 30_000;
/** Slack for comparing database timestamps with this process's clock (same host). */
const SLACK_MS = 250;

describeEachDatabase('job queue', (database) => {
  const prisma = () => database().prisma;

  // Every test starts from an empty queue: claimJob takes any job of its kinds.
  beforeEach(async () => {
    await prisma().job.deleteMany();
  });

  const enqueue = (options: { runAt?: Date; maxAttempts?: number; sessionId?: string } = {}) =>
    enqueueJob(prisma(), { kind: 'test', maxAttempts: options.maxAttempts ?? 3, runAt: options.runAt, sessionId: options.sessionId });
  const job = (id: string) => prisma().job.findUniqueOrThrow({ where: { id } });
  /** Sleeps until a lease has run out (plus a little, for the clocks of this process and the database). */
  const untilExpired = (lockedUntil: Date) => sleep(Math.max(0, lockedUntil.getTime() - Date.now()) + 150);

  async function newSession() {
    const tenant = await prisma().tenant.create({ data: { name: 'Queue tenant' } });
    const project = await prisma().project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Queue project' } });
    return prisma().session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
  }
  async function eventState(sessionId: string) {
    const session = await prisma().session.findUniqueOrThrow({ where: { id: sessionId } });
    const events = await prisma().sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
    return { lastSeq: session.lastSeq, seqs: events.map((event) => event.seq), attempts: events.map((event) => event.attempt) };
  }

  it('claims the oldest ready job, marks it running under the lease and counts the attempt', async () => {
    const now = Date.now();
    // Enqueued newest first: order is by run_at, not by insertion.
    const newer = await enqueue({ runAt: new Date(now - 1_000) });
    const older = await enqueue({ runAt: new Date(now - 2_000) });

    const before = Date.now();
    const claimed = await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE);
    const after = Date.now();
    expect(claimed).toMatchObject({ id: older, kind: 'test', attempts: 1, maxAttempts: 3, lockedBy: 'worker-a', sessionId: null, payload: {} });
    expect(claimed!.lockedUntil.getTime()).toBeGreaterThanOrEqual(before + LONG_LEASE - SLACK_MS);
    expect(claimed!.lockedUntil.getTime()).toBeLessThanOrEqual(after + LONG_LEASE + SLACK_MS);
    const row = await job(older);
    expect(row).toMatchObject({ status: 'running', lockedBy: 'worker-a', attempts: 1 });
    expect(row.lockedUntil!.getTime()).toBe(claimed!.lockedUntil.getTime());
    expect(await job(newer)).toMatchObject({ status: 'queued', lockedBy: null, attempts: 0 });

    // A second claim takes the next job, never the one that is held.
    const second = await claimJob(prisma(), 'worker-b', KINDS, LONG_LEASE);
    expect(second).toMatchObject({ id: newer, lockedBy: 'worker-b', attempts: 1 });
    expect(await claimJob(prisma(), 'worker-c', KINDS, LONG_LEASE)).toBeNull();
    expect(await job(older)).toMatchObject({ status: 'running', lockedBy: 'worker-a', attempts: 1 });
  });

  it('takes only the kinds it is asked for', async () => {
    const other = await enqueueJob(prisma(), { kind: 'other', maxAttempts: 3 });
    expect(await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE)).toBeNull();
    expect((await claimJob(prisma(), 'worker-a', ['other', 'more'], LONG_LEASE))?.id).toBe(other);
  });

  it('does not claim a job whose run_at is in the future', async () => {
    const later = await enqueue({ runAt: new Date(Date.now() + 60_000) });
    expect(await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE)).toBeNull();
    expect(await job(later)).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null });
  });

  it('renews the lease for its holder only', async () => {
    const id = await enqueue();
    const claimed = await claimJob(prisma(), 'worker-a', KINDS, 5_000);
    expect(claimed?.id).toBe(id);

    expect(await renewLease(prisma(), id, 'worker-b', 60_000)).toBe(false);
    expect((await job(id)).lockedUntil!.getTime()).toBe(claimed!.lockedUntil.getTime());

    const before = Date.now();
    expect(await renewLease(prisma(), id, 'worker-a', 60_000)).toBe(true);
    const renewed = await job(id);
    expect(renewed).toMatchObject({ status: 'running', lockedBy: 'worker-a', attempts: 1 });
    expect(renewed.lockedUntil!.getTime()).toBeGreaterThanOrEqual(before + 60_000 - SLACK_MS);

    // Nobody renews a job that has ended.
    expect(await completeJob(prisma(), id, 'worker-a')).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'succeeded', lockedBy: null, lockedUntil: null });
    expect(await renewLease(prisma(), id, 'worker-a', 60_000)).toBe(false);
    expect(await completeJob(prisma(), id, 'worker-a')).toBe(false);
  });

  it('hands a job whose lease expired to another worker, and fences the old holder out', async () => {
    const session = await newSession();
    await appendEvent(prisma(), session.id, { type: 'status', payload: { status: 'queued' } });
    const id = await enqueue({ sessionId: session.id });

    const first = await claimJob(prisma(), 'worker-old', KINDS, 1_000);
    expect(first).toMatchObject({ id, attempts: 1, sessionId: session.id });
    const oldLease = { jobId: id, workerId: 'worker-old', attempt: 1 };
    // While it holds the lease, the old worker writes (the positive control for what follows).
    expect((await appendFencedEvent(prisma(), session.id, oldLease, { type: 'status', payload: { status: 'running' } })).seq).toBe(2);
    // While the lease is still valid nobody else can take the job.
    expect(await claimJob(prisma(), 'worker-new', KINDS, LONG_LEASE)).toBeNull();

    await untilExpired(first!.lockedUntil);
    // Expired, not yet taken: the holder can no longer write or renew (it must stop).
    await expect(appendFencedEvent(prisma(), session.id, oldLease, { type: 'text_delta', payload: { text: 'late' } })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await renewLease(prisma(), id, 'worker-old', LONG_LEASE)).toBe(false);
    expect(await eventState(session.id)).toEqual({ lastSeq: 2, seqs: [1, 2], attempts: [0, 1] });

    const second = await claimJob(prisma(), 'worker-new', KINDS, LONG_LEASE);
    expect(second).toMatchObject({ id, attempts: 2, lockedBy: 'worker-new', sessionId: session.id });

    // The old holder can do nothing with the job any more.
    expect(await renewLease(prisma(), id, 'worker-old', LONG_LEASE)).toBe(false);
    expect(await completeJob(prisma(), id, 'worker-old')).toBe(false);
    expect(await completeJob(prisma(), id, 'worker-old', 'cancelled')).toBe(false);
    expect(await failJob(prisma(), id, 'worker-old', 'stale', { retryable: true, backoffBaseMs: 0 })).toBe('lost');
    expect(await failJob(prisma(), id, 'worker-old', 'stale', { retryable: false, backoffBaseMs: 0 })).toBe('lost');
    const error = await appendFencedEvent(prisma(), session.id, oldLease, { type: 'text_delta', payload: { text: 'stale' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).jobId).toBe(id);
    // Inside a transaction too (how SessionWriter.finish writes `done`): nothing is written.
    await expect(
      prisma().$transaction((tx) =>
        appendFencedEvent(tx, session.id, oldLease, { type: 'done', payload: { status: 'succeeded', usage: { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 } } }),
      ),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await eventState(session.id)).toEqual({ lastSeq: 2, seqs: [1, 2], attempts: [0, 1] });
    expect(await job(id)).toMatchObject({ status: 'running', lockedBy: 'worker-new', attempts: 2, lastError: null });

    // The new holder writes on, with the next seq and its attempt.
    const newLease = { jobId: id, workerId: 'worker-new', attempt: 2 };
    expect((await appendFencedEvent(prisma(), session.id, newLease, { type: 'status', payload: { status: 'running' } })).seq).toBe(3);
    expect(await eventState(session.id)).toEqual({ lastSeq: 3, seqs: [1, 2, 3], attempts: [0, 1, 2] });
    expect(await completeJob(prisma(), id, 'worker-new')).toBe(true);
    // A job that ended fences out even its last holder.
    await expect(appendFencedEvent(prisma(), session.id, newLease, { type: 'status', payload: { status: 'running' } })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await eventState(session.id)).toEqual({ lastSeq: 3, seqs: [1, 2, 3], attempts: [0, 1, 2] });
  });

  it('fails a retryable attempt back to the queue after an exponential backoff, then dead after the last attempt', async () => {
    const backoffBaseMs = 500;
    const id = await enqueue({ maxAttempts: 3 });

    for (let attempt = 1; attempt <= 2; attempt++) {
      const claimed = await claimJob(prisma(), `worker-${attempt}`, KINDS, LONG_LEASE);
      expect(claimed).toMatchObject({ id, attempts: attempt });
      const before = Date.now();
      expect(await failJob(prisma(), id, `worker-${attempt}`, `boom ${attempt}`, { retryable: true, backoffBaseMs })).toBe('retrying');
      const after = Date.now();
      const row = await job(id);
      expect(row).toMatchObject({ status: 'queued', attempts: attempt, lastError: `boom ${attempt}`, lockedBy: null, lockedUntil: null });
      const delay = backoffBaseMs * 2 ** (attempt - 1);
      expect(row.runAt.getTime()).toBeGreaterThanOrEqual(before + delay - SLACK_MS / 5);
      expect(row.runAt.getTime()).toBeLessThanOrEqual(after + delay + SLACK_MS / 5);
      // Not before its time…
      expect(await claimJob(prisma(), 'worker-early', KINDS, LONG_LEASE)).toBeNull();
      expect(await queueDepth(prisma())).toEqual({ ready: 0, running: 0, delayed: 1 });
      // …and ready once it has come.
      await sleep(Math.max(0, row.runAt.getTime() - Date.now()) + 50);
      expect(await queueDepth(prisma())).toEqual({ ready: 1, running: 0, delayed: 0 });
    }

    expect(await claimJob(prisma(), 'worker-3', KINDS, LONG_LEASE)).toMatchObject({ id, attempts: 3 });
    expect(await failJob(prisma(), id, 'worker-3', 'boom 3', { retryable: true, backoffBaseMs })).toBe('dead');
    expect(await job(id)).toMatchObject({ status: 'dead', attempts: 3, lastError: 'boom 3', lockedBy: null, lockedUntil: null });
    // Dead is final: even with its run_at long past, nobody claims it.
    await prisma().$executeRaw`UPDATE jobs SET run_at = now() - interval '1 hour' WHERE id = ${id}::uuid`;
    expect(await claimJob(prisma(), 'worker-4', KINDS, LONG_LEASE)).toBeNull();
    expect(await queueDepth(prisma())).toEqual({ ready: 0, running: 0, delayed: 0 });
  });

  it('sends a job that is not retryable to dead at once, keeping its error', async () => {
    const id = await enqueue({ maxAttempts: 5 });
    await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE);
    const message = `bad input ${'x'.repeat(20_000)}`;
    expect(await failJob(prisma(), id, 'worker-a', message, { retryable: false, backoffBaseMs: 10 })).toBe('dead');
    const row = await job(id);
    expect(row).toMatchObject({ status: 'dead', attempts: 1, lockedBy: null, lockedUntil: null });
    expect(row.lastError).toBe(message.slice(0, 10_000));
    expect(await claimJob(prisma(), 'worker-b', KINDS, LONG_LEASE)).toBeNull();
    // Only the holder fails a job: a dead one is no longer held.
    expect(await failJob(prisma(), id, 'worker-a', 'again', { retryable: true, backoffBaseMs: 10 })).toBe('lost');
    expect((await job(id)).lastError).toBe(message.slice(0, 10_000));
  });

  it('takes over an expired lease without spending an attempt, and ends a job once it has lost max_lease_losses leases', async () => {
    const session = await newSession();
    // One attempt for its own errors, two lost leases allowed: a crash must not cost it the attempt.
    const poison = await enqueueJob(prisma(), { kind: 'test', maxAttempts: 1, maxLeaseLosses: 2, sessionId: session.id });
    const healthy = await enqueue({ maxAttempts: 1 });

    const first = await claimJob(prisma(), 'worker-a', KINDS, 1_000);
    expect(first).toMatchObject({ id: poison, attempts: 1, leaseLosses: 0, maxLeaseLosses: 2 });
    expect((await claimJob(prisma(), 'worker-c', KINDS, LONG_LEASE))?.id).toBe(healthy);
    // Still held: nothing to reap.
    expect(await markExpiredJobsDead(prisma())).toEqual([]);
    await untilExpired(first!.lockedUntil);

    // The first loss is under the budget: taken over, the loss counted, the attempts budget intact.
    expect(await markExpiredJobsDead(prisma())).toEqual([]);
    const second = await claimJob(prisma(), 'worker-b', KINDS, 1_000);
    expect(second).toMatchObject({ id: poison, attempts: 2, leaseLosses: 1 });
    // This run is its one attempt (the crashed one did not count): an error now would be its last.
    expect(hasAttemptsLeft(second!)).toBe(false);
    await untilExpired(second!.lockedUntil);

    // The second loss reaches it: never claimed again, dead, the loss counted.
    expect(await claimJob(prisma(), 'worker-d', KINDS, LONG_LEASE)).toBeNull();
    expect(await markExpiredJobsDead(prisma())).toEqual([{ id: poison, sessionId: session.id, leaseLosses: 2 }]);
    expect(await job(poison)).toMatchObject({
      status: 'dead',
      attempts: 2,
      leaseLosses: 2,
      lastError: 'lost its worker 2 times (the lease expired each time)',
      lockedBy: null,
      lockedUntil: null,
    });
    expect(await job(healthy)).toMatchObject({ status: 'running', lockedBy: 'worker-c' });
    // Once is enough; and the dead job stays dead.
    expect(await markExpiredJobsDead(prisma())).toEqual([]);
    expect(await claimJob(prisma(), 'worker-e', KINDS, LONG_LEASE)).toBeNull();
    expect(await renewLease(prisma(), poison, 'worker-b', LONG_LEASE)).toBe(false);
    expect(await completeJob(prisma(), poison, 'worker-b')).toBe(false);
    expect(await job(poison)).toMatchObject({ status: 'dead' });
  });

  it('counts errors and lost leases apart: after a lost lease the job still has its attempts, and no more', async () => {
    const id = await enqueue({ maxAttempts: 2 });
    await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE);
    expect(await failJob(prisma(), id, 'worker-a', 'first failure', { retryable: true, backoffBaseMs: 0 })).toBe('retrying');
    const lost = await claimJob(prisma(), 'worker-b', KINDS, 200);
    expect(lost).toMatchObject({ id, attempts: 2, leaseLosses: 0 });
    await sleep(400);
    // Its second attempt died with its worker: not counted against max_attempts.
    expect(await markExpiredJobsDead(prisma())).toEqual([]);
    const third = await claimJob(prisma(), 'worker-c', KINDS, LONG_LEASE);
    expect(third).toMatchObject({ id, attempts: 3, leaseLosses: 1 });
    expect(hasAttemptsLeft(third!)).toBe(false);
    // Its second error is its last: dead, whatever lost-lease budget is left.
    expect(await failJob(prisma(), id, 'worker-c', 'second failure', { retryable: true, backoffBaseMs: 0 })).toBe('dead');
    expect(await job(id)).toMatchObject({ status: 'dead', attempts: 3, leaseLosses: 1, lastError: 'second failure' });
  });

  it('gives a released job back to the queue at once, its attempt not counted, for the holder of that attempt only', async () => {
    const id = await enqueue({ maxAttempts: 1 });
    const claimed = await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE);
    expect(await releaseJob(prisma(), { jobId: id, workerId: 'worker-b', attempt: 1 })).toBe(false);
    expect(await releaseJob(prisma(), { jobId: id, workerId: 'worker-a', attempt: 2 })).toBe(false);
    expect(await releaseJob(prisma(), { jobId: id, workerId: 'worker-a', attempt: claimed!.attempts })).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 0, leaseLosses: 0, lockedBy: null, lockedUntil: null });
    // Ready now, with its one attempt intact.
    expect(await claimJob(prisma(), 'worker-b', KINDS, LONG_LEASE)).toMatchObject({ id, attempts: 1 });
  });

  it('reports the queue depth: ready, running and delayed', async () => {
    expect(await queueDepth(prisma())).toEqual({ ready: 0, running: 0, delayed: 0 });
    await enqueue();
    await enqueue();
    await enqueue({ runAt: new Date(Date.now() - 5_000) });
    await enqueue({ runAt: new Date(Date.now() + 3_600_000) });
    const done = await enqueue({ runAt: new Date(Date.now() - 10_000) });
    const dead = await enqueue({ runAt: new Date(Date.now() - 9_000) });
    expect(await queueDepth(prisma())).toEqual({ ready: 5, running: 0, delayed: 1 });

    expect((await claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE))?.id).toBe(done);
    expect((await claimJob(prisma(), 'worker-b', KINDS, LONG_LEASE))?.id).toBe(dead);
    await claimJob(prisma(), 'worker-c', KINDS, LONG_LEASE);
    expect(await queueDepth(prisma())).toEqual({ ready: 2, running: 3, delayed: 1 });

    await completeJob(prisma(), done, 'worker-a');
    await failJob(prisma(), dead, 'worker-b', 'no', { retryable: false, backoffBaseMs: 0 });
    expect(await queueDepth(prisma())).toEqual({ ready: 2, running: 1, delayed: 1 });
  });

  it('gives 5 ready jobs to exactly 5 of 20 concurrent claimers, never one job to two', async () => {
    // On PostgreSQL, a client of its own with a connection per claimer, so the 20 claims really race.
    const wide = database().url ? await openDatabase({ kind: 'postgres', url: database().url!, poolSize: 20 }) : undefined;
    const claimer = wide?.prisma ?? prisma();
    try {
      for (let round = 0; round < 3; round++) {
        await prisma().job.deleteMany();
        const ids = new Set<string>();
        for (let index = 0; index < 5; index++) ids.add(await enqueue());

        const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => claimJob(claimer, `worker-${round}-${index}`, KINDS, LONG_LEASE)));
        const won = claims.filter((claim) => claim !== null);
        expect(won.map((claim) => claim.id).sort()).toEqual([...ids].sort());
        expect(won.every((claim) => claim.attempts === 1)).toBe(true);

        // Each job is held by the one claimer that was told it has it, once.
        const rows = await prisma().job.findMany({ where: { id: { in: [...ids] } } });
        for (const row of rows) {
          const winner = won.find((claim) => claim.id === row.id)!;
          expect(row).toMatchObject({ status: 'running', attempts: 1, lockedBy: winner.lockedBy });
        }
        expect(await claimJob(prisma(), `worker-${round}-late`, KINDS, LONG_LEASE)).toBeNull();
      }
    } finally {
      await wide?.close();
    }
  });

  it('skips a job another transaction has locked instead of waiting for it (SKIP LOCKED)', async ({ skip }) => {
    if (!database().url) skip('PGlite has a single connection: a second transaction cannot hold a row lock meanwhile');
    const locked = await enqueue({ runAt: new Date(Date.now() - 2_000) });
    const next = await enqueue({ runAt: new Date(Date.now() - 1_000) });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    // Another worker in the middle of claiming `locked`: its row lock is held until it commits.
    const other = prisma().$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM jobs WHERE id = ${locked}::uuid FOR UPDATE`;
        holding();
        await released;
      },
      { timeout: 20_000 },
    );
    try {
      await isHolding;
      const started = Date.now();
      const timeout = sleep(5_000).then(() => 'blocked' as const);
      expect((await Promise.race([claimJob(prisma(), 'worker-a', KINDS, LONG_LEASE), timeout]) as { id: string } | null)?.id).toBe(next);
      expect(await Promise.race([claimJob(prisma(), 'worker-b', KINDS, LONG_LEASE), timeout])).toBeNull();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      release();
      await other;
    }
    // Once the lock is gone the job is claimable again.
    expect((await claimJob(prisma(), 'worker-c', KINDS, LONG_LEASE))?.id).toBe(locked);
  });
});
