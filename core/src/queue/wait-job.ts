import { Prisma } from '../generated/prisma/client.js';
import type { Lease } from '../events/event-log.js';

/**
 * waitJobSql: the job of a session that now waits for its end user's answer leaves its worker without
 * ending: `waiting`, held by nobody, claimed by no one (claimJobs takes only `queued`) until
 * resumeWaitingJobSql queues it again. As a CTE of the fenced statement that appends the `question`.
 * The attempt is given back to its error budget (max_attempts + 1, as many attempts as before remain)
 * rather than taken off `attempts`: the fencing token and the per-attempt usage rows stay unique, so the
 * attempt after the answer is a new one.
 * Invariant: only the holder of that very attempt (worker and attempt) makes it wait, and only when
 * `onlyIf` holds (the statement's lease check).
 */
export function waitJobSql(lease: Lease, onlyIf: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    UPDATE jobs SET status = 'waiting', max_attempts = max_attempts + 1, locked_by = NULL, locked_until = NULL, updated_at = now()
    WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND attempts = ${lease.attempt} AND status = 'running' AND ${onlyIf}
    RETURNING id`;
}

/**
 * resumeWaitingJobSql: the answer's side: the session's waiting job is queued again, ready at once,
 * when `onlyIf` holds (the session still waits on the question answered), as a CTE of the statement
 * that records the answer (answerWaitingSession); it returns the job's id.
 * Invariant: `status = 'waiting'` is checked under the row's lock, so of two answers (or an answer, a
 * cancel and an expiry) at the same time exactly one finds the job waiting; the others change nothing.
 */
export function resumeWaitingJobSql(sessionId: string, onlyIf: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    UPDATE jobs SET status = 'queued', run_at = now(), updated_at = now()
    WHERE session_id = ${sessionId}::uuid AND status = 'waiting' AND ${onlyIf}
    RETURNING id`;
}
