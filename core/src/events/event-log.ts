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

export interface InsertedRow {
  seq: number;
  created_at: Date;
}

/**
 * appendFencedEvent: gives the event the session's next seq and writes it, only while `lease` is
 * held: the lease check, the seq increment and the insert are one statement, so a stalled worker
 * whose lease expired writes nothing, and seqs never repeat or skip.
 */
export async function appendFencedEvent(
  client: Client,
  sessionId: string,
  lease: Lease,
  event: NewSessionEvent,
  options: {
    session?: SessionChange;
    /**
     * More work in the same statement, as named CTEs (`name AS (statement)`) that run only while the
     * lease is held: their statements should test `EXISTS (SELECT 1 FROM next)`.
     */
    also?: Prisma.Sql[];
  } = {},
): Promise<SessionEvent> {
  const rows = await client.$queryRaw<InsertedRow[]>`
    WITH lease AS (${leaseHeld(lease)}), next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now()${sessionChangeSet(options.session)}
      WHERE id = ${sessionId}::uuid AND EXISTS (SELECT 1 FROM lease)
      RETURNING ${NEXT_COLUMNS}
    )${outbox(event)}${options.also?.length ? Prisma.sql`, ${Prisma.join(options.also, ', ')}` : Prisma.empty}
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, ${lease.attempt}, now() FROM next
    RETURNING seq, created_at`;
  if (!rows[0]) throw new LeaseLostError(lease.jobId);
  return toEvent(sessionId, event, rows[0]);
}

/** A question the model asked its end user (ask_user), as kept on the session while it waits. */
export interface PendingQuestion {
  /** The model's tool call that asked it: the answer becomes that call's result. */
  toolCallId: string;
  question: string;
  choices: string[];
  askedAt: string;
  expiresAt: string;
}

/**
 * A change to the session row that goes with an event, written by the statement that appends it:
 * `running` with its start and model, or the end (status, usage, error) with `done`.
 */
export interface SessionChange {
  status?: 'queued' | 'running' | 'waiting_for_input' | 'succeeded' | 'failed' | 'cancelled';
  /** The question the session now waits on (pending_question and question_asked_at), or null: none any more. */
  question?: PendingQuestion | null;
  /** started_at (running) or ended_at (an end status) becomes the statement's time. */
  stamp?: boolean;
  model?: string;
  usage?: Record<string, number | boolean | undefined>;
  /** Kept as it was when absent. */
  error?: { code: string; message: string };
}

function sessionChangeSet(change: SessionChange | undefined): Prisma.Sql {
  if (!change) return Prisma.empty;
  const sets: Prisma.Sql[] = [];
  if (change.status) sets.push(Prisma.sql`status = ${change.status}::"SessionStatus"`);
  if (change.stamp) sets.push(change.status === 'running' ? Prisma.sql`started_at = now()` : Prisma.sql`ended_at = now()`);
  if (change.model !== undefined) sets.push(Prisma.sql`model = ${change.model}`);
  if (change.usage) sets.push(Prisma.sql`usage = ${JSON.stringify(change.usage)}::jsonb`);
  if (change.error) sets.push(Prisma.sql`error = ${JSON.stringify(change.error)}::jsonb`);
  if (change.question === null) sets.push(Prisma.sql`pending_question = NULL, question_asked_at = NULL`);
  else if (change.question) sets.push(Prisma.sql`pending_question = ${JSON.stringify(change.question)}::jsonb, question_asked_at = ${new Date(change.question.askedAt)}`);
  return sets.length === 0 ? Prisma.empty : Prisma.sql`, ${Prisma.join(sets, ', ')}`;
}

/** One event of a batch for `appendFencedEvents`. */
export interface FencedAppend {
  sessionId: string;
  lease: Lease;
  event: NewSessionEvent;
}

/**
 * appendFencedEvents: appendFencedEvent for many sessions in one statement (the worker's group commit:
 * one round trip for every session that had an event ready, instead of one each). Events raise no
 * webhooks here (`raisesWebhooks` is false for them); each is written only while its lease is held,
 * and a session's events in the batch get consecutive seqs in the order given. Returns, per item in
 * order, the written event or null when its lease was lost. Job rows are locked in id order, so two
 * batches cannot deadlock on them.
 */
