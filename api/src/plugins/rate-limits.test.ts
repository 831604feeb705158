import { setTimeout as sleep } from 'node:timers/promises';
import { encodeId, signPreviewToken } from '@everjust/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestTenant, errorCode, graphql, type GraphQLResponse, type TestTenant } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';
import { listen } from '../server.js';

const VIEWER = '{ viewer { id } }'; // cost 1
const PAGE_OF_20 = '{ projects(first: 20) { edges { node { id } } } }'; // cost 1 + 20 × 2 = 41
const createProjects = (count: number) =>
  `mutation { ${Array.from({ length: count }, (_, i) => `p${i}: createProject(input: { name: "limited ${i}" }) { id }`).join('\n')} }`;

const header = (response: GraphQLResponse, name: string) => response.headers.get(name);
const ok = (response: GraphQLResponse) => response.status === 200 && !response.errors;

function expectRefusal(response: GraphQLResponse, limit: string) {
  expect(response.status).toBe(429);
  expect(errorCode(response)).toBe('RATE_LIMITED');
  const { retryAfter } = response.errors![0].extensions;
  expect(response.errors![0].extensions.limit).toBe(limit);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(header(response, 'retry-after')).toBe(String(retryAfter));
  expect(response.errors![0].extensions.http).toBeUndefined(); // for Yoga, not for clients
  expect(response.data).toBeUndefined();
  return retryAfter as number;
}

