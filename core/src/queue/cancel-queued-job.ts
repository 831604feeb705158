import { Prisma } from '../generated/prisma/client.js';
import { CLEAR_JOB_SECRETS } from './job-queue.js';

/**
 * cancelQueuedJobSql: the cancel of a session's job that no worker holds (queued: never claimed, or
 * waiting for a retry, or waiting for an answer), as a CTE of the statement that ends the session (cancelUnclaimedSession);
 * it returns the job's id when it cancelled one.
 * Invariant: `status IN ('queued', 'waiting')` is checked under the row's lock, so a claim that commits first wins
 * and the job is left running: its worker hears the cancel and ends the session itself. `only:
 * 'waiting'` takes only a job that waits for an answer (a question that expired).
 */
export function cancelQueuedJobSql(sessionId: string, only?: 'waiting'): Prisma.Sql {
  const statuses = only === 'waiting' ? Prisma.sql`('waiting')` : Prisma.sql`('queued', 'waiting')`;
  return Prisma.sql`
    UPDATE jobs SET status = 'cancelled', updated_at = now(), ${CLEAR_JOB_SECRETS}
    WHERE session_id = ${sessionId}::uuid AND status IN ${statuses}
    RETURNING id`;
}
