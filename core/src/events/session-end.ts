import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { SessionKind, SessionStatus } from '../generated/prisma/enums.js';
import { snapshotSessionFilesSql } from '../files/project-files.js';
import { cancelQueuedJobSql } from '../queue/cancel-queued-job.js';
import { endJobSql } from '../queue/job-queue.js';
import { attemptUsageSql, isBillable } from '../usage/attempt-usage.js';
import { appendEventIf, appendFencedEvent, type Lease } from './event-log.js';
import { EMPTY_USAGE, type SessionEvent, type SessionUsage } from './event-types.js';
import { SESSION_OPEN_STATUSES, type SessionEndStatus } from '../session-status.js';

export interface SessionEndOptions {
  session: { id: string; tenantId: string; mode: 'live' | 'test'; projectId: string; externalUserId: string | null; kind: SessionKind };
  lease: Lease;
  status: SessionEndStatus;
  usage: SessionUsage;
  error?: { code: string; message: string };
  /** Kind-specific results for `done` (an export's repository and commit). */
  result?: Record<string, unknown>;
  /** The model the attempt's tokens were priced at and whether they ran on the tenant's own key. */
  billing?: { model: string | null; byok: boolean };
}

/**
 * endSessionFenced: everything that ends a session, in ONE statement that writes only while the lease
 * is held: `done` (and its webhook outbox rows), the session row's end (status, endedAt, usage,
 * error), the snapshot of the project's files, the day's usage counters and the job's end (dead with
 * the error when the session failed). One round trip, no transaction held open across several; and
 * nothing can be appended after it, since the job no longer holds a lease.
 */
export async function endSessionFenced(client: PrismaClient | Prisma.TransactionClient, options: SessionEndOptions): Promise<SessionEvent> {
  const { session, lease, status, error, result } = options;
  const held = Prisma.sql`EXISTS (SELECT 1 FROM next)`;
  const snapshot = snapshotSessionFilesSql(session.id, session.projectId, held);
  const billable = isBillable(status, error?.code);
  const byok = options.billing?.byok ?? false;
  const usage = { ...options.usage, billable, byok };
  const attempt = attemptUsageSql(
    { session, attempt: lease.attempt, outcome: status, billable, byok, model: options.billing?.model ?? null, usage, ends: true },
    held,
  );
  const job = endJobSql(lease, status === 'failed' ? { status: 'dead', error: error?.message ?? 'failed' } : { status }, held);
  return appendFencedEvent(
    client,
    session.id,
    lease,
    { type: 'done', payload: { status, usage: { ...usage }, ...(error ? { error } : {}), ...(result ? { result } : {}) } },
    {
      session: { status, stamp: true, usage: { ...usage }, error },
      also: [
        Prisma.sql`snapshot_gone AS (${snapshot.gone})`,
        Prisma.sql`snapshot AS (${snapshot.upsert})`,
        Prisma.sql`attempt_usage AS (${attempt.row})`,
        Prisma.sql`usage AS (${attempt.daily})`,
        Prisma.sql`job_end AS (${job})`,
      ],
    },
  );
}

type Client = PrismaClient | Prisma.TransactionClient;

/** The session row has not ended (by anyone else): the guard of every end without a lease. A session waiting for an answer has not. */
const stillActive = Prisma.sql`status IN (${Prisma.join(SESSION_OPEN_STATUSES.map((status) => Prisma.sql`${status}::"SessionStatus"`))})`;

/**
 * endSessionUnleased: the end of a session that no worker holds, in one statement: `done` (and its
 * webhook outbox rows) and the session row's end (status, endedAt, usage, error), written only while
 * the session is still active and `onlyIf` holds. Nothing fences it but the session's own status, so
 * it is for sessions whose job no worker can write to any more; returns null when it wrote nothing.
 */
async function endSessionUnleased(
  client: Client,
  sessionId: string,
  end: { status: SessionEndStatus; error?: { code: string; message: string } },
  guard: { before?: Prisma.Sql[]; onlyIf?: Prisma.Sql } = {},
): Promise<SessionEvent | null> {
  const usage = { ...EMPTY_USAGE };
  return appendEventIf(
    client,
    sessionId,
    { type: 'done', payload: { status: end.status, usage, ...(end.error ? { error: end.error } : {}) } },
    {
      session: { status: end.status, stamp: true, usage, error: end.error },
      before: guard.before,
      onlyIf: guard.onlyIf ? Prisma.sql`${stillActive} AND ${guard.onlyIf}` : stillActive,
    },
  );
}

/**
 * cancelUnclaimedSession: a cancel that no worker will hear, because no worker holds the session's
 * job (queued, waiting for a retry, or waiting for its end user's answer): the job is cancelled and the session ends as cancelled with
 * its `done`, in one statement. Returns null (and changes nothing) when a worker holds the job: that
 * worker ends the session when it hears the cancel.
 */
export function cancelUnclaimedSession(client: Client, sessionId: string): Promise<SessionEvent | null> {
  return endSessionUnleased(
    client,
    sessionId,
    { status: 'cancelled' },
    { before: [Prisma.sql`cancelled_job AS (${cancelQueuedJobSql(sessionId)})`], onlyIf: Prisma.sql`EXISTS (SELECT 1 FROM cancelled_job)` },
  );
}

/**
 * failSessionWorkerLost: the end of a session whose job markExpiredJobsDead ended (it lost its
 * worker as often as the budget allows): failed with code WORKER_LOST. The job is dead, so no worker
 * writes to the session any more; a session already ended is left as it is (null).
 */
export function failSessionWorkerLost(client: Client, sessionId: string, message: string): Promise<SessionEvent | null> {
  return endSessionUnleased(client, sessionId, { status: 'failed', error: { code: 'WORKER_LOST', message } });
}

/**
 * expireWaitingSession: the end of a session whose question went unanswered past its time
 * (EVERJUST_QUESTION_TTL_MS): its waiting job is cancelled and the session ends `cancelled` with
 * QUESTION_EXPIRED, in one statement. Null when it was answered or cancelled first: the job's row lock
 * orders this against answerSession, so exactly one of them takes the question.
 */
export function expireWaitingSession(client: Client, sessionId: string, message: string): Promise<SessionEvent | null> {
  return endSessionUnleased(
    client,
    sessionId,
    { status: 'cancelled', error: { code: 'QUESTION_EXPIRED', message } },
    {
      before: [Prisma.sql`expired_job AS (${cancelQueuedJobSql(sessionId, 'waiting')})`],
      onlyIf: Prisma.sql`status = 'waiting_for_input' AND EXISTS (SELECT 1 FROM expired_job)`,
    },
  );
}
