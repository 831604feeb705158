import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { leaseHeld, LeaseLostError, type Lease } from '../events/event-log.js';

type Client = Pick<PrismaClient, '$queryRaw'> | Prisma.TransactionClient;

/**
 * Content as jsonb text. PostgreSQL's jsonb refuses the NUL character (`\u0000`), which a model's tool
 * call may carry (a file with a NUL, refused by the tool and corrected by the model): stored as U+FFFD,
 * so the conversation is kept; an escaped backslash before `u0000` (literal text) is left as it is.
 */
function contentJson(content: unknown[]): string {
  return JSON.stringify(content).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}

/**
 * One message of a session's conversation with the model, as stored: the worker's neutral format
 * (worker/src/llm/llm-provider.ts), whose content blocks core does not look into.
 */
export interface StoredSessionMessage {
  role: 'user' | 'assistant';
  content: unknown[];
  /** The session's last event seq when it was stored: text events after it are of a round not stored. */
  eventSeq: number;
}

/**
 * appendSessionMessagesFenced: adds messages to the end of a session's stored conversation, only while
 * `lease` is held (the lease check and the insert are one statement), each with the session's current
 * last event seq. Throws LeaseLostError when the lease is gone: a stalled worker cannot add to a
 * conversation another worker continues.
 */
export async function appendSessionMessagesFenced(
  client: Client,
  sessionId: string,
  lease: Lease,
  messages: ReadonlyArray<{ role: 'user' | 'assistant'; content: unknown[] }>,
): Promise<void> {
  if (messages.length === 0) return;
  const rows = await client.$queryRaw<Array<{ seq: number }>>`
    WITH lease AS (${leaseHeld(lease)}),
    base AS (SELECT coalesce(max(seq), 0) AS n FROM session_messages WHERE session_id = ${sessionId}::uuid),
    marker AS (SELECT last_seq FROM sessions WHERE id = ${sessionId}::uuid)
    INSERT INTO session_messages (session_id, seq, role, content, event_seq, created_at)
    SELECT ${sessionId}::uuid, base.n + m.ord, m.role, m.content::jsonb, marker.last_seq, now()
    FROM unnest(${messages.map((message) => message.role)}::text[], ${messages.map((message) => contentJson(message.content))}::text[])
      WITH ORDINALITY AS m(role, content, ord), base, marker
    WHERE EXISTS (SELECT 1 FROM lease)
    RETURNING seq`;
  if (rows.length !== messages.length) throw new LeaseLostError(lease.jobId);
}

/**
 * sessionMessageInsertSql: one message appended to a session's conversation, as a CTE of a larger
 * statement, written only when `onlyIf` holds (the answer to a question: its tool result).
 */
export function sessionMessageInsertSql(sessionId: string, message: { role: 'user' | 'assistant'; content: unknown[] }, onlyIf: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO session_messages (session_id, seq, role, content, event_seq, created_at)
    SELECT ${sessionId}::uuid, coalesce((SELECT max(seq) FROM session_messages WHERE session_id = ${sessionId}::uuid), 0) + 1,
      ${message.role}, ${contentJson(message.content)}::jsonb, 0, now()
    WHERE ${onlyIf}`;
}

/** A session's stored conversation, oldest first. */
export async function readSessionMessages(prisma: Pick<PrismaClient, 'sessionMessage'>, sessionId: string): Promise<StoredSessionMessage[]> {
  const rows = await prisma.sessionMessage.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  return rows.map((row) => ({ role: row.role === 'assistant' ? 'assistant' : 'user', content: row.content as unknown[], eventSeq: row.eventSeq }));
}
