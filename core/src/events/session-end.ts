import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { SessionKind } from '../generated/prisma/enums.js';
import { snapshotSessionFilesSql } from '../files/project-files.js';
import { endJobSql } from '../queue/job-queue.js';
import { recordUsageSql } from '../usage/usage.js';
import { appendFencedEvent, type Lease } from './event-log.js';
import type { SessionEvent, SessionUsage } from './event-types.js';
import type { SessionEndStatus } from '../session-status.js';

export interface SessionEndOptions {
  session: { id: string; tenantId: string; mode: 'live' | 'test'; projectId: string; externalUserId: string | null; kind: SessionKind };
  lease: Lease;
  status: SessionEndStatus;
  usage: SessionUsage;
  error?: { code: string; message: string };
  /** Kind-specific results for `done` (an export's repository and commit). */
  result?: Record<string, unknown>;
}

/**
 * endSessionFenced: everything that ends a session, in ONE statement that writes only while the lease
 * is held: `done` (and its webhook outbox rows), the session row's end (status, endedAt, usage,
 * error), the snapshot of the project's files, the day's usage counters and the job's end (dead with
 * the error when the session failed). One round trip, no transaction held open across several; and
 * nothing can be appended after it, since the job no longer holds a lease.
 */
export async function endSessionFenced(client: PrismaClient | Prisma.TransactionClient, options: SessionEndOptions): Promise<SessionEvent> {
  const { session, lease, status, usage, error, result } = options;
  const held = Prisma.sql`EXISTS (SELECT 1 FROM next)`;
  const snapshot = snapshotSessionFilesSql(session.id, session.projectId, held);
  const usageSql = recordUsageSql(
    {
      tenantId: session.tenantId,
      mode: session.mode,
      projectId: session.projectId,
      externalUserId: session.externalUserId,
      generations: session.kind === 'generate' ? 1 : 0,
      ...usage,
    },
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
        Prisma.sql`usage AS (${usageSql})`,
        Prisma.sql`job_end AS (${job})`,
      ],
    },
  );
}
