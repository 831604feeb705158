import { z } from 'zod';
import { decodeIdOf, limitsFor, SESSION_ACTIVE_STATUSES, storageUsed, ValidationError, utcDayWindow, utcMonthWindow, type Prisma, encodeId } from '@everjust/core';
import { requireScope, requireSecretKey } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { builder } from './builder.js';
import { TenantRef } from './tenant.js';

interface UsageFigures {
  requests: number;
  generations: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  sandboxSeconds: number;
  costMicros: number;
  /** Deployments started. */
  deploys: number;
  /** Some of it ran on the tenant's own Anthropic key (usage_daily.byok). */
  byok: boolean;
}

/** Figures with their billable and non-billable parts (usage of a failure of ours is recorded, not billed). */
interface UsageSplit extends UsageFigures {
  billable: UsageFigures;
  nonBillable: UsageFigures;
}

const UsageFiguresFields = (t: any) => ({
  requests: t.float({ resolve: (row: UsageFigures) => row.requests }),
  generations: t.int({ resolve: (row: UsageFigures) => row.generations }),
  inputTokens: t.float({ resolve: (row: UsageFigures) => row.inputTokens, description: 'Model input tokens.' }),
  outputTokens: t.float({ resolve: (row: UsageFigures) => row.outputTokens, description: 'Model output tokens.' }),
  cacheWriteTokens: t.float({ resolve: (row: UsageFigures) => row.cacheWriteTokens, description: 'Input tokens written to the prompt cache.' }),
  cacheReadTokens: t.float({ resolve: (row: UsageFigures) => row.cacheReadTokens, description: 'Input tokens read from the prompt cache.' }),
  sandboxSeconds: t.float({ resolve: (row: UsageFigures) => row.sandboxSeconds }),
  costMicros: t.float({ resolve: (row: UsageFigures) => row.costMicros, description: 'What the model tokens cost at list price, in micro-USD.' }),
  deploys: t.int({ resolve: (row: UsageFigures) => row.deploys, description: 'Deployments started (deployProject, rollbackDeployment).' }),
  byok: t.boolean({ resolve: (row: UsageFigures) => row.byok, description: "True when some of this usage ran on your own Anthropic key (BYOK)." }),
});

const UsageFiguresRef = builder.objectRef<UsageFigures>('UsageFigures').implement({ fields: UsageFiguresFields });

const UsageSplitFields = (t: any) => ({
  ...UsageFiguresFields(t),
  billable: t.field({ type: UsageFiguresRef, resolve: (row: UsageSplit) => row.billable, description: 'The part that is billed (and counted by quotas and end-user budgets).' }),
  nonBillable: t.field({
    type: UsageFiguresRef,
    resolve: (row: UsageSplit) => row.nonBillable,
    description: 'The part recorded but not billed: attempts that failed through our fault (INTERNAL, provider outage, lost worker).',
  }),
});

const UsageTotalsRef = builder.objectRef<UsageSplit>('UsageTotals').implement({ fields: UsageSplitFields });
const UsageRowRef = builder.objectRef<UsageSplit & { key: string }>('UsageRow').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The group: a project id, your end user id, or a UTC day (YYYY-MM-DD).' }),
    ...UsageSplitFields(t),
  }),
});
const UsageReportRef = builder
  .objectRef<{ from: Date; to: Date; totals: UsageSplit; rows: Array<UsageSplit & { key: string }>; storageBytes: number }>('UsageReport')
  .implement({
    fields: (t) => ({
      from: t.expose('from', { type: 'DateTime' }),
      to: t.expose('to', { type: 'DateTime' }),
      totals: t.expose('totals', { type: UsageTotalsRef }),
      rows: t.expose('rows', { type: [UsageRowRef] }),
      storageBytes: t.exposeFloat('storageBytes', { description: 'Bytes of files held now (not a sum over the period).' }),
    }),
  });

const UsageGroupByEnum = builder.enumType('UsageGroupBy', {
  values: { PROJECT: { value: 'project' }, EXTERNAL_USER: { value: 'externalUser' }, DAY: { value: 'day' } } as const,
});

const zeroFigures = (): UsageFigures => ({
  requests: 0,
  generations: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
  sandboxSeconds: 0,
  costMicros: 0,
  deploys: 0,
  byok: false,
});

