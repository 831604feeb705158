import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '@everjust/api';
import { createTestApp, createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, redisUrl, type TestDatabase } from '../test-support/databases.js';
import { startOwnRedis, type OwnRedis } from '../test-support/own-redis.js';

const VIEWER = '{ viewer { id } }';
const run = promisify(execFile);

/** Rate-limit keys in a Redis (`redis-cli --scan`), by prefix. */
async function keysIn(url: string, prefix: string): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-u', url, '--scan', '--pattern', `${prefix}:*`]);
  return stdout.split('\n').filter(Boolean);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const usingRedis = (...apps: App[]) => () => apps.every((app) => app.services.rateLimits?.store === 'redis');

async function limitedTenant(database: TestDatabase, requestsPerHour: number): Promise<TestTenant> {
  const tenant = await createTestTenant(database);
  await database.prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: { requestsPerHour } } });
  return tenant;
}

describe.skipIf(!redisUrl)(`rate limits in Redis${redisUrl ? '' : ' (REDIS_URL is not set: skipped; CI runs it)'}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('two instances with one prefix allow exactly the limit between them', async () => {
    const prefix = `everjust-test-${randomBytes(6).toString('hex')}`;
    const environment = { REDIS_URL: redisUrl!, EVERJUST_RATE_LIMIT_PREFIX: prefix };
    const [a, b] = [await createTestApp(database, environment), await createTestApp(database, environment)];
    try {
      await waitFor(usingRedis(a, b), 5_000, 'both instances to connect to Redis');
      const tenant = await limitedTenant(database, 20);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await graphql(i % 2 === 0 ? a : b, tenant.live, VIEWER)).status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(20);
      expect(statuses.slice(20)).toEqual(Array(10).fill(429));
      expect(await keysIn(redisUrl!, prefix)).toContain(`${prefix}:rate:requestsPerHour:${tenant.id}:live`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      const keys = await keysIn(redisUrl!, prefix);
      if (keys.length > 0) await run('redis-cli', ['-u', redisUrl!, 'del', ...keys]);
    }
  });

  describe('when Redis goes away', () => {
    let redis: OwnRedis;
    let url: string;

    beforeAll(async () => {
      redis = await startOwnRedis();
      url = redis.url;
    });
    afterAll(async () => {
      await redis?.kill();
    });

    it('answers from memory while Redis is stopped or dead (no hang), and counts in Redis again once it is back', async () => {
      const environment = { REDIS_URL: url, EVERJUST_RATE_LIMIT_PREFIX: 'everjust-outage' };
      const [a, b] = [await createTestApp(database, environment), await createTestApp(database, environment)];
      try {
        await waitFor(usingRedis(a, b), 5_000, 'both instances to connect to Redis');
        // 100 an hour: the hourly bucket is the one closest to refusing, so RateLimit-Remaining shows it.
        const tenant = await limitedTenant(database, 100);
        const remaining = async () => {
          const answers: string[] = [];
          for (const app of [a, b, a, b]) answers.push((await graphql(app, tenant.live, VIEWER)).headers.get('ratelimit-remaining')!);
          return answers;
        };
        const timed = async () => {
          for (const app of [a, b, a, b]) {
            const started = performance.now();
            const response = await graphql(app, tenant.live, VIEWER);
            expect(response.status).toBe(200);
            expect(performance.now() - started).toBeLessThan(1_000);
          }
        };

        // One counter in Redis for both instances.
        expect(await remaining()).toEqual(['99', '98', '97', '96']);
        expect(await keysIn(url, 'everjust-outage')).toContain(`everjust-outage:rate:requestsPerHour:${tenant.id}:live`);

        // Stopped: the server accepts and never answers. Calls time out into the insurance limiter.
        redis.pause();
        await timed();
        // Dead: connections are refused. Nothing waits for it.
        await redis.kill();
        await timed();
        expect(usingRedis(a)()).toBe(false);

        // Back, empty, on the same port: both instances reconnect and share one counter again.
        await redis.restart();
        await waitFor(usingRedis(a, b), 15_000, 'both instances to reconnect to Redis');
        expect(await remaining()).toEqual(['99', '98', '97', '96']);
        expect(await keysIn(url, 'everjust-outage')).toContain(`everjust-outage:rate:requestsPerHour:${tenant.id}:live`);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });
});
