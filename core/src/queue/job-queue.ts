import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

/**
 * The durable job queue on PostgreSQL (or PGlite): each operation is one SQL statement, named and
 * commented with the invariant it keeps (after graphile-worker).
 */
export interface ClaimedJob {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  sessionId: string | null;
  attempts: number;
  maxAttempts: number;
  lockedBy: string;
  lockedUntil: Date;
}

type Client = Pick<PrismaClient, '$queryRaw' | '$executeRaw'> | Prisma.TransactionClient;

interface JobRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  session_id: string | null;
  attempts: number;
  max_attempts: number;
  locked_by: string;
  locked_until: Date;
}

const toClaimed = (row: JobRow): ClaimedJob => ({
  id: row.id,
  kind: row.kind,
  payload: row.payload,
  sessionId: row.session_id,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  lockedBy: row.locked_by,
  lockedUntil: row.locked_until,
});

/** Adds a job, inside the caller's transaction when given one (a session and its job commit together). */
export async function enqueueJob(
  client: Pick<PrismaClient, 'job'> | Prisma.TransactionClient,
  job: { kind: string; payload?: Record<string, unknown>; sessionId?: string; maxAttempts: number; runAt?: Date },
): Promise<string> {
  const created = await client.job.create({
    data: {
      kind: job.kind,
      payload: (job.payload ?? {}) as Prisma.InputJsonObject,
      sessionId: job.sessionId ?? null,
      maxAttempts: job.maxAttempts,
      runAt: job.runAt ?? new Date(),
    },
    select: { id: true },
  });
  return created.id;
}

/**
 * A lease is the worker AND the attempt: a worker that stalled past its lease and then claimed its
 * own job again must not keep writing from the stale run.
 */
const attemptIs = (attempt: number | undefined) => (attempt === undefined ? Prisma.empty : Prisma.sql`AND attempts = ${attempt}`);

/**
 * claimJobs: takes up to `limit` of the oldest ready jobs, or ones whose lease expired (their worker
 * died or stalled), for `workerId` under a lease of `leaseMs`, and counts the attempt: one statement
 * however many jobs a worker has room for.
 * Invariant: FOR UPDATE SKIP LOCKED means two workers never claim the same row; a job whose lease
 * expired after its last attempt is never claimed again (markExpiredJobsDead ends it).
 */
export async function claimJobs(client: Client, workerId: string, kinds: readonly string[], leaseMs: number, limit: number): Promise<ClaimedJob[]> {
  const rows = await client.$queryRaw<Array<JobRow & { run_at: Date }>>`
    UPDATE jobs SET status = 'running', locked_by = ${workerId},
      locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
      attempts = attempts + 1, updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE kind = ANY(${kinds as string[]}::text[])
        AND ((status = 'queued' AND run_at <= now())
          OR (status = 'running' AND locked_until < now() AND attempts < max_attempts))
      ORDER BY run_at, id
      FOR UPDATE SKIP LOCKED
      LIMIT ${limit})
    RETURNING id, kind, payload, session_id, attempts, max_attempts, locked_by, locked_until, run_at`;
  return rows.sort((a, b) => a.run_at.getTime() - b.run_at.getTime()).map(toClaimed);
}

/** claimJobs for one job. */
export async function claimJob(client: Client, workerId: string, kinds: readonly string[], leaseMs: number): Promise<ClaimedJob | null> {
  return (await claimJobs(client, workerId, kinds, leaseMs, 1))[0] ?? null;
}

/**
 * renewLease (the heartbeat): extends the lease only while `workerId` still holds it.
 * Returns false when the lease was lost (expired and taken by another worker, or the job ended):
 * the worker must then stop and write nothing.
 */
export async function renewLease(client: Client, jobId: string, workerId: string, leaseMs: number, attempt?: number): Promise<boolean> {
  const updated = await client.$executeRaw`
    UPDATE jobs SET locked_until = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
    WHERE id = ${jobId}::uuid AND locked_by = ${workerId} AND status = 'running' AND locked_until >= now() ${attemptIs(attempt)}`;
  return updated === 1;
}

/** completeJob: ends a job its worker still holds; returns false if the lease was lost. */
export async function completeJob(
  client: Client,
  jobId: string,
  workerId: string,
  status: 'succeeded' | 'cancelled' = 'succeeded',
  attempt?: number,
): Promise<boolean> {
  const updated = await client.$executeRaw`
    UPDATE jobs SET status = ${status}::"JobStatus", locked_by = NULL, locked_until = NULL, updated_at = now()
    WHERE id = ${jobId}::uuid AND locked_by = ${workerId} AND status = 'running' ${attemptIs(attempt)}`;
  return updated === 1;
}

