import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPubSub, hashSecret } from '@everjust/core';
import { consoleGraphql, createTestApp, createTestTenant, errorCode, graphql, signInToConsole, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase, redisUrl } from '../../../test-support/databases.js';
import type { App } from '../app.js';

const VIEWER = '{ viewer { id name } }';
const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name prefix mode scopes revokedAt } } }`;
const REVOKE_KEY = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id revokedAt } }`;

describeEachDatabase('API keys', (database) => {
  let app: App;
  let acme: TestTenant;

  beforeAll(async () => {
    // A long cache: revocation must not wait for it to expire.
    app = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000' });
    acme = await createTestTenant(database(), { name: 'Acme' });
  });
  afterAll(async () => app.stop());

  it('answers a missing, malformed, unknown or revoked key with UNAUTHENTICATED and HTTP 401', async () => {
    const created = await graphql(app, acme.live, CREATE_KEY, { input: { name: 'to revoke' } });
    const revoked = created.data.createApiKey;
    await graphql(app, acme.live, REVOKE_KEY, { input: { id: revoked.apiKey.id } });
    const unknown = `ej_live_sk_${'A'.repeat(40)}`;
    for (const key of [null, 'not-a-key', 'ej_live_sk_short', unknown, revoked.secret]) {
      const response = await graphql(app, key, VIEWER);
      expect(response.status, String(key)).toBe(401);
      expect(errorCode(response)).toBe('UNAUTHENTICATED');
      expect(response.data).toBeUndefined();
    }
    const wrongScheme = await app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${acme.live}` },
      body: JSON.stringify({ query: VIEWER }),
    });
    expect(wrongScheme.status).toBe(401);
  });

  it('shows a new secret once and stores only its hash', async () => {
    const response = await graphql(app, acme.live, CREATE_KEY, { input: { name: 'CI key', mode: 'TEST', scopes: ['PROJECTS_READ'] } });
    const { secret, apiKey } = response.data.createApiKey;
    expect(secret).toMatch(/^ej_test_sk_[A-Za-z0-9]{40}$/);
    expect(apiKey).toMatchObject({ name: 'CI key', mode: 'TEST', scopes: ['PROJECTS_READ'], revokedAt: null });
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    const row = await database().prisma.apiKey.findFirstOrThrow({ where: { name: 'CI key', tenantId: acme.id } });
    expect(row.hash).toBe(hashSecret(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    const listed = await graphql(app, acme.live, '{ apiKeys(first: 50) { edges { node { id name prefix } } } }');
    expect(JSON.stringify(listed.data)).not.toContain(secret);
    expect(listed.data.apiKeys.edges.map((edge: any) => edge.node.name)).toContain('CI key');
  });

  it('enforces scopes: without keys:write no key can be made; a key grants only the scopes it has', async () => {
    const readOnly = (await graphql(app, acme.live, CREATE_KEY, { input: { name: 'read only', scopes: ['PROJECTS_READ'] } })).data.createApiKey.secret;
    const denied = await graphql(app, readOnly, CREATE_KEY, { input: { name: 'escalate' } });
    expect(denied.status).toBe(403);
    expect(errorCode(denied)).toBe('FORBIDDEN');
    expect(errorCode(await graphql(app, readOnly, 'mutation { createProject(input: { name: "x" }) { id } }'))).toBe('FORBIDDEN');
    expect((await graphql(app, readOnly, '{ projects(first: 1) { edges { node { id } } } }')).errors).toBeUndefined();

    const keysOnly = (await graphql(app, acme.live, CREATE_KEY, { input: { name: 'keys only', scopes: ['KEYS_WRITE'] } })).data.createApiKey.secret;
    const wider = await graphql(app, keysOnly, CREATE_KEY, { input: { name: 'wider', scopes: ['KEYS_WRITE', 'PROJECTS_WRITE'] } });
    expect(errorCode(wider)).toBe('FORBIDDEN');
    expect(await database().prisma.apiKey.count({ where: { tenantId: acme.id, name: { in: ['escalate', 'wider'] } } })).toBe(0);
  });

  it('never lets a test key make or see live keys', async () => {
    const live = await graphql(app, acme.test, CREATE_KEY, { input: { name: 'sneaky', mode: 'LIVE' } });
    expect(errorCode(live)).toBe('FORBIDDEN');
    const listed = await graphql(app, acme.test, '{ apiKeys(first: 100) { edges { node { mode } } } }');
    expect(new Set(listed.data.apiKeys.edges.map((edge: any) => edge.node.mode))).toEqual(new Set(['TEST']));
  });

  it('refuses a revoked key at once, even while it is cached', async () => {
    const { secret, apiKey } = (await graphql(app, acme.live, CREATE_KEY, { input: { name: 'cached' } })).data.createApiKey;
    expect((await graphql(app, secret, VIEWER)).status).toBe(200); // now in the cache
    const revoke = await graphql(app, acme.live, REVOKE_KEY, { input: { id: apiKey.id } });
    expect(revoke.data.revokeApiKey.revokedAt).toBeTruthy();
    expect((await graphql(app, secret, VIEWER)).status).toBe(401);
  });

  it("answers NOT_FOUND for another tenant's key", async () => {
    const other = await createTestTenant(database(), { name: 'Other' });
    const theirs = (await graphql(app, other.live, CREATE_KEY, { input: { name: 'theirs' } })).data.createApiKey;
    expect(errorCode(await graphql(app, acme.live, REVOKE_KEY, { input: { id: theirs.apiKey.id } }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(app, acme.live, `query($id: ID!) { node(id: $id) { id } }`, { id: theirs.apiKey.id }))).toBe('NOT_FOUND');
    expect((await graphql(app, theirs.secret, VIEWER)).status).toBe(200);
    // Nor through a console session of this tenant (in either mode).
    const signedIn = await signInToConsole(app, acme.id);
    for (const mode of ['live', 'test']) {
      expect(errorCode(await consoleGraphql(app, signedIn, REVOKE_KEY, { input: { id: theirs.apiKey.id } }, { 'x-everjust-mode': mode }))).toBe('NOT_FOUND');
      expect(errorCode(await consoleGraphql(app, signedIn, `query($id: ID!) { node(id: $id) { id } }`, { id: theirs.apiKey.id }, { 'x-everjust-mode': mode }))).toBe('NOT_FOUND');
      const listed = await consoleGraphql(app, signedIn, '{ apiKeys(first: 100) { edges { node { id } } } }', undefined, { 'x-everjust-mode': mode });
      expect(listed.data.apiKeys.edges.map((edge: any) => edge.node.id)).not.toContain(theirs.apiKey.id);
    }
    expect((await graphql(app, theirs.secret, VIEWER)).status).toBe(200);
  });

  it.skipIf(!redisUrl)('drops a revoked key on every instance at once (two instances on one Redis)', async () => {
    const pubsubA = createPubSub({ redisUrl });
    const pubsubB = createPubSub({ redisUrl });
    const instanceA = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000' }, pubsubA);
    const instanceB = await createTestApp(database(), { EVERJUST_AUTH_CACHE_TTL_MS: '600000' }, pubsubB);
    try {
      const { secret, apiKey } = (await graphql(instanceA, acme.live, CREATE_KEY, { input: { name: 'shared' } })).data.createApiKey;
      expect((await graphql(instanceB, secret, VIEWER)).status).toBe(200); // cached on B
      await graphql(instanceA, acme.live, REVOKE_KEY, { input: { id: apiKey.id } });
      // B hears the revocation through Redis; allow the message its trip.
      await expect.poll(async () => (await graphql(instanceB, secret, VIEWER)).status, { timeout: 1000, interval: 20 }).toBe(401);
    } finally {
      await instanceA.stop();
      await instanceB.stop();
      await pubsubA.close();
      await pubsubB.close();
    }
  });
});