const zero = (): UsageSplit => ({ ...zeroFigures(), billable: zeroFigures(), nonBillable: zeroFigures() });

type DailyRow = Prisma.UsageDailyGetPayload<object>;

function addFigures(into: UsageFigures, row: DailyRow) {
  into.requests += Number(row.requests);
  into.generations += row.generations;
  into.inputTokens += Number(row.inputTokens);
  into.outputTokens += Number(row.outputTokens);
  into.cacheWriteTokens += Number(row.cacheWriteTokens);
  into.cacheReadTokens += Number(row.cacheReadTokens);
  into.sandboxSeconds += row.sandboxSeconds;
  into.costMicros += Number(row.costMicros);
  into.deploys += row.deploys;
  into.byok ||= row.byok;
}

function add(into: UsageSplit, row: DailyRow) {
  addFigures(into, row);
  addFigures(row.billable ? into.billable : into.nonBillable, row);
}

builder.queryField('usage', (t) =>
  t.field({
    type: UsageReportRef,
    description: "Usage in [from, to) (whole UTC days), in the key's mode: totals, and rows grouped by project, end user or day.",
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: UsageGroupByEnum, required: false }),
      projectId: t.arg.id({ required: false, description: "Only this project's usage (a chart by day of one project)." }),
      externalUserId: t.arg.string({ required: false, validate: z.string().min(1).max(200), description: "Only this end user's usage." }),
    },
    resolve: async (_root, args, context) => {
      requireScope(context.caller, 'usage:read');
      if (args.to <= args.from) throw new ValidationError('`to` must be after `from`');
      if (args.to.getTime() - args.from.getTime() > 400 * 86_400_000) throw new ValidationError('A usage report covers at most 400 days');
      let projectId: string | null = null;
      if (args.projectId != null) {
        try {
          projectId = decodeIdOf('Project', String(args.projectId));
        } catch {
          projectId = null;
        }
        if (!projectId) throw new ValidationError('`projectId` is not a project id', { argument: 'projectId' });
      }
      const where: Prisma.UsageDailyWhereInput = {
        tenantId: context.caller.tenantId,
        mode: context.caller.mode,
        day: { gte: dayOf(args.from), lt: dayOf(args.to, true) },
        ...(projectId ? { projectId } : {}),
        ...(args.externalUserId != null ? { externalUserId: args.externalUserId } : {}),
      };
      const rows = await context.services.prisma.usageDaily.findMany({ where, orderBy: { day: 'asc' } });
      const totals = zero();
      const groups = new Map<string, UsageSplit & { key: string }>();
      for (const row of rows) {
        add(totals, row);
        if (!args.groupBy) continue;
        const key =
          args.groupBy === 'day' ? row.day.toISOString().slice(0, 10) : args.groupBy === 'project' ? (row.projectId ? encodeId('Project', row.projectId) : '') : row.externalUserId;
        if (args.groupBy !== 'day' && !key) continue; // requests not tied to a project or user
        const group = groups.get(key) ?? { key, ...zero() };
        add(group, row);
        groups.set(key, group);
      }
      return { from: args.from, to: args.to, totals, rows: [...groups.values()], storageBytes: await storageUsed(context.services.prisma, context.caller.tenantId, context.caller.mode) };
    },
  }),
);

/** `from` rounds down to its UTC day; `to` rounds up unless it is already midnight. */
function dayOf(at: Date, roundUp = false): Date {
  const start = utcDayWindow(at).start;
  return roundUp && start.getTime() !== at.getTime() ? new Date(start.getTime() + 86_400_000) : start;
}

interface QuotaView {
  name: string;
  limit: number | null;
  used: number;
  remaining: number | null;
  resetsAt: Date | null;
}

