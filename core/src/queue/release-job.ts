import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Lease } from '../events/event-log.js';

/**
 * releaseJob: a job its worker gives back unfinished (the worker is shutting down) goes back to the
 * queue, ready at once for another worker. The attempt is taken back (attempts − 1), so it spends
 * neither the job's error budget nor its lost-lease budget: stopping a worker is nobody's failure.
 * Invariant: only the holder of that very attempt releases it (worker and attempt, as every fenced
 * write); returns false when the lease was already lost, and then the job's new owner keeps it.
 */
export async function releaseJob(client: Pick<PrismaClient, '$executeRaw'> | Prisma.TransactionClient, lease: Lease): Promise<boolean> {
  const released = await client.$executeRaw`
    UPDATE jobs SET status = 'queued', attempts = greatest(attempts - 1, 0), run_at = now(),
      locked_by = NULL, locked_until = NULL, updated_at = now()
    WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND attempts = ${lease.attempt} AND status = 'running'`;
  return released === 1;
}
