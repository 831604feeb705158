import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeId, sealSecret, SEALED_CONTEXTS, type SessionKind, type SessionStatus } from '@everjust/core';
import { consoleGraphql, createTestApp, createTestTenant, errorCode, graphql, signInToConsole, type TestConsole, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

/** What the console's pages read beyond the per-project API: the tenant-wide session list, the delivery log's request and response. */

const SESSIONS = `query($first: Int, $after: String, $filter: SessionFilter) {
  sessions(first: $first, after: $after, filter: $filter) { edges { cursor node { id prompt status kind externalUserId project { name } } } pageInfo { hasNextPage endCursor } }
}`;
const DELIVERIES = `{ webhookDeliveries(first: 10) { edges { node { id eventId lastStatusCode
  request { body headers sentAt } response { statusCode body } } } } }`;

describeEachDatabase('what the console pages read', (database) => {
  let app: App;
  let acme: TestTenant;
  let globex: TestTenant;
  let acmeConsole: TestConsole;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    app = await createTestApp(database(), { EVERJUST_PUBLIC_URL: 'http://everjust.test' });
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
    acmeConsole = await signInToConsole(app, acme.id);
    const { prisma } = database();
    const project = (tenantId: string, mode: 'live' | 'test', name: string, deletedAt: Date | null = null) => prisma.project.create({ data: { tenantId, mode, name, deletedAt } });
    const shop = await project(acme.id, 'live', 'Shop front');
    const blog = await project(acme.id, 'live', 'Team blog');
    const testOnly = await project(acme.id, 'test', 'Test app');
    const gone = await project(acme.id, 'live', 'Deleted app', new Date());
    const theirs = await project(globex.id, 'live', 'Globex secret');
    ids.shop = encodeId('Project', shop.id);
    ids.blog = encodeId('Project', blog.id);
    const day = 86_400_000;
    const now = Date.now();
    const rows: Array<[string, string, 'live' | 'test', string, SessionStatus, SessionKind, string | null, number]> = [
      ['a', shop.id, 'live', 'Build a shopping cart', 'succeeded', 'generate', 'user-1', now - 5 * day],
      ['b', shop.id, 'live', 'Add a checkout page', 'failed', 'generate', 'user-2', now - 3 * day],
      ['c', blog.id, 'live', 'Preview it', 'succeeded', 'preview', 'user-1', now - 2 * day],
      ['d', blog.id, 'live', 'Write a blog with tags', 'running', 'generate', null, now - 1 * day],
      ['e', shop.id, 'live', 'Deploy the shop', 'waiting_for_input', 'deploy', 'user-2', now - 60_000],
      ['test', testOnly.id, 'test', 'A test-mode session', 'succeeded', 'generate', 'user-1', now],
      ['gone', gone.id, 'live', 'On a deleted project', 'succeeded', 'generate', 'user-1', now],
    ];
    // Made in order, so ids (UUIDv7) follow creation as in real use.
    for (const [name, projectId, mode, prompt, status, kind, externalUserId, createdAt] of rows) {
      const session = await prisma.session.create({ data: { tenantId: acme.id, projectId, mode, prompt, status, kind, externalUserId, createdAt: new Date(createdAt) } });
      ids[name] = encodeId('Session', session.id);
    }
    ids.theirs = encodeId('Session', (await prisma.session.create({ data: { tenantId: globex.id, projectId: theirs.id, mode: 'live', prompt: 'Build a shopping cart (Globex)', status: 'succeeded' } })).id);

    const endpoint = await prisma.webhookEndpoint.create({
      data: { tenantId: acme.id, mode: 'live', url: 'https://hooks.example/in', events: ['session.succeeded'], secretEncrypted: sealSecret('test-secret-'.padEnd(64, 'x'), 'whsec_console', SEALED_CONTEXTS.webhookSecret(acme.id)) },
    });
    await prisma.webhookDelivery.create({ data: { tenantId: acme.id, endpointId: endpoint.id, eventId: 'evt_pending', eventType: 'session.succeeded', payload: { id: 'evt_pending' } } });
    await prisma.webhookDelivery.create({
      data: {
        tenantId: acme.id, endpointId: endpoint.id, eventId: 'evt_answered', eventType: 'session.succeeded', payload: { id: 'evt_answered' }, status: 'pending', attempts: 1,
        lastStatusCode: 500, lastError: 'HTTP 500: boom', lastResponseBody: 'boom', lastRequestHeaders: { 'content-type': 'application/json', 'EverJust-Event-Id': 'evt_answered' }, lastAttemptAt: new Date(),
      },
    });
  });
  afterAll(async () => app.stop());

  const prompts = (response: any) => response.data.sessions.edges.map((edge: any) => edge.node.prompt);

  it('lists the tenant’s sessions of the mode across projects, newest first, in pages; never deleted projects’, the other mode’s or another tenant’s', async () => {
    const all = await graphql(app, acme.live, SESSIONS, { first: 100 });
    expect(all.errors).toBeUndefined();
    expect(prompts(all)).toEqual(['Deploy the shop', 'Write a blog with tags', 'Preview it', 'Add a checkout page', 'Build a shopping cart']);
    expect(all.data.sessions.edges[0].node).toMatchObject({ status: 'waiting_for_input', kind: 'deploy', externalUserId: 'user-2', project: { name: 'Shop front' } });
    expect(prompts(await graphql(app, acme.test, SESSIONS, { first: 100 }))).toEqual(['A test-mode session']);

    const first = await graphql(app, acme.live, SESSIONS, { first: 2 });
    expect(prompts(first)).toEqual(['Deploy the shop', 'Write a blog with tags']);
    expect(first.data.sessions.pageInfo.hasNextPage).toBe(true);
    const second = await graphql(app, acme.live, SESSIONS, { first: 2, after: first.data.sessions.pageInfo.endCursor });
    expect(prompts(second)).toEqual(['Preview it', 'Add a checkout page']);
    expect(errorCode(await graphql(app, acme.live, SESSIONS, { first: 101 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await graphql(app, acme.live, SESSIONS, { first: 1, after: 'nonsense' }))).toBe('BAD_USER_INPUT');
    // A key without sessions:read gets none.
    const usageOnly = (await graphql(app, acme.live, 'mutation { createApiKey(input: { name: "usage", scopes: [USAGE_READ] }) { secret } }')).data.createApiKey.secret;
    expect(errorCode(await graphql(app, usageOnly, SESSIONS, { first: 1 }))).toBe('FORBIDDEN');
  });

  it('filters by status, kind, project, end user, time and text (prompt, project name or session id)', async () => {
    const day = 86_400_000;
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ status: ['succeeded'] }, ['Preview it', 'Build a shopping cart']],
      [{ status: ['failed', 'waiting_for_input'] }, ['Deploy the shop', 'Add a checkout page']],
      [{ kind: ['preview', 'deploy'] }, ['Deploy the shop', 'Preview it']],
      [{ projectId: ids.blog }, ['Write a blog with tags', 'Preview it']],
      [{ externalUserId: 'user-1' }, ['Preview it', 'Build a shopping cart']],
      [{ createdAfter: new Date(Date.now() - 2.5 * day).toISOString() }, ['Deploy the shop', 'Write a blog with tags', 'Preview it']],
      [{ createdBefore: new Date(Date.now() - 2.5 * day).toISOString() }, ['Add a checkout page', 'Build a shopping cart']],
      [{ search: 'SHOPPING' }, ['Build a shopping cart']],
      [{ search: 'team blog' }, ['Write a blog with tags', 'Preview it']],
      [{ search: ids.b }, ['Add a checkout page']],
      [{ projectId: ids.shop, status: ['succeeded', 'failed'], externalUserId: 'user-2' }, ['Add a checkout page']],
      [{ search: ids.theirs }, []],
    ];
    for (const [filter, expected] of cases) {
      const response = await graphql(app, acme.live, SESSIONS, { first: 100, filter });
      expect(response.errors, JSON.stringify(filter)).toBeUndefined();
      expect(prompts(response), JSON.stringify(filter)).toEqual(expected);
    }
    for (const filter of [{ status: ['done'] }, { kind: ['build'] }, { projectId: 'not-an-id' }, { search: '' }, { search: 'x'.repeat(201) }]) {
      expect(errorCode(await graphql(app, acme.live, SESSIONS, { first: 10, filter })), JSON.stringify(filter)).toBe('BAD_USER_INPUT');
    }
  });

  it("gives a console session the same list, in the mode it picks, and never another tenant's sessions", async () => {
    expect(prompts(await consoleGraphql(app, acmeConsole, SESSIONS, { first: 100 }))).toHaveLength(5);
    expect(prompts(await consoleGraphql(app, acmeConsole, SESSIONS, { first: 100 }, { 'x-everjust-mode': 'test' }))).toEqual(['A test-mode session']);
    const everything = JSON.stringify((await consoleGraphql(app, acmeConsole, SESSIONS, { first: 100, filter: { search: 'Globex' } })).data);
    expect(everything).not.toContain('Globex');
    const node = await consoleGraphql(app, acmeConsole, 'query($id: ID!) { session(id: $id) { prompt } }', { id: ids.theirs });
    expect(errorCode(node)).toBe('NOT_FOUND');
    const globexConsole = await signInToConsole(app, globex.id);
    expect(prompts(await consoleGraphql(app, globexConsole, SESSIONS, { first: 100 }))).toEqual(['Build a shopping cart (Globex)']);
    expect(errorCode(await consoleGraphql(app, globexConsole, 'query($id: ID!) { session(id: $id) { prompt } }', { id: ids.a }))).toBe('NOT_FOUND');
  });

  it("shows a delivery's request (headers without the signature) and the receiver's answer", async () => {
    const response = await consoleGraphql(app, acmeConsole, DELIVERIES);
    expect(response.errors).toBeUndefined();
    const byEvent = Object.fromEntries(response.data.webhookDeliveries.edges.map((edge: any) => [edge.node.eventId, edge.node]));
    expect(byEvent.evt_answered).toMatchObject({
      lastStatusCode: 500,
      request: { body: { id: 'evt_answered' }, headers: { 'content-type': 'application/json', 'EverJust-Event-Id': 'evt_answered' }, sentAt: expect.any(String) },
      response: { statusCode: 500, body: 'boom' },
    });
    expect(byEvent.evt_pending).toMatchObject({ request: { body: { id: 'evt_pending' }, headers: null, sentAt: null }, response: null });
    // Another tenant's console sees none of them.
    const globexConsole = await signInToConsole(app, globex.id);
    expect((await consoleGraphql(app, globexConsole, DELIVERIES)).data.webhookDeliveries.edges).toEqual([]);
  });

  it('narrows usage to one project or one end user (a chart by day of either), within the tenant', async () => {
    const { prisma } = database();
    const day = (offset: number) => new Date(Date.UTC(2026, 10, 10 + offset));
    const shopId = (await prisma.project.findFirstOrThrow({ where: { tenantId: acme.id, name: 'Shop front' } })).id;
    const blogId = (await prisma.project.findFirstOrThrow({ where: { tenantId: acme.id, name: 'Team blog' } })).id;
    const theirsId = (await prisma.project.findFirstOrThrow({ where: { tenantId: globex.id } })).id;
    await prisma.usageDaily.createMany({
      data: [
        { tenantId: acme.id, mode: 'live', day: day(0), projectId: shopId, externalUserId: 'user-1', generations: 2, costMicros: 100n },
        { tenantId: acme.id, mode: 'live', day: day(1), projectId: shopId, externalUserId: 'user-2', generations: 3, costMicros: 300n },
        { tenantId: acme.id, mode: 'live', day: day(1), projectId: blogId, externalUserId: 'user-1', generations: 5, costMicros: 50n },
        { tenantId: globex.id, mode: 'live', day: day(1), projectId: theirsId, externalUserId: 'user-1', generations: 7, costMicros: 700n },
      ],
    });
    const USAGE = `query($projectId: ID, $externalUserId: String) { usage(from: "2026-11-10T00:00:00Z", to: "2026-11-12T00:00:00Z", groupBy: DAY, projectId: $projectId, externalUserId: $externalUserId) {
      totals { generations costMicros } rows { key generations } } }`;
    const report = async (variables: Record<string, unknown>) => (await consoleGraphql(app, acmeConsole, USAGE, variables)).data.usage;
    expect((await report({})).totals).toEqual({ generations: 10, costMicros: 450 });
    expect(await report({ projectId: ids.shop })).toEqual({ totals: { generations: 5, costMicros: 400 }, rows: [{ key: '2026-11-10', generations: 2 }, { key: '2026-11-11', generations: 3 }] });
    expect((await report({ externalUserId: 'user-1' })).totals).toEqual({ generations: 7, costMicros: 150 });
    expect((await report({ projectId: ids.shop, externalUserId: 'user-2' })).totals.generations).toBe(3);
    // Another tenant's project: nothing of it (usage stays the caller's).
    expect((await report({ projectId: encodeId('Project', theirsId) })).totals).toEqual({ generations: 0, costMicros: 0 });
    expect(errorCode(await consoleGraphql(app, acmeConsole, USAGE, { projectId: 'nope' }))).toBe('BAD_USER_INPUT');
  });

  it('shows when each key was last used', async () => {
    await graphql(app, acme.live, '{ viewer { name } }');
    // lastUsedAt is written in the background, at most once a minute per key.
    let used: string | null = null;
    for (let attempt = 0; attempt < 50 && !used; attempt++) {
      const keys = (await consoleGraphql(app, acmeConsole, '{ apiKeys(first: 100) { edges { node { name lastUsedAt } } } }')).data.apiKeys.edges;
      used = keys.find((edge: any) => edge.node.name === 'live').node.lastUsedAt;
      if (!used) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(used).not.toBeNull();
  });
});
