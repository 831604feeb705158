import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, createRedisPubSub, publishEvents, type PubSub, type SessionEvent } from '@everjust/core';
import { streamSessionEvents, type App } from '@everjust/api';
import { createTestApp, createTestTenant, errorCode, graphql } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { hasRedisServer, startOwnRedis, type OwnRedis } from '../test-support/own-redis.js';

/**
 * What an outage of Redis means (docs/operations.md, "When Redis is down"): pub/sub goes quiet, and
 * everything that listens to it has another way — streams read the event log, caches expire or are
 * dropped when Redis is back, subscriptions come back by themselves. Each test has a Redis of its
 * own, which it kills and starts again on the same port.
 */
describe.skipIf(!hasRedisServer)(`when Redis goes down and comes back${hasRedisServer ? '' : ' (no redis-server here: skipped; CI installs it)'}`, () => {
  let database: TestDatabase;
  let redis: OwnRedis;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    redis = await startOwnRedis();
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await redis.kill();
    await database.close();
  });

  const pubsub = () => {
    const created = createRedisPubSub(redis.url);
    closers.push(() => created.close());
    return created;
  };
  const reconnected = (instance: PubSub) => new Promise<void>((resolve) => instance.onReconnect(resolve));
  const heard = (instance: PubSub, channel: string) => {
    const messages: string[] = [];
    return { messages, ready: instance.subscribe(channel, (message) => messages.push(message)) };
  };
  async function until(condition: () => boolean, timeoutMs: number, what: string) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  it('restores subscriptions made before and during the outage, and a subscribe never waits for Redis', async () => {
    const [listener, speaker] = [pubsub(), pubsub()];
    const before = heard(listener, 'outage:before');
    await before.ready;
    await speaker.publish('outage:before', 'one');
    await until(() => before.messages.length === 1, 5_000, 'the first message');

    await redis.kill();
    const subscribing = performance.now();
    const during = heard(listener, 'outage:during');
    await during.ready; // registered, not yet active
    expect(performance.now() - subscribing).toBeLessThan(4_000);
    // A publish fails fast rather than hanging its caller.
    await expect(speaker.publish('outage:before', 'lost')).rejects.toThrow();

    const back = reconnected(listener);
    await redis.restart();
    await back;
    await speaker.publish('outage:before', 'two');
    await speaker.publish('outage:during', 'three');
    await until(() => before.messages.length === 2 && during.messages.length === 1, 10_000, 'both channels to hear again');
    expect(before.messages).toEqual(['one', 'two']);
    expect(during.messages).toEqual(['three']);
  });

  it('keeps a live stream flowing from the event log while Redis is down, then from pub/sub again', async () => {
    const tenant = await createTestTenant(database);
    const project = await database.prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'outage' } });
    const session = await database.prisma.session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
    const [reader, writer] = [pubsub(), pubsub()];
    const append = async (text: string) => {
      const event = await appendEvent(database.prisma, session.id, { type: 'text_delta', payload: { text } });
      // As the worker's writer does: a failed publish is logged, never fatal.
      await publishEvents(writer, [event]).catch(() => undefined);
      return event;
    };

    await redis.kill();
    const received: Array<SessionEvent & { receivedAt: number }> = [];
    const stream = streamSessionEvents({ prisma: database.prisma, pubsub: reader, sessionId: session.id, afterSeq: 0, pollIntervalMs: 200 });
    const reading = (async () => {
      for await (const event of stream) {
        received.push({ ...event, receivedAt: Date.now() });
        if (event.type === 'done') return;
      }
    })();
    // Down: each event arrives by the next read of the log.
    for (const text of ['a', 'b']) {
      await append(text);
      await until(() => received.some((event) => event.type === 'text_delta' && event.payload.text === text), 3_000, `"${text}" from the log`);
    }

    const back = reconnected(reader);
    await redis.restart();
    await back;
    // Back: pub/sub carries them again, well before the next read of the log would.
    const fast: number[] = [];
    for (const text of ['c', 'd', 'e']) {
      const sent = Date.now();
      await append(text);
      await until(() => received.some((event) => event.type === 'text_delta' && event.payload.text === text), 3_000, `"${text}" live`);
      fast.push(received.at(-1)!.receivedAt - sent);
    }
    expect(Math.min(...fast)).toBeLessThan(150);
    const done = await appendEvent(database.prisma, session.id, { type: 'done', payload: { status: 'succeeded', usage: { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 } } });
    await publishEvents(writer, [done]);
    await reading;
    expect(received.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a key revoked during the outage on every instance once Redis is back', async () => {
    const environment = { REDIS_URL: redis.url };
    const apps: App[] = [await createTestApp(database, environment, pubsub()), await createTestApp(database, environment, pubsub())];
    closers.push(...apps.map((app) => () => app.stop()));
    const [a, b] = apps;
    const tenant = await createTestTenant(database);
    const doomed = await graphql(a, tenant.live, 'mutation { createApiKey(input: { name: "doomed" }) { apiKey { id } secret } }');
    const { secret, apiKey } = doomed.data.createApiKey;
    // B has the key in its cache.
    expect((await graphql(b, secret, '{ viewer { id } }')).status).toBe(200);

    await redis.kill();
    const revoked = await graphql(a, tenant.live, 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { revokedAt } }', { input: { id: apiKey.id } });
    expect(revoked.data.revokeApiKey.revokedAt).toBeTruthy();
    // A knows at once; B never heard it (its cache lasts up to EVERJUST_AUTH_CACHE_TTL_MS).
    expect(errorCode(await graphql(a, secret, '{ viewer { id } }'))).toBe('UNAUTHENTICATED');
    expect((await graphql(b, secret, '{ viewer { id } }')).status).toBe(200);

    const back = reconnected(b.services.pubsub);
    await redis.restart();
    await back;
    expect(errorCode(await graphql(b, secret, '{ viewer { id } }'))).toBe('UNAUTHENTICATED');
    // Keys that were not revoked still work, read again from the database.
    expect((await graphql(b, tenant.live, '{ viewer { id } }')).status).toBe(200);
  });
});