export async function appendFencedEvents(client: Client, items: readonly FencedAppend[]): Promise<Array<SessionEvent | null>> {
  if (items.length === 0) return [];
  for (const item of items) {
    if (raisesWebhooks(item.event)) throw new Error(`appendFencedEvents: ${item.event.type} raises webhooks; append it with appendFencedEvent`);
  }
  const rows = await client.$queryRaw<Array<InsertedRow & { session_id: string; attempt: number }>>`
    WITH input AS (
      SELECT * FROM unnest(
        ${items.map((item) => item.sessionId)}::uuid[], ${items.map((item) => item.lease.jobId)}::uuid[],
        ${items.map((item) => item.lease.workerId)}::text[], ${items.map((item) => item.lease.attempt)}::int[],
        ${items.map((item) => item.event.type)}::text[], ${items.map((item) => JSON.stringify(item.event.payload))}::text[]
      ) WITH ORDINALITY AS input(session_id, job_id, worker_id, attempt, type, payload, ord)
    ), held AS (
      SELECT id, locked_by, attempts FROM jobs
      WHERE id IN (SELECT job_id FROM input) AND status = 'running' AND locked_until >= now()
      ORDER BY id
      FOR UPDATE
    ), valid AS (
      SELECT input.* FROM input JOIN held ON held.id = input.job_id AND held.locked_by = input.worker_id AND held.attempts = input.attempt
    ), counts AS (
      SELECT session_id, count(*)::int AS n FROM valid GROUP BY session_id
    ), next AS (
      UPDATE sessions SET last_seq = sessions.last_seq + counts.n, updated_at = now()
      FROM counts WHERE sessions.id = counts.session_id
      RETURNING sessions.id, sessions.last_seq - counts.n AS base
    )
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT valid.session_id, next.base + row_number() OVER (PARTITION BY valid.session_id ORDER BY valid.ord),
      valid.type, valid.payload::jsonb, valid.attempt, now()
    FROM valid JOIN next ON next.id = valid.session_id
    RETURNING session_id, seq, created_at, attempt`;
  // The rows of one session and attempt, by seq, belong to its items in the order given (all of them, or
  // none: one lease). A batch may hold a stalled attempt's appends beside the new attempt's for the same
  // session: matched by session alone, the new attempt's row went to the stale item, and the new attempt
  // was told it had lost its lease.
  const byLease = new Map<string, InsertedRow[]>();
  const keyOf = (sessionId: string, attempt: number) => `${sessionId}:${attempt}`;
  for (const row of rows) {
    const key = keyOf(row.session_id, Number(row.attempt));
    byLease.set(key, [...(byLease.get(key) ?? []), row]);
  }
  for (const list of byLease.values()) list.sort((a, b) => Number(a.seq) - Number(b.seq));
  return items.map((item) => {
    const row = byLease.get(keyOf(item.sessionId, item.lease.attempt))?.shift();
    return row ? toEvent(item.sessionId, item.event, row) : null;
  });
}

/** Whether appending `event` also writes webhook deliveries (then it needs appendFencedEvent's outbox). */
export function raisesWebhooks(event: NewSessionEvent): boolean {
  return webhookOutboxTypes(event).length > 0;
}

/**
 * The job row of `lease`, locked, when the lease is still held (else no row): the first CTE of every
 * fenced write, so the check and the write are one statement.
 */
export function leaseHeld(lease: Lease): Prisma.Sql {
  return Prisma.sql`
      SELECT 1 FROM jobs
      WHERE id = ${lease.jobId}::uuid AND locked_by = ${lease.workerId} AND attempts = ${lease.attempt}
        AND status = 'running' AND locked_until >= now()
      FOR UPDATE`;
}

/**
 * appendEvent: the same without a lease, for events the API writes itself (a session's first event),
 * inside the caller's transaction.
 */
export async function appendEvent(client: Client, sessionId: string, event: NewSessionEvent): Promise<SessionEvent> {
  const written = await appendEventIf(client, sessionId, event);
  if (!written) throw new Error(`Session ${sessionId} does not exist`);
  return written;
}

/**
 * appendEventIf: appendEvent with a change to the session row, written only when `onlyIf` holds for
 * that row (tested by the statement that writes, under the row's lock): how a session is ended with
 * no lease to fence it (session-end.ts). `before` are named CTEs that run first and that `onlyIf` may
 * read; `also` are named CTEs that run after it and should test `EXISTS (SELECT 1 FROM next)`. Returns
 * null when nothing was written.
 */
export async function appendEventIf(
  client: Client,
  sessionId: string,
  event: NewSessionEvent,
  options: { session?: SessionChange; onlyIf?: Prisma.Sql; before?: Prisma.Sql[]; also?: Prisma.Sql[] } = {},
): Promise<SessionEvent | null> {
  const rows = await client.$queryRaw<InsertedRow[]>`
    WITH ${options.before?.length ? Prisma.sql`${Prisma.join(options.before, ', ')}, ` : Prisma.empty}next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now()${sessionChangeSet(options.session)}
      WHERE id = ${sessionId}::uuid AND ${options.onlyIf ?? Prisma.sql`true`}
      RETURNING ${NEXT_COLUMNS}
    )${outbox(event)}${options.also?.length ? Prisma.sql`, ${Prisma.join(options.also, ', ')}` : Prisma.empty}
    INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
    SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, 0, now() FROM next
    RETURNING seq, created_at`;
  return rows[0] ? toEvent(sessionId, event, rows[0]) : null;
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

export function toEvent(sessionId: string, event: NewSessionEvent, row: InsertedRow): SessionEvent {
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
