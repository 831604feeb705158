import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { sessionMessageInsertSql } from '../conversation/session-messages.js';
import { resumeWaitingJobSql, waitJobSql } from '../queue/wait-job.js';
import { appendEventIf, appendFencedEvent, type Lease, type PendingQuestion } from './event-log.js';
import type { SessionEvent } from './event-types.js';
import { expireWaitingSession } from './session-end.js';

type Client = Parameters<typeof appendFencedEvent>[0];

/**
 * waitForAnswerFenced: a session's model asked its end user a question. In ONE statement, only while
 * `lease` is held: the `question` event (and its `session.waiting_for_input` webhook rows), the
 * session `waiting_for_input` with its pending question, and its job `waiting` (released by its
 * worker, holding no slot). Throws LeaseLostError when the lease is gone.
 */
export function waitForAnswerFenced(client: Client, sessionId: string, lease: Lease, question: PendingQuestion): Promise<SessionEvent> {
  return appendFencedEvent(
    client,
    sessionId,
    lease,
    { type: 'question', payload: { question: question.question, choices: question.choices, askedAt: question.askedAt, expiresAt: question.expiresAt } },
    {
      session: { status: 'waiting_for_input', question },
      also: [Prisma.sql`job_wait AS (${waitJobSql(lease, Prisma.sql`EXISTS (SELECT 1 FROM next)`)})`],
    },
  );
}

/**
 * answerWaitingSession: the end user's answer to the question `toolCallId`, in ONE statement: the job
 * queued again, the session back to `queued` with no pending question, the answer stored as that
 * tool call's result at the end of the session's conversation, and a `status` event (step
 * `answered`). Written only when the session still waits on that very question and its job still
 * waits: of two answers at the same time exactly one is written (the job row's lock orders them);
 * null for the other, and for a session that is not waiting.
 */
export function answerWaitingSession(client: Client, sessionId: string, toolCallId: string, answer: string): Promise<SessionEvent | null> {
  const held = Prisma.sql`EXISTS (SELECT 1 FROM next)`;
  // The job row is locked first, as cancels and expiries lock it (one order: no deadlock between them);
  // a second answer waits on it for the first to commit, then finds the job no longer waiting.
  const waiting = Prisma.sql`status = 'waiting_for_input' AND pending_question->>'toolCallId' = ${toolCallId}`;
  return appendEventIf(
    client,
    sessionId,
    { type: 'status', payload: { status: 'queued', step: 'answered', message: answer } },
    {
      before: [
        Prisma.sql`resumed_job AS (${resumeWaitingJobSql(sessionId, Prisma.sql`EXISTS (SELECT 1 FROM sessions WHERE id = ${sessionId}::uuid AND ${waiting})`)})`,
      ],
      onlyIf: Prisma.sql`${waiting} AND EXISTS (SELECT 1 FROM resumed_job)`,
      session: { status: 'queued', question: null },
      also: [
        Prisma.sql`answer_message AS (${sessionMessageInsertSql(sessionId, { role: 'user', content: [{ type: 'tool_result', toolCallId, content: answer }] }, held)})`,
      ],
    },
  );
}

/** Sessions whose questions expired, ended per reaper pass at most. */
const EXPIRED_PER_PASS = 100;

/**
 * expireUnansweredQuestions (the reaper's): sessions that waited for an answer longer than `ttlMs`
 * end `cancelled` with QUESTION_EXPIRED (expireWaitingSession, one statement each, which an answer
 * that commits first wins). Returns the `done` events written, to publish.
 */
export async function expireUnansweredQuestions(client: PrismaClient, ttlMs: number): Promise<SessionEvent[]> {
  const rows = await client.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM sessions
    WHERE status = 'waiting_for_input' AND question_asked_at < now() - make_interval(secs => ${ttlMs / 1000})
    ORDER BY question_asked_at LIMIT ${EXPIRED_PER_PASS}`;
  const ended: SessionEvent[] = [];
  const hours = Math.round((ttlMs / 3_600_000) * 10) / 10;
  for (const { id } of rows) {
    const done = await expireWaitingSession(client, id, `The question was not answered within ${hours >= 1 ? `${hours} h` : `${Math.round(ttlMs / 1000)} s`} (EVERJUST_QUESTION_TTL_MS): the session was cancelled`);
    if (done) ended.push(done);
  }
  return ended;
}
