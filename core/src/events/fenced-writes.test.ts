import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { ValidationError } from '../errors.js';
import { deleteProjectFile, readProjectFiles, snapshotSessionFiles, writeProjectFileFenced } from '../files/project-files.js';
import { claimJobs, completeJob, enqueueJob } from '../queue/job-queue.js';
import { appendEvent, appendFencedEvent, appendFencedEvents, LeaseLostError, type Lease } from './event-log.js';
import { endSessionFenced } from './session-end.js';

/**
 * The worker's one-statement writes: a batch of events for many sessions (group commit), a file with
 * its event, and claiming several jobs at once. Each keeps the fencing of the single-event append:
 * nothing is written without the lease, seqs stay consecutive and in order.
 */
describeEachDatabase('fenced batch writes', (database) => {
  const prisma = () => database().prisma;
  const LIMITS = { fileMaxBytes: 1_000, projectMaxFiles: 2 };

  beforeEach(async () => {
    await prisma().job.deleteMany();
  });

  /** A session with its `queued` event and a job claimed by `workerId`. */
  async function runningSession(workerId: string): Promise<{ sessionId: string; projectId: string; lease: Lease }> {
    const tenant = await prisma().tenant.create({ data: { name: 'Batch tenant' } });
    const project = await prisma().project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Batch project' } });
    const session = await prisma().session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
    await appendEvent(prisma(), session.id, { type: 'status', payload: { status: 'queued' } });
    await enqueueJob(prisma(), { kind: 'batch', sessionId: session.id, maxAttempts: 3 });
    const [job] = await claimJobs(prisma(), workerId, ['batch'], 30_000, 1);
    return { sessionId: session.id, projectId: project.id, lease: { jobId: job.id, workerId, attempt: job.attempts } };
  }
  const events = async (sessionId: string) =>
    (await prisma().sessionEvent.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } })).map((event) => ({ seq: event.seq, type: event.type, payload: event.payload }));

  it('writes one batch for many sessions: consecutive seqs in the order given, nothing for a session whose lease is gone', async () => {
    const a = await runningSession('worker-a');
    const b = await runningSession('worker-b');
    const stale = await runningSession('worker-c');
    await completeJob(prisma(), stale.lease.jobId, 'worker-c'); // its job ended: the lease no longer holds

    const written = await appendFencedEvents(prisma(), [
      { sessionId: a.sessionId, lease: a.lease, event: { type: 'text_delta', payload: { text: 'a1' } } },
      { sessionId: b.sessionId, lease: b.lease, event: { type: 'text_delta', payload: { text: 'b1' } } },
      { sessionId: stale.sessionId, lease: stale.lease, event: { type: 'text_delta', payload: { text: 'late' } } },
      { sessionId: a.sessionId, lease: a.lease, event: { type: 'usage', payload: { inputTokens: 1, outputTokens: 2, sandboxSeconds: 0 } } },
      { sessionId: a.sessionId, lease: a.lease, event: { type: 'text_delta', payload: { text: 'a2' } } },
    ]);

    expect(written.map((event) => event && { sessionId: event.sessionId, seq: event.seq, type: event.type })).toEqual([
      { sessionId: a.sessionId, seq: 2, type: 'text_delta' },
      { sessionId: b.sessionId, seq: 2, type: 'text_delta' },
      null,
      { sessionId: a.sessionId, seq: 3, type: 'usage' },
      { sessionId: a.sessionId, seq: 4, type: 'text_delta' },
    ]);
    expect(await events(a.sessionId)).toEqual([
      { seq: 1, type: 'status', payload: { status: 'queued' } },
      { seq: 2, type: 'text_delta', payload: { text: 'a1' } },
      { seq: 3, type: 'usage', payload: { inputTokens: 1, outputTokens: 2, sandboxSeconds: 0 } },
      { seq: 4, type: 'text_delta', payload: { text: 'a2' } },
    ]);
    expect((await events(b.sessionId)).map((event) => event.seq)).toEqual([1, 2]);
    expect((await events(stale.sessionId)).map((event) => event.seq)).toEqual([1]);
    expect((await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } })).lastSeq).toBe(4);
    // Stamped with the appending attempt, as single appends are.
    expect((await prisma().sessionEvent.findMany({ where: { sessionId: a.sessionId, seq: { gt: 1 } } })).every((event) => event.attempt === 1)).toBe(true);
  });

  it("gives a session's rows to the attempt that wrote them when a stalled attempt's appends share the batch", async () => {
    const first = await runningSession('worker-a');
    // The lease expires and the same worker takes its job back: attempt 2, while attempt 1 still appends.
    await prisma().job.update({ where: { id: first.lease.jobId }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    const [again] = await claimJobs(prisma(), 'worker-a', ['batch'], 30_000, 1);
    const current: Lease = { jobId: again!.id, workerId: 'worker-a', attempt: again!.attempts };
    expect(current.attempt).toBe(2);

    const written = await appendFencedEvents(prisma(), [
      { sessionId: first.sessionId, lease: first.lease, event: { type: 'text_delta', payload: { text: 'stale' } } },
      { sessionId: first.sessionId, lease: current, event: { type: 'text_delta', payload: { text: 'new' } } },
    ]);
    // The stale item is refused (its run must stop); the new attempt's row is its own.
    expect(written[0]).toBeNull();
    expect(written[1]).toMatchObject({ seq: 2, type: 'text_delta', payload: { text: 'new' } });
    expect(await events(first.sessionId)).toEqual([
      { seq: 1, type: 'status', payload: { status: 'queued' } },
      { seq: 2, type: 'text_delta', payload: { text: 'new' } },
    ]);
  });

  it('refuses to batch an event that raises webhooks (its outbox rows need the single append)', async () => {
    const a = await runningSession('worker-a');
    await expect(appendFencedEvents(prisma(), [{ sessionId: a.sessionId, lease: a.lease, event: { type: 'status', payload: { status: 'running' } } }])).rejects.toThrow(
      /raises webhooks/,
    );
    expect((await events(a.sessionId)).map((event) => event.seq)).toEqual([1]);
  });

  it('writes a file with its event in one statement, within the file limit, and nothing without the lease', async () => {
    const a = await runningSession('worker-a');
    const write = (path: string, content: string, lease = a.lease) =>
      writeProjectFileFenced(prisma(), { sessionId: a.sessionId, lease, projectId: a.projectId, file: { path, content }, limits: LIMITS });

    const first = await write('./index.html', '<h1>hi</h1>');
    expect(first.stored).toEqual({ path: 'index.html', size: 11, sha: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(first.event).toMatchObject({ sessionId: a.sessionId, seq: 2, type: 'file_written', payload: first.stored });
    await write('app.js', 'let n = 0;');
    // Rewriting an existing path does not count as another file.
    const rewritten = await write('index.html', '<h1>hello</h1>');
    expect(rewritten.event.seq).toBe(4);

    // A third file would exceed projectMaxFiles (2): refused, nothing written, no seq used.
    const refused = await write('third.css', 'body {}').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toMatch(/at most 2 files \(this would make 3\)/);
    await expect(write('../escape.js', 'x')).rejects.toBeInstanceOf(ValidationError);
    await expect(write('big.txt', 'x'.repeat(1_001))).rejects.toThrow(/1001 bytes; the limit is 1000/);

    // Without the lease: LeaseLostError, and the file stays as it was.
    await expect(write('index.html', 'stale', { ...a.lease, attempt: 2 })).rejects.toBeInstanceOf(LeaseLostError);
    expect((await readProjectFiles(prisma(), a.projectId)).map((file) => [file.path, file.content])).toEqual([
      ['app.js', 'let n = 0;'],
      ['index.html', '<h1>hello</h1>'],
    ]);
    expect((await events(a.sessionId)).map((event) => `${event.seq} ${event.type}`)).toEqual(['1 status', '2 file_written', '3 file_written', '4 file_written']);
  });

  it('claims several jobs in one statement, oldest first, never one another worker holds', async () => {
    const now = Date.now();
    const ids = [];
    for (let index = 0; index < 5; index++) ids.push(await enqueueJob(prisma(), { kind: 'many', maxAttempts: 3, runAt: new Date(now - 10_000 + index) }));
    const first = await claimJobs(prisma(), 'worker-a', ['many'], 30_000, 3);
    expect(first.map((job) => job.id)).toEqual(ids.slice(0, 3));
    expect(first.every((job) => job.lockedBy === 'worker-a' && job.attempts === 1)).toBe(true);
    const second = await claimJobs(prisma(), 'worker-b', ['many'], 30_000, 10);
    expect(second.map((job) => job.id)).toEqual(ids.slice(3));
    expect(await claimJobs(prisma(), 'worker-c', ['many'], 30_000, 10)).toEqual([]);
  });

  it('starts the session row in the statement that appends its running status', async () => {
    const a = await runningSession('worker-a');
    const event = await appendFencedEvent(prisma(), a.sessionId, a.lease, { type: 'status', payload: { status: 'running' } }, {
      session: { status: 'running', stamp: true, model: 'offline/everjust-offline-1' },
    });
    const row = await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } });
    expect(row).toMatchObject({ status: 'running', model: 'offline/everjust-offline-1', endedAt: null, lastSeq: event.seq });
    expect(row.startedAt?.toISOString()).toBe(event.at);
  });

  it('ends the session row in the statement that appends its done, keeping an error it had when none is given', async () => {
    const a = await runningSession('worker-a');
    await prisma().session.update({ where: { id: a.sessionId }, data: { error: { code: 'EARLIER', message: 'kept' } } });
    const usage = { inputTokens: 3, outputTokens: 4, sandboxSeconds: 0 };
    const done = await appendFencedEvent(prisma(), a.sessionId, a.lease, { type: 'done', payload: { status: 'succeeded', usage } }, { session: { status: 'succeeded', stamp: true, usage } });
    const row = await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } });
    expect(row).toMatchObject({ status: 'succeeded', usage, error: { code: 'EARLIER', message: 'kept' }, lastSeq: done.seq });
    expect(row.endedAt).toBeInstanceOf(Date);

    const b = await runningSession('worker-b');
    const failure = { code: 'MODEL_ERROR', message: 'no' };
    await appendFencedEvent(prisma(), b.sessionId, b.lease, { type: 'done', payload: { status: 'failed', usage, error: failure } }, { session: { status: 'failed', stamp: true, usage, error: failure } });
    expect(await prisma().session.findUniqueOrThrow({ where: { id: b.sessionId } })).toMatchObject({ status: 'failed', error: failure });

    // Without the lease the row is not ended either.
    const c = await runningSession('worker-c');
    await completeJob(prisma(), c.lease.jobId, 'worker-c');
    await expect(
      appendFencedEvent(prisma(), c.sessionId, c.lease, { type: 'done', payload: { status: 'succeeded', usage } }, { session: { status: 'succeeded', stamp: true, usage } }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await prisma().session.findUniqueOrThrow({ where: { id: c.sessionId } })).toMatchObject({ status: 'queued', endedAt: null });
  });

  it('replaces an earlier snapshot of a session with the project as it is now', async () => {
    const a = await runningSession('worker-a');
    const write = (path: string, content: string) =>
      writeProjectFileFenced(prisma(), { sessionId: a.sessionId, lease: a.lease, projectId: a.projectId, file: { path, content }, limits: LIMITS });
    await write('a.txt', 'one');
    await write('b.txt', 'two');
    await snapshotSessionFiles(prisma(), a.sessionId, a.projectId);
    await deleteProjectFile(prisma(), a.projectId, 'a.txt');
    const rewritten = await write('b.txt', 'three');
    await snapshotSessionFiles(prisma(), a.sessionId, a.projectId);
    const snapshot = await prisma().sessionFile.findMany({ where: { sessionId: a.sessionId }, select: { path: true, sha: true } });
    expect(snapshot).toEqual([{ path: 'b.txt', sha: rewritten.stored.sha }]);
  });

  it('ends a session in one statement: done, the row, the snapshot, the usage and the job, or nothing without the lease', async () => {
    const usage = { inputTokens: 10, outputTokens: 20, sandboxSeconds: 0 };
    const ending = async (workerId: string) => {
      const a = await runningSession(workerId);
      await writeProjectFileFenced(prisma(), { sessionId: a.sessionId, lease: a.lease, projectId: a.projectId, file: { path: 'index.html', content: 'hi' }, limits: LIMITS });
      const session = await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } });
      return { ...a, session };
    };
    const a = await ending('worker-a');
    const done = await endSessionFenced(prisma(), { session: a.session, lease: a.lease, status: 'failed', usage, error: { code: 'MODEL_ERROR', message: 'it broke' } });
    expect(done).toMatchObject({ seq: 3, type: 'done', payload: { status: 'failed', usage, error: { code: 'MODEL_ERROR', message: 'it broke' } } });
    expect(await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } })).toMatchObject({ status: 'failed', usage, error: { code: 'MODEL_ERROR' }, lastSeq: 3 });
    expect(await prisma().sessionFile.findMany({ where: { sessionId: a.sessionId }, select: { path: true } })).toEqual([{ path: 'index.html' }]);
    expect(await prisma().usageDaily.findFirst({ where: { tenantId: a.session.tenantId } })).toMatchObject({ generations: 1, inputTokens: 10n, outputTokens: 20n });
    expect(await prisma().job.findUniqueOrThrow({ where: { id: a.lease.jobId } })).toMatchObject({ status: 'dead', lastError: 'it broke', lockedBy: null });

    const b = await ending('worker-b');
    await expect(endSessionFenced(prisma(), { session: b.session, lease: { ...b.lease, attempt: 9 }, status: 'succeeded', usage })).rejects.toBeInstanceOf(LeaseLostError);
    expect(await prisma().session.findUniqueOrThrow({ where: { id: b.sessionId } })).toMatchObject({ status: 'queued', endedAt: null, lastSeq: 2 });
    expect(await prisma().sessionFile.count({ where: { sessionId: b.sessionId } })).toBe(0);
    expect(await prisma().usageDaily.count({ where: { tenantId: b.session.tenantId } })).toBe(0);
    expect(await prisma().job.findUniqueOrThrow({ where: { id: b.lease.jobId } })).toMatchObject({ status: 'running', lockedBy: 'worker-b' });
    await endSessionFenced(prisma(), { session: b.session, lease: b.lease, status: 'succeeded', usage });
    expect(await prisma().job.findUniqueOrThrow({ where: { id: b.lease.jobId } })).toMatchObject({ status: 'succeeded', lockedBy: null });
  });
});
