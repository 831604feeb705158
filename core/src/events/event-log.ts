import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { PubSub } from '../pubsub.js';
import { sessionEventsChannel, type NewSessionEvent, type SessionEvent } from './event-types.js';

type Client = Pick<PrismaClient, '$queryRaw'> | Prisma.TransactionClient;

/** The lease an appender must hold: fencing for events written by a worker. */
export interface Lease {
  jobId: string;
  workerId: string;
  attempt: number;
}

/** The worker lost its job's lease (it stalled and another worker took over): it must stop. */
export class LeaseLostError extends Error {
  constructor(readonly jobId: string) {
    super(`Lost the lease of job ${jobId}; another worker owns it now`);
    this.name = 'LeaseLostError';
  }
}

interface InsertedRow {
  seq: number;
  created_at: Date;
}

/**
 * appendFencedEvent: gives the event the session's next seq and writes it, only while `lease` is
 * held: the lease check, the seq increment and the insert are one statement, so a stalled worker
 * whose lease expired writes nothing, and seqs never repeat or skip.
 */
export async function appendFencedEvent(client: Client, sessionId: string, lease: Lease, event: NewSessionEvent): Promise<SessionEvent> {
  const rows = await client.$queryRaw<InsertedRow[]>`
    WITH lease AS (
      SELECT 1 FROM jobs
      WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND status = 'running' AND locked_until >= now()
      FOR UPDATE
    ), next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now()
      WHERE id = ${sessionId}::uuid AND EXISTS (SELECT 1 FROM lease)
      RETURNING last_seq
    )
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, ${lease.attempt}, now() FROM next
    RETURNING seq, created_at`;
  if (!rows[0]) throw new LeaseLostError(lease.jobId);
  return toEvent(sessionId, event, rows[0]);
}

/**
 * appendEvent: the same without a lease, for events the API writes itself (a session's first event,
 * the end of a session cancelled before any worker took it), inside the caller's transaction.
 */
export async function appendEvent(client: Client, sessionId: string, event: NewSessionEvent): Promise<SessionEvent> {
  const rows = await client.$queryRaw<InsertedRow[]>`
    WITH next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now() WHERE id = ${sessionId}::uuid RETURNING last_seq
    )
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, 0, now() FROM next
    RETURNING seq, created_at`;
  if (!rows[0]) throw new Error(`Session ${sessionId} does not exist`);
  return toEvent(sessionId, event, rows[0]);
}

function toEvent(sessionId: string, event: NewSessionEvent, row: InsertedRow): SessionEvent {
  return { sessionId, seq: Number(row.seq), type: event.type, at: new Date(row.created_at).toISOString(), payload: event.payload } as SessionEvent;
}

/** Events after `afterSeq`, in order, at most `limit`. */
export async function readEvents(prisma: PrismaClient, sessionId: string, afterSeq: number, limit = 500): Promise<SessionEvent[]> {
  const rows = await prisma.sessionEvent.findMany({
    where: { sessionId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  return rows.map(
    (row) => ({ sessionId, seq: row.seq, type: row.type, at: row.createdAt.toISOString(), payload: row.payload }) as SessionEvent,
  );
}

/** Announces committed events to live subscribers (after the commit: a subscriber may read the row). */
export async function publishEvents(pubsub: PubSub, events: readonly SessionEvent[]): Promise<void> {
  for (const event of events) await pubsub.publish(sessionEventsChannel(event.sessionId), JSON.stringify(event));
}