const QuotaRef = builder.objectRef<QuotaView>('Quota').implement({
  description: 'One limit, how much of it is used in its window, and when the window resets (null: it does not).',
  fields: (t) => ({
    name: t.exposeString('name'),
    limit: t.exposeFloat('limit', { nullable: true, description: 'Null: unlimited.' }),
    used: t.exposeFloat('used'),
    remaining: t.exposeFloat('remaining', { nullable: true }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime', nullable: true }),
  }),
});

async function quotasOf(context: RequestContext): Promise<QuotaView[]> {
  const { prisma } = context.services;
  const limits = limitsFor(context.caller.tenant, context.caller.mode);
  const scope = { tenantId: context.caller.tenantId, mode: context.caller.mode };
  const now = new Date();
  const day = utcDayWindow(now);
  const month = utcMonthWindow(now);
  const [projects, concurrent, generations, sandbox, storage, deploys, liveApps] = await Promise.all([
    prisma.project.count({ where: { ...scope, deletedAt: null } }),
    prisma.session.count({ where: { ...scope, status: { in: [...SESSION_ACTIVE_STATUSES] } } }),
    prisma.session.count({ where: { ...scope, kind: 'generate', createdAt: { gte: day.start } } }),
    prisma.usageDaily.aggregate({ where: { ...scope, billable: true, day: { gte: month.start, lt: month.end } }, _sum: { sandboxSeconds: true } }),
    storageUsed(prisma, scope.tenantId, scope.mode),
    prisma.session.count({ where: { ...scope, kind: 'deploy', createdAt: { gte: day.start } } }),
    prisma.project.count({ where: { ...scope, deletedAt: null, deployAppId: { not: null } } }),
  ]);
  const quota = (name: string, limit: number | null, used: number, resetsAt: Date | null): QuotaView => ({
    name,
    limit,
    used,
    remaining: limit === null ? null : Math.max(0, limit - used),
    resetsAt,
  });
  return [
    quota('projects', limits.projects, projects, null),
    quota('concurrentSessions', limits.concurrentSessions, concurrent, null),
    quota('generationsPerDay', limits.generationsPerDay, generations, day.end),
    quota('sandboxHoursPerMonth', limits.sandboxHoursPerMonth, (sandbox._sum.sandboxSeconds ?? 0) / 3600, month.end),
    quota('storageBytes', limits.storageBytes, storage, null),
    quota('deploysPerDay', limits.deploysPerDay, deploys, day.end),
    quota('liveApps', limits.liveApps, liveApps, null),
  ];
}

builder.objectField(TenantRef, 'quotas', (t) =>
  t.field({
    type: [QuotaRef],
    description: "What is left in each quota window, in the key's mode (test mode has its own limits).",
    resolve: (_tenant, _args, context) => quotasOf(context),
  }),
);

builder.prismaObject('EndUserBudget', {
  description: "A cap on one of your end users (by your externalUserId), per UTC day; null: no cap.",
  fields: (t) => ({
    externalUserId: t.exposeString('externalUserId'),
    generationsPerDay: t.exposeInt('generationsPerDay', { nullable: true }),
    tokensPerDay: t.exposeInt('tokensPerDay', { nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const SetEndUserBudgetInput = builder.inputType('SetEndUserBudgetInput', {
  fields: (t) => ({
    externalUserId: t.string({ required: true, validate: z.string().min(1).max(200) }),
    generationsPerDay: t.int({ required: false, validate: z.number().int().min(0).max(1_000_000).nullable() }),
    tokensPerDay: t.int({ required: false, validate: z.number().int().min(0).nullable() }),
  }),
});

builder.queryField('endUserBudget', (t) =>
  t.prismaField({
    type: 'EndUserBudget',
    nullable: true,
    args: { externalUserId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => {
      requireScope(context.caller, 'usage:read');
      return context.services.prisma.endUserBudget.findUnique({
        ...query,
        where: { tenantId_mode_externalUserId: { tenantId: context.caller.tenantId, mode: context.caller.mode, externalUserId: args.externalUserId } },
      });
    },
  }),
);

builder.mutationField('setEndUserBudget', (t) =>
  t.prismaField({
    type: 'EndUserBudget',
    description: 'Caps one end user: new sessions for projects with this externalUserId are refused (QUOTA_EXCEEDED) past the cap.',
    args: { input: t.arg({ type: SetEndUserBudgetInput, required: true }) },
    resolve: (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      requireSecretKey(context.caller, 'set end-user budgets');
      const key = { tenantId: context.caller.tenantId, mode: context.caller.mode, externalUserId: input.externalUserId };
      const values = { generationsPerDay: input.generationsPerDay ?? null, tokensPerDay: input.tokensPerDay ?? null };
      return context.services.prisma.endUserBudget.upsert({ ...query, where: { tenantId_mode_externalUserId: key }, create: { ...key, ...values }, update: values });
    },
  }),
);