describe('rate limits (in memory)', () => {
  let database: TestDatabase;
  let app: App;
  /** burst 5/s, 8 requests an hour, query cost 50 a minute. */
  let limited: TestTenant;
  /** Query cost 50 a minute; the rest enterprise. */
  let frugal: TestTenant;
  let other: TestTenant;
  const projectCount = (tenant: TestTenant) => database.prisma.project.count({ where: { tenantId: tenant.id } });

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    app = await createTestApp(database);
    // Overrides before the keys' first use: the authentication cache holds the tenant.
    limited = await createTestTenant(database, { name: 'Limited', tier: 'free' });
    await database.prisma.tenant.update({ where: { id: limited.id }, data: { limitOverrides: { burstPerSecond: 5, requestsPerHour: 8, queryCostPerMinute: 50 } } });
    frugal = await createTestTenant(database, { name: 'Frugal' });
    await database.prisma.tenant.update({ where: { id: frugal.id }, data: { limitOverrides: { queryCostPerMinute: 50 } } });
    other = await createTestTenant(database, { name: 'Other' });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it('allows the per-second burst, then answers 429 with Retry-After; another tenant at the same time is unaffected', async () => {
    const [others, ...responses] = await Promise.all([graphql(app, other.live, VIEWER), ...Array.from({ length: 6 }, () => graphql(app, limited.live, VIEWER))]);
    expect(responses.filter(ok)).toHaveLength(5);
    const refused = responses.filter((response) => !ok(response));
    expect(refused).toHaveLength(1);
    expect(expectRefusal(refused[0], 'burstPerSecond')).toBe(1);
    expect(header(refused[0], 'ratelimit-limit')).toBe('5');
    expect(header(refused[0], 'ratelimit-remaining')).toBe('0');
    expect(ok(others)).toBe(true);
    expect(header(others, 'ratelimit-policy')).toBe('300;w=1, 100000;w=60'); // enterprise: no hourly limit
  });

  it('holds the tenant to its hourly requests, refused ones not counted, with headers counting down', async () => {
    await sleep(1_100); // the burst window has passed; 5 of 8 hourly requests are used
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await graphql(app, limited.live, VIEWER);
      expect(ok(response)).toBe(true);
      expect(header(response, 'ratelimit-limit')).toBe('8');
      expect(Number(header(response, 'ratelimit-reset'))).toBeGreaterThan(3500);
      expect(header(response, 'ratelimit-policy')).toBe('5;w=1, 8;w=3600, 50;w=60');
      expect(response.extensions?.cost).toEqual({ requested: 1, actual: 1, remaining: expect.any(Number) });
      remaining.push(header(response, 'ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    // The ninth is refused before any resolver runs: no project is made.
    const refused = await graphql(app, limited.live, createProjects(1));
    expect(expectRefusal(refused, 'requestsPerHour')).toBeGreaterThan(3500);
    expect(refused.errors![0].extensions.max).toBe(8);
    expect(header(refused, 'ratelimit-remaining')).toBe('0');
    expect(await projectCount(limited)).toBe(0);
    // Another tenant, and the same tenant's test mode, have counters of their own.
    expect(ok(await graphql(app, other.live, VIEWER))).toBe(true);
    const testMode = await graphql(app, limited.test, VIEWER);
    expect(ok(testMode)).toBe(true);
    // Test mode: 1,000 requests an hour whatever the tier and overrides; the burst and cost overrides still apply.
    expect(header(testMode, 'ratelimit-policy')).toBe('5;w=1, 1000;w=3600, 50;w=60');
  });

  it('charges query cost per minute, refuses what the bucket cannot pay for, and gives refused cost back', async () => {
    const first = await graphql(app, frugal.live, PAGE_OF_20);
    expect(ok(first)).toBe(true);
    expect(first.extensions?.cost).toEqual({ requested: 41, actual: 41, remaining: 9 });
    // The cost bucket is now the closest to refusing, so it is the one the headers show.
    expect([header(first, 'ratelimit-limit'), header(first, 'ratelimit-remaining')]).toEqual(['50', '9']);

    const second = await graphql(app, frugal.live, PAGE_OF_20);
    expect(expectRefusal(second, 'queryCostPerMinute')).toBeLessThanOrEqual(60);
    expect(second.extensions?.cost).toEqual({ requested: 41, actual: 0, remaining: 9 });

    // What is left still pays for cheaper operations; a mutation it cannot pay for does nothing.
    const cheap = await graphql(app, frugal.live, VIEWER);
    expect(ok(cheap)).toBe(true);
    expect(cheap.extensions?.cost).toEqual({ requested: 1, actual: 1, remaining: 8 });
    expectRefusal(await graphql(app, frugal.live, createProjects(9)), 'queryCostPerMinute');
    expect(await projectCount(frugal)).toBe(0);
    const eight = await graphql(app, frugal.live, createProjects(8));
    expect(ok(eight)).toBe(true);
    expect(eight.extensions?.cost).toEqual({ requested: 8, actual: 8, remaining: 0 });
    expect(await projectCount(frugal)).toBe(8);
  });

  it('gives test mode 1,000 requests an hour whatever the tier', async () => {
    const starter = await createTestTenant(database, { name: 'Starter', tier: 'starter' });
    const live = await graphql(app, starter.live, VIEWER);
    const test = await graphql(app, starter.test, VIEWER);
    expect(header(live, 'ratelimit-policy')).toBe('30;w=1, 10000;w=3600, 5000;w=60');
    expect(header(test, 'ratelimit-policy')).toBe('30;w=1, 1000;w=3600, 5000;w=60');
  });
});

describe('rate limits without a valid key', () => {
  let database: TestDatabase;
  let app: App;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    app = await createTestApp(database, { EVERJUST_UNAUTHENTICATED_PER_MINUTE: '3' });
    tenant = await createTestTenant(database);
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it('answers 401 up to the per-IP limit, then 429; keys, health routes and GraphiQL are not limited, bad preview links are', async () => {
    const remaining: string[] = [];
    for (const key of [null, 'ej_live_sk_wrong', null]) {
      const response = await graphql(app, key, VIEWER);
      expect(response.status).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(header(response, 'ratelimit-limit')).toBe('3');
      remaining.push(header(response, 'ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await graphql(app, null, VIEWER, undefined, { 'x-request-id': 'over-the-limit' });
    expect(expectRefusal(refused, 'unauthenticatedPerMinute')).toBeLessThanOrEqual(60);
    expect(refused.errors![0].extensions.requestId).toBe('over-the-limit');
    expectRefusal(await graphql(app, 'ej_test_sk_wrong', VIEWER), 'unauthenticatedPerMinute');

    // A valid key from the same address counts against its tenant, not the address.
    const authenticated = await graphql(app, tenant.live, VIEWER);
    expect(ok(authenticated)).toBe(true);
    expect(header(authenticated, 'ratelimit-limit')).toBe('300');

    const healthz = await app.fetch('http://everjust.test/healthz');
    expect(healthz.status).toBe(200);
    expect(healthz.headers.get('ratelimit-limit')).toBeNull();
    expect((await app.fetch('http://everjust.test/readyz')).status).toBe(200);
    expect((await app.fetch('http://everjust.test/graphql', { headers: { accept: 'text/html' } })).status).toBe(200);
    // A bad preview link counts as an unauthenticated request: this address has none left.
    expect((await app.fetch('http://everjust.test/preview/not-a-token/index.html')).status).toBe(429);
  });

  it("counts by the client's address when served over a socket", async () => {
    const socketApp = await createTestApp(database, { EVERJUST_UNAUTHENTICATED_PER_MINUTE: '2' });
    const server = await listen(socketApp.handler, 0, '127.0.0.1');
    try {
      const client = { fetch: (input: string, init?: RequestInit) => fetch(input.replace('http://everjust.test', server.url), init) };
      expect((await graphql(client, null, VIEWER)).status).toBe(401);
      expect((await graphql(client, null, VIEWER)).status).toBe(401);
      expectRefusal(await graphql(client, null, VIEWER), 'unauthenticatedPerMinute');
      // The counter is the socket's address, not the constant `yoga.fetch` uses.
      expect((await graphql(socketApp, null, VIEWER)).status).toBe(401);
    } finally {
      await server.close();
      await socketApp.stop();
    }
  });
});

describe('rate limits on the routes outside GraphQL: ZIP archives and static previews', () => {
  let database: TestDatabase;
  const apps: App[] = [];
  const appWith = async (environment: Record<string, string>) => {
    const app = await createTestApp(database, environment);
    apps.push(app);
    return app;
  };
  const get = async (app: App, path: string, key?: string) => {
    const response = await app.fetch(`http://everjust.test${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const body = response.headers.get('content-type')?.startsWith('application/json') ? await response.json() : await response.text();
    return { status: response.status, headers: response.headers, body };
  };

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.stop();
    await database.close();
  });

  it("counts a ZIP download as one of the tenant's requests: headers, then 429 with Retry-After", async () => {
    const app = await appWith({});
    const tenant = await createTestTenant(database, { name: 'Archiver', tier: 'free' });
    await database.prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: { requestsPerHour: 3 } } });
    const created = await graphql(app, tenant.live, 'mutation { createProject(input: { name: "Zipped" }) { id } }'); // request 1 of 3
    const archive = `/v1/projects/${created.data.createProject.id}/archive.zip`;
    const remaining: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await get(app, archive, tenant.live);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(response.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['1', '0']);
    const refused = await get(app, archive, tenant.live);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'requestsPerHour' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    // The archive counted where GraphQL counts: the tenant's next operation is refused too.
    expect((await graphql(app, tenant.live, VIEWER)).status).toBe(429);
  });

  it('counts refused archive credentials per IP: 401 up to the limit, then 429', async () => {
    const app = await appWith({ EVERJUST_UNAUTHENTICATED_PER_MINUTE: '2' });
    const archive = `/v1/projects/${encodeId('Project', 'nope')}/archive.zip`;
    for (const key of [undefined, 'ej_live_sk_wrong']) {
      const response = await get(app, archive, key);
      expect(response.status).toBe(401);
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(response.headers.get('ratelimit-limit')).toBe('2');
    }
    const refused = await get(app, archive, 'ej_live_sk_wrong');
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'unauthenticatedPerMinute' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('counts every preview response per IP, and a bad link also as an unauthenticated request', async () => {
    const app = await appWith({ EVERJUST_PREVIEW_PER_MINUTE: '4', EVERJUST_UNAUTHENTICATED_PER_MINUTE: '1' });
    const tenant = await createTestTenant(database, { name: 'Previewer' });
    const project = await database.prisma.project.create({ data: { tenantId: tenant.id, mode: 'live', name: 'Shown' } });
    const token = signPreviewToken(app.services.secret, { projectId: project.id, mode: 'live', expiresAt: Math.floor(Date.now() / 1000) + 600 });
    // A valid link: answered (404 here, the project has no files) with the preview bucket's headers.
    const first = await get(app, `/preview/${token}/index.html`);
    expect(first.status).toBe(404);
    expect(first.headers.get('ratelimit-limit')).toBe('4');
    expect(first.headers.get('ratelimit-remaining')).toBe('3');
    // A bad link: the 404 page, and the address's one unauthenticated request is used.
    expect((await get(app, '/preview/not-a-token/index.html')).status).toBe(404);
    const guessing = await get(app, '/preview/still-not-a-token/index.html');
    expect(guessing.status).toBe(429);
    expect(guessing.body).toMatch(/retry after \d+ s/);
    // The valid link still answers until the address's preview budget is spent.
    expect((await get(app, `/preview/${token}/index.html`)).status).toBe(404);
    const spent = await get(app, `/preview/${token}/index.html`);
    expect(spent.status).toBe(429);
    expect(Number(spent.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(spent.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups allow-modals');
  });
});

describe('rate limits turned off (EVERJUST_RATE_LIMITS=off, the benchmark baseline)', () => {
  it('neither limits nor reports', async () => {
    const database = await openPgliteTestDatabase();
    const app = await createTestApp(database, { EVERJUST_RATE_LIMITS: 'off' });
    try {
      const tenant = await createTestTenant(database);
      await database.prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: { burstPerSecond: 1, requestsPerHour: 1 } } });
      const responses = await Promise.all(Array.from({ length: 3 }, () => graphql(app, tenant.live, VIEWER)));
      expect(responses.every(ok)).toBe(true);
      expect(responses[0].headers.get('ratelimit-limit')).toBeNull();
      expect(responses[0].extensions?.cost).toBeUndefined();
    } finally {
      await app.stop();
      await database.close();
    }
  });
});
