import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, recordUsage, type TierName } from '@everjust/core';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { databaseTargets, describeEachDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, subscribeSse, SESSION_EVENTS_SUBSCRIPTION, type TestPlatform } from '../test-support/platform.js';

const START = `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`;

async function tenantWith(database: TestDatabase, tier: TierName, overrides: Record<string, number | null> = {}) {
  const tenant = await createTestTenant(database, { tier });
  await database.prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: overrides } });
  return tenant;
}

async function project(app: TestPlatform['app'], key: string, externalUserId?: string) {
  const response = await graphql(app, key, `mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { name: 'Q', externalUserId } });
  return response.data.createProject.id as string;
}

describeEachDatabase('quotas', (database) => {
  // No worker: sessions stay queued, so they count as concurrent for as long as the test needs.
  let idle: TestPlatform;
  beforeAll(async () => {
    idle = await startTestPlatform(database(), { worker: false });
  });
  afterAll(async () => idle.stop());

  it('lets exactly 3 of 20 parallel startSession calls through on a tier with 3 concurrent sessions', async () => {
    const tenant = await tenantWith(database(), 'starter');
    const projectId = await project(idle.app, tenant.live);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => graphql(idle.app, tenant.live, START, { input: { projectId, prompt: `p${i}` } })));
    expect(results.filter((result) => !result.errors)).toHaveLength(3);
    const refusals = results.filter((result) => result.errors);
    expect(refusals).toHaveLength(17);
    for (const refusal of refusals) {
      expect(errorCode(refusal)).toBe('QUOTA_EXCEEDED');
      expect(refusal.errors![0].extensions).toMatchObject({ limit: 'concurrentSessions', max: 3 });
    }
    expect(await database().prisma.session.count({ where: { tenantId: tenant.id } })).toBe(3);
    expect(await database().prisma.job.count({ where: { session: { tenantId: tenant.id } } })).toBe(3);
  });

  it("never lets one tenant's use limit another", async () => {
    const busy = await tenantWith(database(), 'free');
    const other = await tenantWith(database(), 'free');
    await graphql(idle.app, busy.live, START, { input: { projectId: await project(idle.app, busy.live), prompt: 'x' } });
    expect(errorCode(await graphql(idle.app, busy.live, START, { input: { projectId: await project(idle.app, busy.live), prompt: 'y' } }))).toBe('QUOTA_EXCEEDED');
    const ok = await graphql(idle.app, other.live, START, { input: { projectId: await project(idle.app, other.live), prompt: 'x' } });
    expect(ok.errors).toBeUndefined();
  });

  it('counts projects, and test mode has its own concurrent limit of 2', async () => {
    const tenant = await tenantWith(database(), 'free'); // 3 projects
    for (let i = 0; i < 3; i++) await project(idle.app, tenant.live);
    const fourth = await graphql(idle.app, tenant.live, `mutation { createProject(input: { name: "4th" }) { id } }`);
    expect(errorCode(fourth)).toBe('QUOTA_EXCEEDED');
    expect(fourth.errors![0].extensions).toMatchObject({ limit: 'projects', max: 3, resetsAt: null });

    const big = await tenantWith(database(), 'enterprise');
    const projectId = await project(idle.app, big.test);
    const results = await Promise.all(Array.from({ length: 6 }, () => graphql(idle.app, big.test, START, { input: { projectId, prompt: 'x' } })));
    expect(results.filter((result) => !result.errors)).toHaveLength(2);
    const quotas = await graphql(idle.app, big.test, '{ viewer { quotas { name limit used remaining resetsAt } } }');
    expect(quotas.data.viewer.quotas.find((quota: any) => quota.name === 'concurrentSessions')).toMatchObject({ limit: 2, used: 2, remaining: 0 });
    expect(quotas.data.viewer.quotas.find((quota: any) => quota.name === 'generationsPerDay')).toMatchObject({ limit: 50, used: 2, remaining: 48 });
    expect(new Date(quotas.data.viewer.quotas.find((quota: any) => quota.name === 'generationsPerDay').resetsAt).getUTCHours()).toBe(0);
  });

  it('stops generations past the day quota, naming the limit and when it resets', async () => {
    const tenant = await tenantWith(database(), 'enterprise', { generationsPerDay: 2, concurrentSessions: 10 });
    const projectId = await project(idle.app, tenant.live);
    for (let i = 0; i < 2; i++) expect((await graphql(idle.app, tenant.live, START, { input: { projectId, prompt: 'x' } })).errors).toBeUndefined();
    const refused = await graphql(idle.app, tenant.live, START, { input: { projectId, prompt: 'x' } });
    expect(refused.errors![0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'generationsPerDay', max: 2 });
    const resetsAt = new Date(refused.errors![0].extensions.resetsAt);
    expect(resetsAt.getTime()).toBeGreaterThan(Date.now());
    expect(resetsAt.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
  });
});

describeEachDatabase('usage and end-user budgets', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  beforeAll(async () => {
    platform = await startTestPlatform(database());
    tenant = await tenantWith(database(), 'enterprise');
  });
  afterAll(async () => platform.stop());

  async function generate(projectId: string) {
    const started = await graphql(platform.app, tenant.live, START, { input: { projectId, prompt: 'A todo app' } });
    if (started.errors) return { errors: started.errors };
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId: started.data.startSession.id });
    return { done: stream.events.at(-1) };
  }

  it('reports usage whose totals equal the sum of the sessions’ usage', async () => {
    const projects = [await project(platform.app, tenant.live, 'alice'), await project(platform.app, tenant.live, 'bob')];
    const dones = [await generate(projects[0]), await generate(projects[0]), await generate(projects[1])].map((result) => result.done);
    const sum = (field: 'inputTokens' | 'outputTokens') => dones.reduce((total, done) => total + done.usage[field], 0);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const report = await graphql(platform.app, tenant.live, `query($from: DateTime!, $to: DateTime!) {
      usage(from: $from, to: $to, groupBy: PROJECT) { totals { generations inputTokens outputTokens } rows { key generations inputTokens } storageBytes } }`, { from, to });
    expect(report.data.usage.totals).toEqual({ generations: 3, inputTokens: sum('inputTokens'), outputTokens: sum('outputTokens') });
    const byProject = Object.fromEntries(report.data.usage.rows.map((row: any) => [row.key, row.generations]));
    expect(byProject).toEqual({ [projects[0]]: 2, [projects[1]]: 1 });
    expect(report.data.usage.storageBytes).toBeGreaterThan(0);
    const byUser = await graphql(platform.app, tenant.live, `query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, groupBy: EXTERNAL_USER) { rows { key generations } } }`, { from, to });
    expect(Object.fromEntries(byUser.data.usage.rows.map((row: any) => [row.key, row.generations]))).toEqual({ alice: 2, bob: 1 });
    // Test mode is a world of its own: none of this shows there.
    const testReport = await graphql(platform.app, tenant.test, `query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to) { totals { generations } } }`, { from, to });
    expect(testReport.data.usage.totals.generations).toBe(0);
  });

  it('reports billable and non-billable usage apart, with cost, cache tokens and BYOK; budgets count only billable usage', async () => {
    const other = await tenantWith(database(), 'enterprise');
    const prisma = database().prisma;
    const projectId = await project(platform.app, other.live, 'erin');
    const base = { tenantId: other.id, mode: 'live' as const, externalUserId: 'erin' };
    await recordUsage(prisma, { ...base, inputTokens: 100, outputTokens: 10, cacheWriteTokens: 5, cacheReadTokens: 7, costMicros: 450 });
    await recordUsage(prisma, { ...base, inputTokens: 1_000, outputTokens: 50, costMicros: 3_750, billable: false });
    await recordUsage(prisma, { ...base, inputTokens: 1, outputTokens: 1, costMicros: 0, byok: true });
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const figures = 'inputTokens outputTokens cacheWriteTokens cacheReadTokens costMicros byok';
    const report = await graphql(platform.app, other.live, `query($from: DateTime!, $to: DateTime!) {
      usage(from: $from, to: $to, groupBy: EXTERNAL_USER) { totals { ${figures} billable { ${figures} } nonBillable { ${figures} } } rows { key costMicros byok } } }`, { from, to });
    expect(report.errors).toBeUndefined();
    expect(report.data.usage.totals).toEqual({
      inputTokens: 1_101, outputTokens: 61, cacheWriteTokens: 5, cacheReadTokens: 7, costMicros: 4_200, byok: true,
      billable: { inputTokens: 101, outputTokens: 11, cacheWriteTokens: 5, cacheReadTokens: 7, costMicros: 450, byok: true },
      nonBillable: { inputTokens: 1_000, outputTokens: 50, cacheWriteTokens: 0, cacheReadTokens: 0, costMicros: 3_750, byok: false },
    });
    expect(report.data.usage.rows).toEqual([{ key: 'erin', costMicros: 4_200, byok: true }]);
    // 1,050 non-billable tokens are over a 200-token budget; the 122 billable ones are not.
    await graphql(platform.app, other.live, `mutation { setEndUserBudget(input: { externalUserId: "erin", tokensPerDay: 200 }) { externalUserId } }`);
    const started = await graphql(platform.app, other.live, START, { input: { projectId, prompt: 'A todo app' } });
    expect(started.errors).toBeUndefined();
  });

  it("stops only the capped end user's generations", async () => {
    const capped = await project(platform.app, tenant.live, 'carol');
    const free = await project(platform.app, tenant.live, 'dave');
    const set = await graphql(platform.app, tenant.live, `mutation { setEndUserBudget(input: { externalUserId: "carol", generationsPerDay: 1 }) { externalUserId generationsPerDay } }`);
    expect(set.data.setEndUserBudget).toEqual({ externalUserId: 'carol', generationsPerDay: 1 });
    expect((await generate(capped)).done.status).toBe('succeeded');
    const refused = await generate(capped);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'endUser.generationsPerDay', max: 1 });
    expect((await generate(free)).done.status).toBe('succeeded');
    await graphql(platform.app, tenant.live, `mutation { setEndUserBudget(input: { externalUserId: "dave", tokensPerDay: 1 }) { externalUserId } }`);
    const overTokens = await generate(free);
    expect(overTokens.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', limit: 'endUser.tokensPerDay' });
  });
});

const postgres = databaseTargets().find((target) => target.kind === 'postgres')!;
describe.skipIf(Boolean(postgres.skip))(`quotas across two API instances${postgres.skip ? ` (${postgres.skip})` : ''}`, () => {
  it('lets exactly 3 of 20 parallel startSession calls through, split across both instances', async () => {
    const shared = await postgres.open();
    const second = await openDatabase({ kind: 'postgres', url: shared.url!, poolSize: 5 });
    const instanceA = await startTestPlatform(shared, { worker: false });
    const instanceB = await startTestPlatform(second, { worker: false });
    try {
      const tenant = await tenantWith(shared, 'starter');
      const projectId = await project(instanceA.app, tenant.live);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => graphql(i % 2 ? instanceA.app : instanceB.app, tenant.live, START, { input: { projectId, prompt: `p${i}` } })),
      );
      expect(results.filter((result) => !result.errors)).toHaveLength(3);
      expect(await shared.prisma.session.count({ where: { tenantId: tenant.id } })).toBe(3);
    } finally {
      await instanceA.stop();
      await instanceB.stop();
      await second.close();
      await shared.close();
    }
  });
});