/** A job that will not run again keeps none of the secrets it carried for its run. */
const CLEAR_JOB_SECRETS = Prisma.sql`payload = payload - 'sealedToken'`;

/**
 * endJobSql: the end of a job its worker still holds, as a CTE of a larger fenced statement (the one
 * that appends a session's `done`): succeeded or cancelled, or dead with its error (a failure that is
 * not retried). Written only when `onlyIf` holds. A secret the job carried for its run (an export's
 * `sealedToken`) goes with it: the API keeps a per-call token only until the session ends.
 */
export function endJobSql(
  lease: { jobId: string; workerId: string; attempt: number },
  end: { status: 'succeeded' | 'cancelled' } | { status: 'dead'; error: string },
  onlyIf: Prisma.Sql = Prisma.sql`true`,
): Prisma.Sql {
  const lastError = end.status === 'dead' ? Prisma.sql`, last_error = ${end.error.slice(0, 10_000)}` : Prisma.empty;
  return Prisma.sql`
    UPDATE jobs SET status = ${end.status}::"JobStatus", locked_by = NULL, locked_until = NULL, updated_at = now(), ${CLEAR_JOB_SECRETS}${lastError}
    WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND status = 'running' ${attemptIs(lease.attempt)} AND ${onlyIf}`;
}

/**
 * failJob: a failed attempt goes back to the queue after an exponential backoff
 * (`backoffBaseMs` × 2^(attempts-1)), or to `dead` with its error kept after the last attempt
 * or when the error is not retryable. Only the lease holder can fail a job.
 */
export async function failJob(
  client: Client,
  jobId: string,
  workerId: string,
  error: string,
  options: { retryable: boolean; backoffBaseMs: number; attempt?: number },
): Promise<'retrying' | 'dead' | 'lost'> {
  const rows = await client.$queryRaw<{ status: string }[]>`
    UPDATE jobs SET
      status = CASE WHEN ${options.retryable} AND attempts < max_attempts THEN 'queued'::"JobStatus" ELSE 'dead'::"JobStatus" END,
      run_at = now() + make_interval(secs => ${options.backoffBaseMs / 1000} * power(2, attempts - 1)),
      last_error = ${error.slice(0, 10_000)}, locked_by = NULL, locked_until = NULL, updated_at = now()
    WHERE id = ${jobId}::uuid AND locked_by = ${workerId} AND status = 'running' ${attemptIs(options.attempt)}
    RETURNING status::text`;
  if (!rows[0]) return 'lost';
  return rows[0].status === 'queued' ? 'retrying' : 'dead';
}

/**
 * markExpiredJobsDead: a job whose lease expired on its last attempt is dead, not claimable
 * (claimJob skips it). Returns those jobs so their sessions can be ended as failed.
 */
export async function markExpiredJobsDead(client: Client): Promise<{ id: string; sessionId: string | null }[]> {
  const rows = await client.$queryRaw<{ id: string; session_id: string | null }[]>`
    UPDATE jobs SET status = 'dead', last_error = coalesce(last_error, 'lease expired on the last attempt'),
      locked_by = NULL, locked_until = NULL, updated_at = now(), ${CLEAR_JOB_SECRETS}
    WHERE status = 'running' AND locked_until < now() AND attempts >= max_attempts
    RETURNING id, session_id`;
  return rows.map((row) => ({ id: row.id, sessionId: row.session_id }));
}

/** The queue depth: jobs ready to run now plus those running (the signal for scaling workers). */
export async function queueDepth(client: Client): Promise<{ ready: number; running: number; delayed: number }> {
  const rows = await client.$queryRaw<{ ready: bigint; running: bigint; delayed: bigint }[]>`
    SELECT
      count(*) FILTER (WHERE status = 'queued' AND run_at <= now()) AS ready,
      count(*) FILTER (WHERE status = 'running') AS running,
      count(*) FILTER (WHERE status = 'queued' AND run_at > now()) AS delayed
    FROM jobs WHERE status IN ('queued', 'running')`;
  const row = rows[0];
  return { ready: Number(row?.ready ?? 0), running: Number(row?.running ?? 0), delayed: Number(row?.delayed ?? 0) };
}
