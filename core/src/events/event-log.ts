import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { PubSub } from '../pubsub.js';
import { sessionEventsChannel, type NewSessionEvent, type SessionEvent } from './event-types.js';
import { SessionKind } from '../generated/prisma/enums.js';
import { webhookEventsFor, type WebhookEventType } from './webhook-events.js';

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
      WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND attempts = ${lease.attempt}
        AND status = 'running' AND locked_until >= now()
      FOR UPDATE
    ), next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now()
      WHERE id = ${sessionId}::uuid AND EXISTS (SELECT 1 FROM lease)
      RETURNING ${NEXT_COLUMNS}
    )${outbox(event)}
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
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now() WHERE id = ${sessionId}::uuid RETURNING ${NEXT_COLUMNS}
    )${outbox(event)}
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, 0, now() FROM next
    RETURNING seq, created_at`;
  if (!rows[0]) throw new Error(`Session ${sessionId} does not exist`);
  return toEvent(sessionId, event, rows[0]);
}

const NEXT_COLUMNS = Prisma.sql`last_seq, id, tenant_id, mode, project_id, kind, external_user_id`;

/**
 * The webhook outbox, as part of the same statement as the event: one delivery row per enabled
 * endpoint of the session's tenant and mode that subscribes to the webhook event, with a stable
 * event id (`evt_<session>_<seq>_<n>`) and the exact JSON body to send. A webhook event raised only
 * by some session kinds (export.succeeded) is written only when `next.kind` is one of them.
 */
function outbox(event: NewSessionEvent): Prisma.Sql {
  const types = webhookOutboxTypes(event);
  if (types.length === 0) return Prisma.empty;
  const fragments = types.map(
    ({ type, kinds }, index) => Prisma.sql`
    , outbox_${Prisma.raw(String(index))} AS (
      INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, payload)
      SELECT e.tenant_id, e.id, ev.event_id, ${type}::text,
        jsonb_build_object(
          'id', ev.event_id, 'type', ${type}::text, 'created', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'livemode', next.mode = 'live',
          'data', ${JSON.stringify(event.payload)}::jsonb || jsonb_build_object(
            'sessionId', ${globalId('Session', Prisma.sql`next.id`)},
            'projectId', ${globalId('Project', Prisma.sql`next.project_id`)},
            'sessionKind', next.kind::text, 'externalUserId', next.external_user_id, 'seq', next.last_seq))
      FROM next
      CROSS JOIN LATERAL (SELECT 'evt_' || replace(next.id::text, '-', '') || '_' || next.last_seq || '_' || ${String(index)}::text AS event_id) ev
      JOIN webhook_endpoints e ON e.tenant_id = next.tenant_id AND e.mode = next.mode AND e.enabled AND ${type}::text = ANY(e.events)
      ${kinds ? Prisma.sql`WHERE next.kind::text = ANY(${kinds}::text[])` : Prisma.empty}
    )`,
  );
  return Prisma.join(fragments, '');
}

/** The webhook events `event` raises for any session kind; `kinds` lists the kinds when not all of them do. */
function webhookOutboxTypes(event: NewSessionEvent): Array<{ type: WebhookEventType; kinds: string[] | null }> {
  const allKinds = Object.values(SessionKind);
  const byType = new Map<WebhookEventType, string[]>();
  for (const kind of allKinds) {
    for (const type of webhookEventsFor(event, kind)) byType.set(type, [...(byType.get(type) ?? []), kind]);
  }
  return [...byType].map(([type, kinds]) => ({ type, kinds: kinds.length === allKinds.length ? null : kinds }));
}

/** The global id of a uuid column, as `encodeId` makes it (base64url of `Type:uuid`, no padding). */
function globalId(typename: string, column: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`translate(rtrim(encode(convert_to(${`${typename}:`}::text || ${column}::text, 'UTF8'), 'base64'), '='), '+/', '-_')`;
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
