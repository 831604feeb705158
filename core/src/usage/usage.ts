import { Prisma, type PrismaClient } from '../generated/prisma/client.js';

type Client = Pick<PrismaClient, '$executeRaw'> | Prisma.TransactionClient;

export interface UsageIncrement {
  tenantId: string;
  mode: 'live' | 'test';
  projectId?: string | null;
  externalUserId?: string | null;
  /** Defaults to now; usage is kept per UTC day. */
  at?: Date;
  requests?: number;
  generations?: number;
  inputTokens?: number;
  outputTokens?: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
  sandboxSeconds?: number;
  /** Micro-USD at the model's price (prices.ts). */
  costMicros?: number;
  /** Deployments started. */
  deploys?: number;
  /** False: recorded but not billed, and not counted by quotas (a failure of ours, a retried attempt). Default true. */
  billable?: boolean;
  /** Ran on the tenant's own Anthropic key. Default false. */
  byok?: boolean;
}

/** The UTC day of a moment, as `YYYY-MM-DD`. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * recordUsage: adds to a tenant's daily counters (one statement; concurrent writers add, never
 * overwrite). Called inside the transaction that ends a session, so usage and `done` agree.
 */
export async function recordUsage(client: Client, usage: UsageIncrement): Promise<void> {
  await client.$executeRaw(recordUsageSql(usage));
}

/** recordUsage's statement, written only when `onlyIf` holds (a CTE of a larger fenced statement). */
export function recordUsageSql(usage: UsageIncrement, onlyIf: Prisma.Sql = Prisma.sql`true`): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO usage_daily (tenant_id, mode, day, project_id, external_user_id, billable, byok, requests, generations,
      input_tokens, output_tokens, cache_write_tokens, cache_read_tokens, sandbox_seconds, cost_micros, deploys, updated_at)
    SELECT ${usage.tenantId}::uuid, ${usage.mode}::"Mode", ${utcDay(usage.at ?? new Date())}::date, ${usage.projectId ?? ''}, ${usage.externalUserId ?? ''},
      ${usage.billable ?? true}, ${usage.byok ?? false}, ${usage.requests ?? 0}, ${usage.generations ?? 0},
      ${Math.round(usage.inputTokens ?? 0)}, ${Math.round(usage.outputTokens ?? 0)}, ${Math.round(usage.cacheWriteTokens ?? 0)},
      ${Math.round(usage.cacheReadTokens ?? 0)}, ${usage.sandboxSeconds ?? 0}, ${Math.round(usage.costMicros ?? 0)}, ${usage.deploys ?? 0}, now()
    WHERE ${onlyIf}
    ON CONFLICT (tenant_id, mode, day, project_id, external_user_id, billable, byok) DO UPDATE SET
      requests = usage_daily.requests + EXCLUDED.requests,
      generations = usage_daily.generations + EXCLUDED.generations,
      input_tokens = usage_daily.input_tokens + EXCLUDED.input_tokens,
      output_tokens = usage_daily.output_tokens + EXCLUDED.output_tokens,
      cache_write_tokens = usage_daily.cache_write_tokens + EXCLUDED.cache_write_tokens,
      cache_read_tokens = usage_daily.cache_read_tokens + EXCLUDED.cache_read_tokens,
      sandbox_seconds = usage_daily.sandbox_seconds + EXCLUDED.sandbox_seconds,
      cost_micros = usage_daily.cost_micros + EXCLUDED.cost_micros,
      deploys = usage_daily.deploys + EXCLUDED.deploys,
      updated_at = now()`;
}

/** Start of the UTC day and of the next one. */
export function utcDayWindow(now = new Date()): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

/** Start of the UTC month and of the next one. */
export function utcMonthWindow(now = new Date()): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}
