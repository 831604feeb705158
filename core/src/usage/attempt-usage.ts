import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { SessionKind } from '../generated/prisma/enums.js';
import type { SessionUsage } from '../events/event-types.js';
import { recordUsageSql } from './usage.js';

type Client = Pick<PrismaClient, '$executeRaw'> | Prisma.TransactionClient;

/** Why an attempt ended (session_attempt_usage.outcome). */
export type AttemptOutcome = 'succeeded' | 'failed' | 'cancelled' | 'retrying' | 'lease_lost' | 'released' | 'waiting';

/** Error codes that are the platform's fault: their usage is recorded, not billed. */
const OUR_FAULT_CODES = new Set(['INTERNAL', 'WORKER_LOST', 'PROVIDER_UNAVAILABLE', 'MODEL_UNAVAILABLE', 'MODEL_OVERLOADED', 'UPSTREAM_ERROR']);

/**
 * Whether an attempt's usage is billed: not when it ended through our fault (an internal error, a
 * provider outage, a lost lease, a shutdown that gave the job back), since the tenant did not get
 * what those tokens paid for.
 */
export function isBillable(outcome: AttemptOutcome, errorCode?: string): boolean {
  if (outcome === 'lease_lost' || outcome === 'released') return false;
  if (outcome === 'failed' || outcome === 'retrying') return !(errorCode && OUR_FAULT_CODES.has(errorCode));
  return true;
}

export interface AttemptUsage {
  session: { id: string; tenantId: string; mode: 'live' | 'test'; projectId: string; externalUserId: string | null; kind: SessionKind };
  attempt: number;
  outcome: AttemptOutcome;
  billable: boolean;
  byok: boolean;
  model: string | null;
  usage: SessionUsage;
  /** The session ends with this attempt: counted as one generation (generate sessions). */
  ends?: boolean;
}

/**
 * The statements that record one attempt's usage: its session_attempt_usage row (at most one per
 * session and attempt) and the same increment to usage_daily, both written only when `onlyIf`
 * holds, so they go in the very statement (or transaction) that ends the attempt.
 */
export function attemptUsageSql(attempt: AttemptUsage, onlyIf: Prisma.Sql = Prisma.sql`true`): { row: Prisma.Sql; daily: Prisma.Sql } {
  const { session, usage } = attempt;
  const fresh = Prisma.sql`${onlyIf} AND NOT EXISTS (SELECT 1 FROM session_attempt_usage WHERE session_id = ${session.id}::uuid AND attempt = ${attempt.attempt})`;
  const row = Prisma.sql`
    INSERT INTO session_attempt_usage (id, session_id, attempt, outcome, billable, byok, model, input_tokens, output_tokens,
      cache_write_tokens, cache_read_tokens, sandbox_seconds, cost_micros)
    SELECT gen_random_uuid(), ${session.id}::uuid, ${attempt.attempt}, ${attempt.outcome}, ${attempt.billable}, ${attempt.byok}, ${attempt.model},
      ${Math.round(usage.inputTokens)}, ${Math.round(usage.outputTokens)}, ${Math.round(usage.cacheWriteTokens ?? 0)},
      ${Math.round(usage.cacheReadTokens ?? 0)}, ${usage.sandboxSeconds}, ${Math.round(usage.costMicros ?? 0)}
    WHERE ${fresh}`;
  const daily = recordUsageSql(
    {
      tenantId: session.tenantId,
      mode: session.mode,
      projectId: session.projectId,
      externalUserId: session.externalUserId,
      generations: attempt.ends && session.kind === 'generate' ? 1 : 0,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cacheWriteTokens: usage.cacheWriteTokens,
      cacheReadTokens: usage.cacheReadTokens,
      sandboxSeconds: usage.sandboxSeconds,
      costMicros: usage.costMicros,
      billable: attempt.billable,
      byok: attempt.byok,
    },
    fresh,
  );
  return { row, daily };
}

/**
 * recordAttemptUsage: one attempt's usage on its own (in the caller's transaction, beside the job's
 * retry or release): one statement, a no-op when the attempt already has its row.
 */
export async function recordAttemptUsage(client: Client, attempt: AttemptUsage): Promise<void> {
  const { row, daily } = attemptUsageSql(attempt);
  await client.$executeRaw`WITH attempt_row AS (${row}) ${daily}`;
}
