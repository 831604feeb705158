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
  /** Claims so far, this one included: with `lockedBy`, the lease's fencing token. */
  attempts: number;
  /** Errors the job itself may raise; lost leases do not count (see hasAttemptsLeft). */
  maxAttempts: number;
  /** Earlier claims that ended with the lease expiring (their worker died or stalled). */
  leaseLosses: number;
  maxLeaseLosses: number;
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
  lease_losses: number;
  max_lease_losses: number;
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
  leaseLosses: row.lease_losses,
  maxLeaseLosses: row.max_lease_losses,
  lockedBy: row.locked_by,
  lockedUntil: row.locked_until,
});

/**
 * Adds a job, inside the caller's transaction when given one (a session and its job commit together).
 * Its budgets (errors, lost leases) are fixed here, so every worker judges it alike.
 */
export async function enqueueJob(
  client: Pick<PrismaClient, 'job'> | Prisma.TransactionClient,
  job: { kind: string; payload?: Record<string, unknown>; sessionId?: string; maxAttempts: number; maxLeaseLosses?: number; runAt?: Date },
): Promise<string> {
  const created = await client.job.create({
    data: {
      kind: job.kind,
      payload: (job.payload ?? {}) as Prisma.InputJsonObject,
      sessionId: job.sessionId ?? null,
      maxAttempts: job.maxAttempts,
      maxLeaseLosses: job.maxLeaseLosses,
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
 * however many jobs a worker has room for. Taking over an expired lease also counts a lease loss, so
 * the attempt the dead worker spent is not charged to the job's own errors (attempts − lease_losses).
 * Invariant: FOR UPDATE SKIP LOCKED means two workers never claim the same row; a job whose lease
 * loss would reach max_lease_losses is never claimed again (markExpiredJobsDead ends it).
 */
export async function claimJobs(client: Client, workerId: string, kinds: readonly string[], leaseMs: number, limit: number): Promise<ClaimedJob[]> {
  const rows = await client.$queryRaw<Array<JobRow & { run_at: Date }>>`
    UPDATE jobs SET status = 'running', locked_by = ${workerId},
      locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
      attempts = attempts + 1,
      lease_losses = lease_losses + CASE WHEN status = 'running' THEN 1 ELSE 0 END, updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE kind = ANY(${kinds as string[]}::text[])
        AND ((status = 'queued' AND run_at <= now())
          OR (status = 'running' AND locked_until < now() AND lease_losses + 1 < max_lease_losses))
      ORDER BY run_at, id
      FOR UPDATE SKIP LOCKED
      LIMIT ${limit})
    RETURNING id, kind, payload, session_id, attempts, max_attempts, lease_losses, max_lease_losses, locked_by, locked_until, run_at`;
  return rows.sort((a, b) => a.run_at.getTime() - b.run_at.getTime()).map(toClaimed);
}

/**
 * Whether a failed run of `job` may be retried: the attempts the job itself used (its claims less
 * those its workers lost) are under max_attempts. The same rule as failJob's, read by the worker
 * before it writes the session's `error` event.
 */
export function hasAttemptsLeft(job: Pick<ClaimedJob, 'attempts' | 'leaseLosses' | 'maxAttempts'>): boolean {
  return job.attempts - job.leaseLosses < job.maxAttempts;
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
export const CLEAR_JOB_SECRETS = Prisma.sql`payload = payload - 'sealedToken'`;

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
 * (`backoffBaseMs` × 2^(n-1), n the attempts the job itself used: claims less lost leases), or to
 * `dead` with its error kept after the last such attempt or when the error is not retryable. Only
 * the lease holder can fail a job.
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
      status = CASE WHEN ${options.retryable} AND attempts - lease_losses < max_attempts THEN 'queued'::"JobStatus" ELSE 'dead'::"JobStatus" END,
      run_at = now() + make_interval(secs => ${options.backoffBaseMs / 1000} * power(2, attempts - lease_losses - 1)),
      last_error = ${error.slice(0, 10_000)}, locked_by = NULL, locked_until = NULL, updated_at = now()
    WHERE id = ${jobId}::uuid AND locked_by = ${workerId} AND status = 'running' ${attemptIs(options.attempt)}
    RETURNING status::text`;
  if (!rows[0]) return 'lost';
  return rows[0].status === 'queued' ? 'retrying' : 'dead';
}

/**
 * markExpiredJobsDead: a job whose expired lease is its max_lease_losses-th lost lease keeps killing
 * (or stalling) the workers that run it, a poison job: it is dead, with that loss counted, and never
 * claimed again (claimJobs skips it). Returns those jobs so their sessions can be ended as failed
 * (WORKER_LOST). A job with lost leases to spare is left for claimJobs to take over.
 */
export async function markExpiredJobsDead(client: Client): Promise<{ id: string; sessionId: string | null; leaseLosses: number }[]> {
  const rows = await client.$queryRaw<{ id: string; session_id: string | null; lease_losses: number }[]>`
    UPDATE jobs SET status = 'dead', lease_losses = lease_losses + 1,
      last_error = 'lost its worker ' || (lease_losses + 1) || ' times (the lease expired each time)',
      locked_by = NULL, locked_until = NULL, updated_at = now(), ${CLEAR_JOB_SECRETS}
    WHERE status = 'running' AND locked_until < now() AND lease_losses + 1 >= max_lease_losses
    RETURNING id, session_id, lease_losses`;
  return rows.map((row) => ({ id: row.id, sessionId: row.session_id, leaseLosses: row.lease_losses }));
}

/**
 * queueDepth: the jobs ready to run now (queued, `run_at` come), those running, and those delayed
 * (queued for a retry whose backoff has not passed), over the whole queue in one statement: the
 * signal the worker autoscaler scales on (ready + running) and the API's `everjust_queue_depth`.
 * Invariant: each job is counted once, by the same `run_at <= now()` rule claimJobs uses, so a job
 * counted ready is one a worker could claim now; a running job whose lease expired stays running
 * (it still needs a worker: claimJobs takes it over).
 */
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
