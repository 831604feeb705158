import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { claimJob, enqueueJob } from '../queue/job-queue.js';
import { appendEvent } from './event-log.js';
import { cancelUnclaimedSession, failSessionWorkerLost } from './session-end.js';

/**
 * The ends of a session that no lease fences: a cancel of a job no worker holds, and the failure of
 * a session whose job lost its workers too often. Each is one statement guarded by the session's own
 * status, so it never ends a session twice nor one that a worker still runs.
 */
describeEachDatabase('session ends without a lease', (database) => {
  const prisma = () => database().prisma;
  beforeEach(async () => {
    await prisma().job.deleteMany();
  });

  async function queuedSession() {
    const tenant = await prisma().tenant.create({ data: { name: 'End tenant' } });
    const project = await prisma().project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'End project' } });
    const session = await prisma().session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
    await appendEvent(prisma(), session.id, { type: 'status', payload: { status: 'queued' } });
    const jobId = await enqueueJob(prisma(), { kind: 'end-test', sessionId: session.id, maxAttempts: 3 });
    return { sessionId: session.id, jobId };
  }
  const state = async (sessionId: string, jobId: string) => ({
    session: await prisma().session.findUniqueOrThrow({ where: { id: sessionId } }),
    job: await prisma().job.findUniqueOrThrow({ where: { id: jobId } }),
    events: (await prisma().sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } })).map((event) => [event.seq, event.type, event.payload]),
  });

  it('cancels a session whose job no worker took: the job, the session and its done, once', async () => {
    const { sessionId, jobId } = await queuedSession();
    const done = await cancelUnclaimedSession(prisma(), sessionId);
    expect(done).toMatchObject({ sessionId, seq: 2, type: 'done', payload: { status: 'cancelled' } });
    const after = await state(sessionId, jobId);
    expect(after.session).toMatchObject({ status: 'cancelled', lastSeq: 2, usage: { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 } });
    expect(after.session.endedAt).not.toBeNull();
    expect(after.job.status).toBe('cancelled');
    expect(after.events).toEqual([
      [1, 'status', { status: 'queued' }],
      [2, 'done', { status: 'cancelled', usage: { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, costMicros: 0, sandboxSeconds: 0 } }],
    ]);
    // A second cancel finds nothing to end.
    expect(await cancelUnclaimedSession(prisma(), sessionId)).toBeNull();
    expect(await state(sessionId, jobId)).toEqual(after);
  });

  it('leaves a session whose job a worker holds to that worker', async () => {
    const { sessionId, jobId } = await queuedSession();
    await claimJob(prisma(), 'worker-a', ['end-test'], 30_000);
    const before = await state(sessionId, jobId);
    expect(await cancelUnclaimedSession(prisma(), sessionId)).toBeNull();
    expect(await state(sessionId, jobId)).toEqual(before);
    expect(before.job).toMatchObject({ status: 'running', lockedBy: 'worker-a' });
  });

  it('fails a session as WORKER_LOST once, and never one that has already ended', async () => {
    const { sessionId, jobId } = await queuedSession();
    const done = await failSessionWorkerLost(prisma(), sessionId, 'lost 10 times');
    expect(done).toMatchObject({ seq: 2, type: 'done', payload: { status: 'failed', error: { code: 'WORKER_LOST', message: 'lost 10 times' } } });
    const after = await state(sessionId, jobId);
    expect(after.session).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST', message: 'lost 10 times' } });
    expect(await failSessionWorkerLost(prisma(), sessionId, 'again')).toBeNull();
    expect(await cancelUnclaimedSession(prisma(), sessionId)).toBeNull();
    expect((await state(sessionId, jobId)).session).toEqual(after.session);
    expect((await state(sessionId, jobId)).events).toHaveLength(2);
  });
});
