import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalPubSub, createPubSub, hashSecret } from '@everjust/core';
import {
  consoleGraphql,
  createTestApp,
  createTestTenant,
  errorCode,
  graphql,
  signInToConsole,
  type TestTenant,
} from '../../../test-support/app.js';
import { describeEachDatabase, redisUrl } from '../../../test-support/databases.js';
import type { App } from '../app.js';
import { createApiKeyRecord } from '../services/tenants.js';
import { mintConsoleLink } from './console-links.js';

const CREATE_LINK = 'mutation { createConsoleLink(input: {}) { url expiresAt } }';
const VIEWER = '{ viewer { name mode } }';
const ORIGIN = 'http://everjust.test';

describeEachDatabase('console sign-in', (database) => {
  let app: App;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    // A long auth cache: sign-out must not wait for it to expire.
    app = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000', EVERJUST_PUBLIC_URL: ORIGIN });
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
  });
  afterAll(async () => app.stop());

  const login = (url: string) => app.fetch(url, { redirect: 'manual' });
  const session = (cookie: string | undefined, headers: Record<string, string> = {}) =>
    app.fetch(`${ORIGIN}/console/api/session`, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  const post = (path: string, cookie: string, headers: Record<string, string> = {}) => app.fetch(`${ORIGIN}${path}`, { method: 'POST', headers: { cookie, ...headers } });

  it('mints a one-time link with a live full-scope secret key, stored only as a hash', async () => {
    const before = Date.now();
    const response = await graphql(app, acme.live, CREATE_LINK);
    expect(response.errors).toBeUndefined();
    const { url, expiresAt } = response.data.createConsoleLink;
    expect(url).toMatch(/^http:\/\/everjust\.test\/console\/login\?token=ej_cl_[A-Za-z0-9_-]{43}$/);
    const ttl = new Date(expiresAt).getTime() - before;
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1_000);
    const token = new URL(url).searchParams.get('token')!;
    const row = await database().prisma.consoleLink.findUniqueOrThrow({ where: { hash: hashSecret(token) } });
    expect(row.tenantId).toBe(acme.id);
    expect(JSON.stringify(row)).not.toContain(token);
    const shorter = await graphql(app, acme.live, 'mutation { createConsoleLink(input: { expiresInSeconds: 60 }) { expiresAt } }');
    expect(new Date(shorter.data.createConsoleLink.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('refuses to mint a link for a test key, a restricted key (even one with keys:write), a widget token or a console session', async () => {
    const keysOnly = (await createApiKeyRecord(database().prisma, { tenantId: acme.id, mode: 'live', name: 'keys only', scopes: ['keys:write'] })).secret;
    const noKeys = (await createApiKeyRecord(database().prisma, { tenantId: acme.id, mode: 'live', name: 'no keys', scopes: ['projects:read', 'projects:write', 'sessions:read', 'sessions:write', 'usage:read', 'webhooks:write'] })).secret;
    const count = () => database().prisma.consoleLink.count({ where: { tenantId: acme.id } });
    const before = await count();
    for (const key of [acme.test, keysOnly, noKeys]) {
      const refused = await graphql(app, key, CREATE_LINK);
      expect(refused.status, key.slice(0, 12)).toBe(403);
      expect(errorCode(refused)).toBe('FORBIDDEN');
    }
    const widget = await graphql(app, acme.live, 'mutation { createWidgetToken(input: { externalUserId: "u1", origin: "http://localhost:5173", newProject: { name: "w" } }) { token } }');
    expect(widget.errors).toBeUndefined();
    const byWidget = await graphql(app, widget.data.createWidgetToken.token, CREATE_LINK, undefined, { origin: 'http://localhost:5173' });
    expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(errorCode(byWidget));
    const signedIn = await signInToConsole(app, acme.id);
    expect(errorCode(await consoleGraphql(app, signedIn, CREATE_LINK))).toBe('FORBIDDEN');
    expect(await count()).toBe(before + 1); // only signInToConsole's own link
  });

  it('signs in with a valid link: a hashed session, an HttpOnly SameSite=Strict cookie (Secure off localhost) and a 303 to /console/', async () => {
    const link = await mintConsoleLink(database().prisma, { tenantId: acme.id, publicUrl: ORIGIN, ttlMs: 60_000 });
    const response = await login(link.url);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ej_console=ej_cs_[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+; Secure$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThan(12 * 3600 - 60);
    expect(maxAge).toBeLessThanOrEqual(12 * 3600);
    const value = setCookie.split(';')[0]!.split('=')[1]!;
    const row = await database().prisma.consoleSession.findUniqueOrThrow({ where: { hash: hashSecret(value) } });
    expect(row).toMatchObject({ tenantId: acme.id, revokedAt: null });
    expect(JSON.stringify(row)).not.toContain(value);

    for (const host of ['localhost:4000', '127.0.0.1:4000']) {
      const local = await mintConsoleLink(database().prisma, { tenantId: acme.id, publicUrl: `http://${host}`, ttlMs: 60_000 });
      const answered = await login(local.url);
      expect(answered.status).toBe(303);
      expect(answered.headers.get('set-cookie')).not.toContain('Secure');
    }
  });

  it('answers a reused, expired or forged link with a clear page, no cookie and no session', async () => {
    const sessions = () => database().prisma.consoleSession.count({ where: { tenantId: acme.id } });
    const used = await mintConsoleLink(database().prisma, { tenantId: acme.id, publicUrl: ORIGIN, ttlMs: 60_000 });
    expect((await login(used.url)).status).toBe(303);
    const expired = await mintConsoleLink(database().prisma, { tenantId: acme.id, publicUrl: ORIGIN, ttlMs: 60_000, now: new Date(Date.now() - 120_000) });
    const before = await sessions();
    const forged = `${ORIGIN}/console/login?token=ej_cl_${'A'.repeat(43)}`;
    const cases: Array<[string, number, RegExp]> = [
      [used.url, 410, /already used/],
      [expired.url, 410, /expired/],
      [forged, 400, /not valid/],
      [`${ORIGIN}/console/login?token=nonsense`, 400, /not valid/],
      [`${ORIGIN}/console/login`, 400, /not valid/],
      [`${ORIGIN}/console/login?token=${encodeURIComponent("<script>alert(1)</script>")}`, 400, /not valid/],
    ];
    for (const [url, status, text] of cases) {
      const response = await login(url);
      expect(response.status, url).toBe(status);
      expect(response.headers.get('set-cookie'), url).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await response.text();
      expect(html).toMatch(text);
      expect(html).toContain('pnpm everjust console link');
      expect(html).not.toMatch(/at .*\.ts:\d+|Error:|<script/);
    }
    expect(await sessions()).toBe(before);
  });

  it('ends the session a browser held before when it signs in again', async () => {
    const before = await signInToConsole(app, acme.id);
    const link = await mintConsoleLink(database().prisma, { tenantId: globex.id, publicUrl: ORIGIN, ttlMs: 60_000 });
    const again = await app.fetch(link.url, { redirect: 'manual', headers: { cookie: before.cookie } });
    expect(again.status).toBe(303);
    expect((await session(before.cookie)).status).toBe(401);
    expect((await session(again.headers.get('set-cookie')!.split(';')[0])).status).toBe(200);
  });

  it('redeems a link exactly once when two requests race for it', async () => {
    const link = await mintConsoleLink(database().prisma, { tenantId: acme.id, publicUrl: ORIGIN, ttlMs: 60_000 });
    const statuses = (await Promise.all([login(link.url), login(link.url), login(link.url)])).map((response) => response.status).sort();
    expect(statuses).toEqual([303, 410, 410]);
  });

  it('tells the console who is signed in, with the CSRF token; 401 JSON when signed out', async () => {
    const signedIn = await signInToConsole(app, acme.id);
    const response = await session(signedIn.cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toEqual({ tenant: { id: acme.globalId, name: 'Acme', tier: 'ENTERPRISE' }, csrfToken: signedIn.csrfToken, expiresAt: expect.any(String) });
    expect(signedIn.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const cookie of [undefined, 'ej_console=', `ej_console=ej_cs_${'B'.repeat(43)}`, 'other=1']) {
      const refused = await session(cookie);
      expect(refused.status, String(cookie)).toBe(401);
      expect(await refused.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    }
    for (const origin of ['https://evil.example', 'null']) expect((await session(signedIn.cookie, { origin })).status, origin).toBe(403);
    expect((await app.fetch(`${ORIGIN}/console/api/nothing`, { headers: { cookie: signedIn.cookie } })).status).toBe(404);
    expect((await app.fetch(`${ORIGIN}/console/api/session`, { method: 'POST', headers: { cookie: signedIn.cookie } })).status).toBe(405);
  });

  it('accepts the cookie on /graphql only with its CSRF header and from its own origin', async () => {
    const signedIn = await signInToConsole(app, acme.id);
    const withCookie = (headers: Record<string, string>) => graphql(app, null, VIEWER, undefined, { cookie: signedIn.cookie, ...headers });

    const missing = await withCookie({});
    expect(missing.status).toBe(403);
    expect(errorCode(missing)).toBe('CSRF_FAILED');
    expect(missing.data).toBeUndefined();
    expect(errorCode(await withCookie({ 'x-everjust-csrf': `${signedIn.csrfToken.slice(0, -1)}x` }))).toBe('CSRF_FAILED');
    // Another session's token is not this one's.
    const other = await signInToConsole(app, acme.id);
    expect(errorCode(await withCookie({ 'x-everjust-csrf': other.csrfToken }))).toBe('CSRF_FAILED');

    // From another origin the cookie is refused even with the right token.
    for (const origin of ['https://evil.example', 'http://everjust.test:8080', 'https://everjust.test', 'null']) {
      const foreign = await withCookie({ 'x-everjust-csrf': signedIn.csrfToken, origin });
      expect(foreign.status, origin).toBe(403);
      expect(errorCode(foreign)).toBe('CSRF_FAILED');
    }
    const mutation = await graphql(app, null, 'mutation { createProject(input: { name: "csrf" }) { id } }', undefined, { cookie: signedIn.cookie, origin: 'https://evil.example' });
    expect(errorCode(mutation)).toBe('CSRF_FAILED');
    expect(await database().prisma.project.count({ where: { tenantId: acme.id, name: 'csrf' } })).toBe(0);

    const own = await withCookie({ 'x-everjust-csrf': signedIn.csrfToken, origin: ORIGIN });
    expect(own.status).toBe(200);
    expect(own.data.viewer).toEqual({ name: 'Acme', mode: 'LIVE' });
    expect((await withCookie({ 'x-everjust-csrf': signedIn.csrfToken })).data.viewer.mode).toBe('LIVE');
  });

  it('picks the mode with X-EverJust-Mode (live by default) and acts with every scope of it; secrets stay write-only', async () => {
    const signedIn = await signInToConsole(app, acme.id);
    expect((await consoleGraphql(app, signedIn, VIEWER, undefined, { 'x-everjust-mode': 'test' })).data.viewer.mode).toBe('TEST');
    const bad = await consoleGraphql(app, signedIn, VIEWER, undefined, { 'x-everjust-mode': 'staging' });
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');

    const live = (await consoleGraphql(app, signedIn, 'mutation { createProject(input: { name: "Console live" }) { id mode } }')).data.createProject;
    const test = (await consoleGraphql(app, signedIn, 'mutation { createProject(input: { name: "Console test" }) { id mode } }', undefined, { 'x-everjust-mode': 'test' })).data.createProject;
    expect([live.mode, test.mode]).toEqual(['LIVE', 'TEST']);
    // Live and test stay separate worlds, as with keys.
    expect(errorCode(await consoleGraphql(app, signedIn, 'query($id: ID!) { project(id: $id) { id } }', { id: live.id }, { 'x-everjust-mode': 'test' }))).toBe('NOT_FOUND');
    expect((await graphql(app, acme.live, 'query($id: ID!) { project(id: $id) { name } }', { id: live.id })).data.project.name).toBe('Console live');

    // Every scope: keys, usage, webhooks.
    const created = await consoleGraphql(app, signedIn, 'mutation { createApiKey(input: { name: "from the console" }) { secret apiKey { id scopes } } }');
    expect(created.errors).toBeUndefined();
    expect(created.data.createApiKey.apiKey.scopes).toHaveLength(7);
    expect((await consoleGraphql(app, signedIn, '{ apiKeys(first: 100) { edges { node { name prefix } } } }')).data.apiKeys.edges.length).toBeGreaterThan(1);
    // Secrets are write-only here too: the listing never carries one, the Anthropic key only its last 4.
    const listing = JSON.stringify((await consoleGraphql(app, signedIn, '{ apiKeys(first: 100) { edges { node { name prefix } } } }')).data);
    expect(listing).not.toContain(created.data.createApiKey.secret);
    const settings = await consoleGraphql(app, signedIn, 'mutation { updateTenant(input: { generation: { anthropicApiKey: "sk-ant-console-0000001234" } }) { generation { hasAnthropicApiKey anthropicApiKeyLast4 } } }');
    expect(settings.data.updateTenant.generation).toEqual({ hasAnthropicApiKey: true, anthropicApiKeyLast4: '1234' });
    expect(JSON.stringify(settings)).not.toContain('sk-ant-console');
    // A console has no key to put in a widget token: it cannot mint one.
    const widget = await consoleGraphql(app, signedIn, 'mutation { createWidgetToken(input: { externalUserId: "u1", origin: "http://localhost:5173", newProject: { name: "w" } }) { token } }');
    expect(errorCode(widget)).toBe('FORBIDDEN');
  });

  it('lets an Authorization header win over the cookie', async () => {
    const signedIn = await signInToConsole(app, acme.id);
    const response = await graphql(app, globex.live, VIEWER, undefined, { cookie: signedIn.cookie });
    expect(response.data.viewer.name).toBe('Globex');
    const bad = await graphql(app, 'not-a-key', VIEWER, undefined, { cookie: signedIn.cookie, 'x-everjust-csrf': signedIn.csrfToken });
    expect(errorCode(bad)).toBe('UNAUTHENTICATED');
  });

  it("never reads another tenant's data through a console session", async () => {
    const globexProject = (await graphql(app, globex.live, 'mutation { createProject(input: { name: "Globex secret" }) { id } }')).data.createProject.id;
    const globexKey = await database().prisma.apiKey.findFirstOrThrow({ where: { tenantId: globex.id } });
    const signedIn = await signInToConsole(app, acme.id);
    const attempts = [
      consoleGraphql(app, signedIn, 'query($id: ID!) { project(id: $id) { id name } }', { id: globexProject }),
      consoleGraphql(app, signedIn, 'query($id: ID!) { node(id: $id) { id ... on Project { name } } }', { id: globexProject }),
      consoleGraphql(app, signedIn, 'mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id } }', { input: { id: globexProject, name: 'pwned' } }),
      consoleGraphql(app, signedIn, 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id } }', { input: { id: (await import('@everjust/core')).encodeId('ApiKey', globexKey.id) } }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(errorCode(response)).toBe('NOT_FOUND');
      expect(JSON.stringify(response.data ?? null)).not.toContain('Globex secret');
    }
    const listed = await consoleGraphql(app, signedIn, '{ projects(first: 100) { edges { node { id } } } }');
    expect(listed.data.projects.edges.map((edge: any) => edge.node.id)).not.toContain(globexProject);
    expect((await database().prisma.apiKey.findUniqueOrThrow({ where: { id: globexKey.id } })).revokedAt).toBeNull();
  });

  it('signs out at once (CSRF required), and signs out everywhere: every console session of the tenant, on every instance', async () => {
    const pubsub = createLocalPubSub();
    const first = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000', EVERJUST_PUBLIC_URL: ORIGIN }, pubsub);
    const second = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000', EVERJUST_PUBLIC_URL: ORIGIN }, pubsub);
    try {
      const one = await signInToConsole(first, acme.id);
      const two = await signInToConsole(first, acme.id);
      const three = await signInToConsole(first, acme.id);
      const theirs = await signInToConsole(first, globex.id);
      // All cached on both instances.
      for (const signedIn of [one, two, three, theirs]) {
        for (const instance of [first, second]) expect((await consoleGraphql(instance, signedIn, VIEWER)).status).toBe(200);
      }

      // Without the CSRF token (or from another origin) nothing is signed out.
      expect((await first.fetch(`${ORIGIN}/console/api/logout`, { method: 'POST', headers: { cookie: one.cookie } })).status).toBe(403);
      expect((await first.fetch(`${ORIGIN}/console/api/logout-everywhere`, { method: 'POST', headers: { cookie: one.cookie, 'x-everjust-csrf': one.csrfToken, origin: 'https://evil.example' } })).status).toBe(403);
      expect((await consoleGraphql(second, one, VIEWER)).status).toBe(200);

      const out = await first.fetch(`${ORIGIN}/console/api/logout`, { method: 'POST', headers: { cookie: one.cookie, 'x-everjust-csrf': one.csrfToken } });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^ej_console=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
      for (const instance of [first, second]) {
        const refused = await consoleGraphql(instance, one, VIEWER);
        expect(refused.status).toBe(401);
        expect(errorCode(refused)).toBe('UNAUTHENTICATED');
        expect((await consoleGraphql(instance, two, VIEWER)).status).toBe(200);
      }

      const everywhere = await second.fetch(`${ORIGIN}/console/api/logout-everywhere`, { method: 'POST', headers: { cookie: two.cookie, 'x-everjust-csrf': two.csrfToken } });
      expect(everywhere.status).toBe(204);
      for (const instance of [first, second]) {
        for (const signedIn of [two, three]) {
          expect((await consoleGraphql(instance, signedIn, VIEWER)).status).toBe(401);
          expect((await instance.fetch(`${ORIGIN}/console/api/session`, { headers: { cookie: signedIn.cookie } })).status).toBe(401);
        }
        // Another tenant's sessions are not touched.
        expect((await consoleGraphql(instance, theirs, VIEWER)).status).toBe(200);
      }
      expect(await database().prisma.consoleSession.count({ where: { tenantId: acme.id, revokedAt: null } })).toBe(0);
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it.skipIf(!redisUrl)('signs out on every instance at once through Redis (two instances, one Redis)', async () => {
    const pubsubA = createPubSub({ redisUrl });
    const pubsubB = createPubSub({ redisUrl });
    const environment = { EVERJUST_AUTH_CACHE_TTL_MS: '600000', EVERJUST_PUBLIC_URL: ORIGIN };
    const instanceA = await createTestApp(database(), environment, pubsubA);
    const instanceB = await createTestApp(database(), environment, pubsubB);
    try {
      const one = await signInToConsole(instanceA, acme.id);
      const two = await signInToConsole(instanceA, acme.id);
      for (const signedIn of [one, two]) expect((await consoleGraphql(instanceB, signedIn, VIEWER)).status).toBe(200); // cached on B
      expect((await instanceA.fetch(`${ORIGIN}/console/api/logout`, { method: 'POST', headers: { cookie: one.cookie, 'x-everjust-csrf': one.csrfToken } })).status).toBe(204);
      const waitForRefusal = async (signedIn: typeof one) => {
        for (let attempt = 0; attempt < 100; attempt++) {
          if ((await consoleGraphql(instanceB, signedIn, VIEWER)).status === 401) return true;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return false;
      };
      expect(await waitForRefusal(one)).toBe(true);
      expect((await consoleGraphql(instanceB, two, VIEWER)).status).toBe(200);
      expect((await instanceA.fetch(`${ORIGIN}/console/api/logout-everywhere`, { method: 'POST', headers: { cookie: two.cookie, 'x-everjust-csrf': two.csrfToken } })).status).toBe(204);
      expect(await waitForRefusal(two)).toBe(true);
    } finally {
      await instanceA.stop();
      await instanceB.stop();
      await pubsubA.close();
      await pubsubB.close();
    }
  });

  it('ends a session when it expires', async () => {
    const short = await createTestApp(database(), { EVERJUST_CONSOLE_SESSION_TTL_MS: '1000', EVERJUST_AUTH_CACHE_TTL_MS: '600000', EVERJUST_PUBLIC_URL: ORIGIN });
    try {
      const signedIn = await signInToConsole(short, acme.id);
      expect((await consoleGraphql(short, signedIn, VIEWER)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect((await consoleGraphql(short, signedIn, VIEWER)).status).toBe(401);
      expect((await short.fetch(`${ORIGIN}/console/api/session`, { headers: { cookie: signedIn.cookie } })).status).toBe(401);
    } finally {
      await short.stop();
    }
  });
});
