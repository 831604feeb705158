import { beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { appendSessionMessagesFenced, readSessionMessages } from '../conversation/session-messages.js';
import { claimJobs, completeJob, enqueueJob } from '../queue/job-queue.js';
import { appendEvent, LeaseLostError, type Lease, type PendingQuestion } from './event-log.js';
import { cancelUnclaimedSession } from './session-end.js';
import { answerWaitingSession, expireUnansweredQuestions, waitForAnswerFenced } from './session-questions.js';

/**
 * The statements behind questions and the stored conversation: each writes only under its guard (the
 * job's lease for the worker's, the session still waiting on that very question for the answer's).
 */
describeEachDatabase('questions and the stored conversation, statement by statement', (database) => {
  const prisma = () => database().prisma;

  beforeEach(async () => {
    await prisma().job.deleteMany();
  });

  async function runningSession(workerId: string): Promise<{ sessionId: string; lease: Lease }> {
    const tenant = await prisma().tenant.create({ data: { name: 'Questions tenant' } });
    const project = await prisma().project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Questions project' } });
    const session = await prisma().session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x', status: 'running' } });
    await appendEvent(prisma(), session.id, { type: 'status', payload: { status: 'queued' } });
    // A kind of its own: a claim takes this session's job, not another test session's queued one.
    const kind = `questions-${session.id}`;
    await enqueueJob(prisma(), { kind, sessionId: session.id, maxAttempts: 3 });
    const [job] = await claimJobs(prisma(), workerId, [kind], 30_000, 1);
    return { sessionId: session.id, lease: { jobId: job.id, workerId, attempt: job.attempts } };
  }
  const question = (toolCallId = 'toolu_1'): PendingQuestion => ({ toolCallId, question: 'Which?', choices: ['A', 'B'], askedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() });

  it('stores messages in order with the last event seq, and nothing without the lease', async () => {
    const a = await runningSession('worker-a');
    await appendSessionMessagesFenced(prisma(), a.sessionId, a.lease, [
      { role: 'assistant', content: [{ type: 'text', text: 'one' }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 't', content: 'ok' }] },
    ]);
    await appendSessionMessagesFenced(prisma(), a.sessionId, a.lease, [{ role: 'assistant', content: [{ type: 'text', text: 'two' }] }]);
    const stored = await prisma().sessionMessage.findMany({ where: { sessionId: a.sessionId }, orderBy: { seq: 'asc' } });
    expect(stored.map((message) => [message.seq, message.role, message.eventSeq])).toEqual([
      [1, 'assistant', 1],
      [2, 'user', 1],
      [3, 'assistant', 1],
    ]);
    // A NUL (a model's tool call may carry one) is kept as U+FFFD: jsonb refuses it.
    await appendSessionMessagesFenced(prisma(), a.sessionId, a.lease, [{ role: 'assistant', content: [{ type: 'tool_call', id: 't', name: 'write_file', input: { content: 'Hi\u0000 and \\u0000' } }] }]);
    expect((await readSessionMessages(prisma(), a.sessionId)).at(-1)!.content).toEqual([{ type: 'tool_call', id: 't', name: 'write_file', input: { content: 'Hi\ufffd and \\u0000' } }]);
    await completeJob(prisma(), a.lease.jobId, 'worker-a');
    await expect(appendSessionMessagesFenced(prisma(), a.sessionId, a.lease, [{ role: 'assistant', content: [] }])).rejects.toBeInstanceOf(LeaseLostError);
    expect(await readSessionMessages(prisma(), a.sessionId)).toHaveLength(4);
  });

  it('makes the session wait and releases its job in one statement, only under the lease; the answer takes that very question once', async () => {
    const a = await runningSession('worker-a');
    const stale = { ...a.lease, workerId: 'worker-stale' };
    await expect(waitForAnswerFenced(prisma(), a.sessionId, stale, question())).rejects.toBeInstanceOf(LeaseLostError);
    expect((await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } })).status).toBe('running');

    const asked = await waitForAnswerFenced(prisma(), a.sessionId, a.lease, question());
    expect(asked).toMatchObject({ seq: 2, type: 'question', payload: { question: 'Which?', choices: ['A', 'B'] } });
    const job = await prisma().job.findUniqueOrThrow({ where: { id: a.lease.jobId } });
    // Released (no holder) with its attempt given back to the error budget, not off the fencing token.
    expect(job).toMatchObject({ status: 'waiting', lockedBy: null, lockedUntil: null, attempts: 1, maxAttempts: 4 });
    const kind = `questions-${a.sessionId}`;
    expect(await claimJobs(prisma(), 'worker-b', [kind], 30_000, 1)).toEqual([]);

    expect(await answerWaitingSession(prisma(), a.sessionId, 'toolu_other', 'A')).toBeNull();
    const answered = await answerWaitingSession(prisma(), a.sessionId, 'toolu_1', 'A');
    expect(answered).toMatchObject({ seq: 3, type: 'status', payload: { status: 'queued', step: 'answered', message: 'A' } });
    expect(await answerWaitingSession(prisma(), a.sessionId, 'toolu_1', 'B')).toBeNull();
    const session = await prisma().session.findUniqueOrThrow({ where: { id: a.sessionId } });
    expect(session).toMatchObject({ status: 'queued', pendingQuestion: null, questionAskedAt: null, lastSeq: 3 });
    expect((await readSessionMessages(prisma(), a.sessionId)).map((message) => message.content)).toEqual([[{ type: 'tool_result', toolCallId: 'toolu_1', content: 'A' }]]);
    // Queued again: the next claim is a new attempt.
    const [next] = await claimJobs(prisma(), 'worker-b', [kind], 30_000, 1);
    expect(next).toMatchObject({ id: a.lease.jobId, attempts: 2 });
  });

  it('takes exactly one of many answers sent at once, and none after a cancel took the job', async () => {
    const a = await runningSession('worker-a');
    await waitForAnswerFenced(prisma(), a.sessionId, a.lease, question());
    const answers = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((answer) => answerWaitingSession(prisma(), a.sessionId, 'toolu_1', answer)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await prisma().sessionMessage.count({ where: { sessionId: a.sessionId } })).toBe(1);
    expect((await prisma().sessionEvent.findMany({ where: { sessionId: a.sessionId } })).map((event) => event.seq)).toEqual([1, 2, 3]);

    const b = await runningSession('worker-b');
    await waitForAnswerFenced(prisma(), b.sessionId, b.lease, question());
    const [cancelled, answered] = await Promise.all([cancelUnclaimedSession(prisma(), b.sessionId), answerWaitingSession(prisma(), b.sessionId, 'toolu_1', 'A')]);
    // Either order is fine, never both ways: cancelled first (no answer), or answered then cancelled (queued → cancelled).
    expect(cancelled).not.toBeNull();
    const session = await prisma().session.findUniqueOrThrow({ where: { id: b.sessionId } });
    expect(session.status).toBe('cancelled');
    expect((await prisma().job.findUniqueOrThrow({ where: { id: b.lease.jobId } })).status).toBe('cancelled');
    expect(await prisma().sessionMessage.count({ where: { sessionId: b.sessionId } })).toBe(answered ? 1 : 0);
  });

  it('expires a question past its time (cancelled, QUESTION_EXPIRED), and not one still in time', async () => {
    const late = await runningSession('worker-a');
    const fresh = await runningSession('worker-a');
    await waitForAnswerFenced(prisma(), late.sessionId, late.lease, question());
    await waitForAnswerFenced(prisma(), fresh.sessionId, fresh.lease, question());
    await prisma().session.update({ where: { id: late.sessionId }, data: { questionAskedAt: new Date(Date.now() - 2 * 3_600_000) } });

    const ended = await expireUnansweredQuestions(prisma(), 3_600_000);
    expect(ended.map((event) => [event.sessionId, event.type])).toEqual([[late.sessionId, 'done']]);
    expect(await prisma().session.findUniqueOrThrow({ where: { id: late.sessionId } })).toMatchObject({ status: 'cancelled', error: { code: 'QUESTION_EXPIRED', message: expect.stringContaining('within 1 h') } });
    expect((await prisma().job.findUniqueOrThrow({ where: { id: late.lease.jobId } })).status).toBe('cancelled');
    expect((await prisma().session.findUniqueOrThrow({ where: { id: fresh.sessionId } })).status).toBe('waiting_for_input');
    // Expired: it cannot be answered any more.
    expect(await answerWaitingSession(prisma(), late.sessionId, 'toolu_1', 'A')).toBeNull();
    expect(await expireUnansweredQuestions(prisma(), 3_600_000)).toEqual([]);
  });
});
