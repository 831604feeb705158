import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createLocalPubSub, createPubSub, type PubSub } from '@everjust/core';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../../test-support/app.js';
import { describeEachDatabase, redisUrl } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';

const CREATE_KEY = 'mutation { createApiKey(input: { name: "fresh" }) { secret } }';
const KEY_ID = 'query { apiKeys(first: 1) { edges { node { id } } } }';

/** A graphql-ws client on `url`, and the close event of its socket once it closes. */
function connect(url: string, key: string): { client: Client; closed: Promise<{ code: number; reason: string }> } {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  return { client, closed };
}

/** One operation over the socket: its result, or what ended it (a close event). */
function run(client: Client, query: string): Promise<{ data?: any; errors?: any[]; closed?: { code: number } }> {
  return new Promise((resolve) => {
    let result: { data?: any; errors?: any[] } = {};
    client.subscribe({ query }, {
      next: (value) => (result = value as typeof result),
      error: (error) => resolve(Array.isArray(error) ? { errors: error } : { closed: error as { code: number } }),
      complete: () => resolve(result),
    });
  });
}

async function keysNamedFresh(platform: TestPlatform, tenantId: string) {
  return platform.app.services.prisma.apiKey.count({ where: { tenantId, name: 'fresh' } });
}

describeEachDatabase('graphql-ws and the key that opened the socket', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database(), { worker: false });
  });
  beforeAll(async () => {
    tenant = await createTestTenant(database());
  });
  afterAll(async () => platform.stop());

  it('closes the socket of a revoked key with 4403, and its next operation gets nothing done', async () => {
    const { secret } = (await graphql(platform.app, tenant.live, CREATE_KEY)).data.createApiKey;
    const { client, closed } = connect(platform.url, secret);
    try {
      const keyId = (await run(client, KEY_ID)).data.apiKeys.edges[0].node.id;
      const revoked = await graphql(platform.app, secret, 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { revokedAt } }', { input: { id: keyId } });
      expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
      expect(errorCode(await graphql(platform.app, secret, 'query { viewer { id } }'))).toBe('UNAUTHENTICATED');

      const attempt = await run(client, CREATE_KEY);
      expect(attempt.data?.createApiKey).toBeUndefined();
      expect((await closed).code).toBe(4403);
      expect(await keysNamedFresh(platform, tenant.id)).toBe(1); // only the one made over HTTP above
    } finally {
      await client.dispose();
    }
  });

  it('refuses the next operation of a key revoked where no broadcast reached (the cache expired), closing with 4403', async () => {
    const shortCache = await startTestPlatform(database(), { worker: false, environment: { EVERJUST_AUTH_CACHE_TTL_MS: '50' } });
    const { apiKey, secret } = await (await import('./services/tenants.js')).createApiKeyRecord(database().prisma, { tenantId: tenant.id, mode: 'live', name: 'quiet' });
    const { client, closed } = connect(shortCache.url, secret);
    try {
      expect((await run(client, 'query { viewer { id } }')).data.viewer.id).toBe(tenant.globalId);
      // Revoked behind the API's back (no pub/sub message): only the per-operation check can notice.
      await database().prisma.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const attempt = await run(client, CREATE_KEY);
      expect(attempt.data?.createApiKey).toBeUndefined();
      expect((await closed).code).toBe(4403);
    } finally {
      await client.dispose();
      await shortCache.stop();
    }
  });

  it('sees tenant changes on an open socket: every operation reads the caller afresh', async () => {
    const { client } = connect(platform.url, tenant.live);
    try {
      expect((await run(client, 'query { viewer { name } }')).data.viewer.name).toBe('Test tenant');
      await graphql(platform.app, tenant.live, 'mutation { updateTenant(input: { name: "Renamed" }) { name } }');
      expect((await run(client, 'query { viewer { name } }')).data.viewer.name).toBe('Renamed');
    } finally {
      await client.dispose();
    }
  });
});

describeEachDatabase('graphql-ws across two API instances', (database) => {
  it('closes, on instance A, the socket of a key revoked over HTTP on instance B', async () => {
    // Redis when there is one (as deployed); else one in-process bus standing in for it.
    const shared = createLocalPubSub();
    const pubsubs: PubSub[] = redisUrl ? [createPubSub({ redisUrl }), createPubSub({ redisUrl })] : [shared, shared];
    const instanceA = await startTestPlatform(database(), { worker: false, pubsub: pubsubs[0] });
    const instanceB = await startTestPlatform(database(), { worker: false, pubsub: pubsubs[1] });
    const tenant = await createTestTenant(database());
    const { secret } = (await graphql(instanceA.app, tenant.live, CREATE_KEY)).data.createApiKey;
    const { client, closed } = connect(instanceA.url, secret);
    try {
      const keyId = (await run(client, KEY_ID)).data.apiKeys.edges[0].node.id;
      // Cached on A: without the broadcast, A would keep answering for the whole cache TTL.
      expect((await graphql(instanceA.app, secret, 'query { viewer { id } }')).data.viewer.id).toBe(tenant.globalId);
      await graphql(instanceB.app, tenant.live, 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { id } }', { input: { id: keyId } });
      expect((await closed).code).toBe(4403);
      expect(errorCode(await graphql(instanceA.app, secret, 'query { viewer { id } }'))).toBe('UNAUTHENTICATED');
      expect(await keysNamedFresh(instanceA, tenant.id)).toBe(1);
    } finally {
      await client.dispose();
      await instanceA.stop();
      await instanceB.stop();
      if (redisUrl) for (const pubsub of pubsubs) await pubsub.close();
    }
  });
});
