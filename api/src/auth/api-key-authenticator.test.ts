import { beforeAll, expect, it } from 'vitest';
import { createLocalPubSub, createLogger, encodeId, type PrismaClient } from '@everjust/core';
import { createTestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { createApiKeyRecord } from '../services/tenants.js';
import { API_KEY_REVOKED_CHANNEL, ApiKeyAuthenticator } from './api-key-authenticator.js';
import { WidgetTokenAuthenticator } from './widget-token-authenticator.js';
import { signWidgetToken } from './widget-tokens.js';

/**
 * A key lookup that reads the row, then stalls until released: the window in which a revocation
 * commits and is broadcast while the lookup is still in flight.
 */
function stallingLookups(prisma: PrismaClient) {
  let release!: () => void;
  let read!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const rowRead = new Promise<void>((resolve) => (read = resolve));
  const apiKey = new Proxy(prisma.apiKey, {
    get(target, property, receiver) {
      if (property !== 'findUnique') return Reflect.get(target, property, receiver);
      return async (args: Parameters<PrismaClient['apiKey']['findUnique']>[0]) => {
        const row = await target.findUnique(args);
        read();
        await released;
        return row;
      };
    },
  });
  const stalling = new Proxy(prisma, { get: (target, property, receiver) => (property === 'apiKey' ? apiKey : Reflect.get(target, property, receiver)) });
  return { prisma: stalling as PrismaClient, rowRead, release };
}

describeEachDatabase('API key cache and revocation', (database) => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = (await createTestTenant(database())).id;
  });

  for (const where of ['on this instance', 'on another instance'] as const) {
    it(`never caches a key read before a revocation that lands while the lookup is in flight (${where})`, async () => {
      const { secret, apiKey } = await createApiKeyRecord(database().prisma, { tenantId, mode: 'live', name: 'racing' });
      const pubsub = createLocalPubSub();
      const stall = stallingLookups(database().prisma);
      const authenticator = new ApiKeyAuthenticator({ prisma: stall.prisma, pubsub, logger: createLogger({ level: 'silent' }), cacheTtlMs: 30_000, lastUsedIntervalMs: 60_000 });
      await authenticator.start();
      try {
        const inFlight = authenticator.authenticate(`Bearer ${secret}`);
        await stall.rowRead; // the lookup holds the unrevoked row
        await database().prisma.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
        if (where === 'on this instance') await authenticator.revoked(apiKey.id);
        else await pubsub.publish(API_KEY_REVOKED_CHANNEL, apiKey.id); // what Redis delivers from the instance that revoked it
        stall.release();
        // The request racing the revocation may go either way; every later one must be refused.
        await inFlight.catch(() => undefined);
        await expect(authenticator.authenticate(`Bearer ${secret}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/revoked/) });
      } finally {
        await authenticator.stop();
      }
    });
  }
});

describeEachDatabase('widget tokens and the revocation of their minting key', (database) => {
  it('never caches a minting key read before a revocation that lands while the lookup is in flight', async () => {
    const tenant = await createTestTenant(database());
    const { apiKey } = await createApiKeyRecord(database().prisma, { tenantId: tenant.id, mode: 'test', name: 'minting' });
    const project = await database().prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'p' } });
    const pubsub = createLocalPubSub();
    const stall = stallingLookups(database().prisma);
    const widgetTokens = new WidgetTokenAuthenticator({
      prisma: stall.prisma, pubsub, logger: createLogger({ level: 'silent' }), secret: 's'.repeat(64), embedded: true, cacheTtlMs: 30_000,
    });
    await widgetTokens.start();
    try {
      const origin = 'http://localhost:3000';
      const token = await signWidgetToken(widgetTokens.signingKey, {
        tenantId: encodeId('Tenant', tenant.id), mode: 'test', projectId: encodeId('Project', project.id), externalUserId: 'u', origin,
        apiKeyId: encodeId('ApiKey', apiKey.id), expiresAt: Math.floor(Date.now() / 1000) + 600,
      });
      const inFlight = widgetTokens.authenticate(token, origin);
      await stall.rowRead;
      await database().prisma.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
      await pubsub.publish(API_KEY_REVOKED_CHANNEL, apiKey.id);
      stall.release();
      await inFlight.catch(() => undefined);
      await expect(widgetTokens.authenticate(token, origin)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/revoked/) });
    } finally {
      await widgetTokens.stop();
    }
  });
});
