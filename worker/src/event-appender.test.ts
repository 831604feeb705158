import { appendEvent, claimJobs, completeJob, enqueueJob, LeaseLostError, type Lease, type PrismaClient } from '@everjust/core';
import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test-support/databases.js';
import { EventAppender } from './event-appender.js';

/**
 * The worker's group commit: appends made while a batch is written share the next statement, and one
 * session's failure (a lost lease, a payload the database refuses) is that session's alone.
 */
describeEachDatabase('EventAppender', (database) => {
  beforeEach(async () => {
    await database().prisma.job.deleteMany();
  });

  /** The client, counting the statements sent through `$queryRaw`. */
  function counting(): { prisma: PrismaClient; statements(): number } {
    let statements = 0;
    const prisma = new Proxy(database().prisma, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== '$queryRaw') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          statements++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { prisma, statements: () => statements };
  }

  async function runningSessions(count: number, workerId: string): Promise<Array<{ sessionId: string; lease: Lease }>> {
    const prisma = database().prisma;
    const tenant = await prisma.tenant.create({ data: { name: 'Appender tenant' } });
    const project = await prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Appender project' } });
    const sessions = [];
    for (let index = 0; index < count; index++) {
      const session = await prisma.session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
      await appendEvent(prisma, session.id, { type: 'status', payload: { status: 'queued' } });
      await enqueueJob(prisma, { kind: 'appender', sessionId: session.id, maxAttempts: 3 });
      sessions.push(session.id);
    }
    const jobs = await claimJobs(prisma, workerId, ['appender'], 30_000, count);
    return jobs.map((job) => ({ sessionId: job.sessionId!, lease: { jobId: job.id, workerId, attempt: job.attempts } }));
  }

  it('writes the appends of many sessions made at once in a few statements, each with its next seq', async () => {
    const sessions = await runningSessions(30, 'worker-a');
    const { prisma, statements } = counting();
    const appender = new EventAppender(prisma, { maxInFlight: 2 });
    const written = await Promise.all(
      sessions.map(({ sessionId, lease }, index) => appender.append(sessionId, lease, { type: 'text_delta', payload: { text: `part ${index}` } })),
    );
    expect(written.map((event) => event.seq)).toEqual(sessions.map(() => 2));
    expect(written.map((event) => event.sessionId)).toEqual(sessions.map((session) => session.sessionId));
    // Made in one turn: one batch (one statement at most per batch in flight), not 30.
    expect(statements()).toBeLessThanOrEqual(2);
    const stored = await database().prisma.sessionEvent.findMany({ where: { seq: 2, sessionId: { in: sessions.map((session) => session.sessionId) } } });
    expect(stored.map((event) => (event.payload as { text: string }).text).sort()).toEqual(sessions.map((_, index) => `part ${index}`).sort());

    // Appends arriving while a batch is in flight go together into the next one.
    const before = statements();
    const waves = [];
    for (let wave = 0; wave < 3; wave++) {
      waves.push(...sessions.map(({ sessionId, lease }) => appender.append(sessionId, lease, { type: 'text_delta', payload: { text: `wave ${wave}` } })));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const later = await Promise.all(waves);
    expect(statements() - before).toBeLessThan(later.length / 10);
    // Per session, the waves got consecutive seqs in the order they were made.
    const first = sessions[0].sessionId;
    expect(later.filter((event) => event.sessionId === first).map((event) => [event.seq, (event.payload as { text: string }).text])).toEqual([
      [3, 'wave 0'],
      [4, 'wave 1'],
      [5, 'wave 2'],
    ]);
  });

  it('fails only the append whose lease is gone or whose payload the database refuses', async () => {
    const [ok, stale, bad] = await runningSessions(3, 'worker-b');
    await completeJob(database().prisma, stale.lease.jobId, 'worker-b');
    const appender = new EventAppender(database().prisma);
    const results = await Promise.allSettled([
      appender.append(ok.sessionId, ok.lease, { type: 'text_delta', payload: { text: 'fine' } }),
      appender.append(stale.sessionId, stale.lease, { type: 'text_delta', payload: { text: 'late' } }),
      // PostgreSQL's jsonb cannot hold \u0000: the batch fails, then each append is written alone.
      appender.append(bad.sessionId, bad.lease, { type: 'text_delta', payload: { text: 'nul \u0000 here' } }),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled', value: { seq: 2, payload: { text: 'fine' } } });
    expect(results[1].status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(results[2].status).toBe('rejected');
    expect((results[2] as PromiseRejectedResult).reason).not.toBeInstanceOf(LeaseLostError);
    const seqs = async (sessionId: string) => (await database().prisma.sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } })).map((event) => event.seq);
    expect(await seqs(ok.sessionId)).toEqual([1, 2]);
    expect(await seqs(stale.sessionId)).toEqual([1]);
    expect(await seqs(bad.sessionId)).toEqual([1]);
  });

  it('writes events that raise webhooks on their own, with their outbox', async () => {
    const [session] = await runningSessions(1, 'worker-c');
    const { prisma, statements } = counting();
    const appender = new EventAppender(prisma);
    const running = await appender.append(session.sessionId, session.lease, { type: 'status', payload: { status: 'running' } });
    expect(running.seq).toBe(2);
    expect(statements()).toBe(1);
  });
});
