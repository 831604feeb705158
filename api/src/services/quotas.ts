import { limitsFor, Prisma, QuotaExceededError, storageUsed, utcDay, utcDayWindow, utcMonthWindow, ValidationError, type SessionKind } from '@everjust/core';
import type { Caller } from '../context.js';

type Transaction = Prisma.TransactionClient;

/**
 * lockTenant: takes the tenant's row lock for the rest of the transaction, so quota checks of one
 * tenant run one at a time: two calls can never both see "2 of 3" and both make the third.
 * NO KEY UPDATE, not UPDATE: it still excludes other lockTenant calls, but not the key-share locks
 * that every foreign-key check on the tenant takes (a worker recording usage, a project created),
 * which FOR UPDATE would queue behind each start, and each start behind them.
 */
export async function lockTenant(tx: Transaction, tenantId: string): Promise<void> {
  await tx.$queryRaw(tenantLock(tenantId));
}

const tenantLock = (tenantId: string) => Prisma.sql`SELECT id FROM tenants WHERE id = ${tenantId}::uuid FOR NO KEY UPDATE`;

/**
 * lockTenant, then the tenant's queued and running sessions (but `excludeSessionId`) counted once the
 * lock is held, in one round trip: the lock, which one tenant's starts queue for, is then held for
 * one round trip less. The count runs in `everjust_active_sessions` (a migration), whose own snapshot
 * sees what the transaction waited for committed.
 */
async function lockTenantCountingActiveSessions(tx: Transaction, caller: Caller, excludeSessionId?: string): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ active: bigint | number }>>`
    WITH locked AS MATERIALIZED (${tenantLock(caller.tenantId)})
    SELECT everjust_active_sessions(id, ${caller.mode}::"Mode", ${excludeSessionId ?? null}::uuid) AS active FROM locked`;
  return Number(rows[0]?.active ?? 0);
}

export async function checkProjectQuota(tx: Transaction, caller: Caller): Promise<void> {
  const max = limitsFor(caller.tenant, caller.mode).projects;
  if (max === null) return;
  await lockTenant(tx, caller.tenantId);
  const used = await tx.project.count({ where: { tenantId: caller.tenantId, mode: caller.mode, deletedAt: null } });
  if (used >= max) throw new QuotaExceededError('projects', max, null);
}

/**
 * The checks at the moment a session starts: concurrent sessions (queued and running count), the
 * day's generations, the month's sandbox hours, and the end user's budget. Call inside the
 * transaction that creates the session.
 */
export async function checkSessionQuotas(
  tx: Transaction,
  caller: Caller,
  options: {
    kind: SessionKind;
    externalUserId: string | null;
    /** A deploy that will make the project's first app (it counts against the live apps). */
    newApp?: boolean;
    /** A deploy's project: one deploy of a project at a time (two first deploys would make two apps). */
    projectId?: string;
    now?: Date;
    /** The session being started, already written in this transaction: not counted against itself. */
    startingSessionId?: string;
  },
): Promise<void> {
  const limits = limitsFor(caller.tenant, caller.mode);
  const now = options.now ?? new Date();
  const day = utcDayWindow(now);
  const concurrent = await lockTenantCountingActiveSessions(tx, caller, options.startingSessionId);
  if (concurrent >= limits.concurrentSessions) throw new QuotaExceededError('concurrentSessions', limits.concurrentSessions, null);
  const scope = { tenantId: caller.tenantId, mode: caller.mode };
  const otherSessions = { ...scope, ...(options.startingSessionId ? { id: { not: options.startingSessionId } } : {}) };

  if (options.kind === 'generate' && limits.generationsPerDay !== null) {
    const today = await tx.session.count({ where: { ...otherSessions, kind: 'generate', createdAt: { gte: day.start } } });
    if (today >= limits.generationsPerDay) throw new QuotaExceededError('generationsPerDay', limits.generationsPerDay, day.end);
  }

  if (options.kind === 'deploy' && options.projectId) {
    // Under the tenant's lock: two starts cannot both see none.
    const running = await tx.session.count({ where: { ...otherSessions, projectId: options.projectId, kind: 'deploy', status: { in: ['queued', 'running'] } } });
    if (running > 0) throw new ValidationError('input: a deploy of this project is in progress: wait for it to end, or cancel it (cancelSession)', { reason: 'DEPLOY_IN_PROGRESS' });
  }
  if (options.kind === 'deploy' && limits.deploysPerDay !== null) {
    const today = await tx.session.count({ where: { ...otherSessions, kind: 'deploy', createdAt: { gte: day.start } } });
    if (today >= limits.deploysPerDay) throw new QuotaExceededError('deploysPerDay', limits.deploysPerDay, day.end);
  }
  if (options.kind === 'deploy' && options.newApp && limits.liveApps !== null) {
    const apps = await tx.project.count({ where: { ...scope, deletedAt: null, deployAppId: { not: null } } });
    if (apps >= limits.liveApps) throw new QuotaExceededError('liveApps', limits.liveApps, null);
  }

  if (limits.sandboxHoursPerMonth !== null) {
    const month = utcMonthWindow(now);
    const used = await tx.usageDaily.aggregate({ where: { ...scope, billable: true, day: { gte: month.start, lt: month.end } }, _sum: { sandboxSeconds: true } });
    if ((used._sum.sandboxSeconds ?? 0) >= limits.sandboxHoursPerMonth * 3600) {
      throw new QuotaExceededError('sandboxHoursPerMonth', limits.sandboxHoursPerMonth, month.end);
    }
  }

  if (options.externalUserId && options.kind === 'generate') {
    const budget = await tx.endUserBudget.findUnique({ where: { tenantId_mode_externalUserId: { ...scope, externalUserId: options.externalUserId } } });
    if (budget?.generationsPerDay != null) {
      const generations = await tx.session.count({ where: { ...otherSessions, kind: 'generate', externalUserId: options.externalUserId, createdAt: { gte: day.start } } });
      if (generations >= budget.generationsPerDay) throw new QuotaExceededError('endUser.generationsPerDay', budget.generationsPerDay, day.end);
    }
    if (budget?.tokensPerDay != null) {
      const used = await tx.usageDaily.aggregate({
        where: { ...scope, billable: true, externalUserId: options.externalUserId, day: new Date(`${utcDay(now)}T00:00:00Z`) },
        _sum: { inputTokens: true, outputTokens: true },
      });
      const tokens = Number(used._sum.inputTokens ?? 0) + Number(used._sum.outputTokens ?? 0);
      if (tokens >= budget.tokensPerDay) throw new QuotaExceededError('endUser.tokensPerDay', budget.tokensPerDay, day.end);
    }
  }
}

/** Refuses a write that would take the tenant's storage past its limit. */
export async function checkStorageQuota(tx: Transaction, caller: Caller, addedBytes: number): Promise<void> {
  const max = limitsFor(caller.tenant, caller.mode).storageBytes;
  await lockTenant(tx, caller.tenantId);
  if ((await storageUsed(tx, caller.tenantId, caller.mode)) + addedBytes > max) throw new QuotaExceededError('storageBytes', max, null);
}
