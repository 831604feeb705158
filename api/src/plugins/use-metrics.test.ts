import { createMetrics } from '@everjust/core';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useMetrics } from './use-metrics.js';

describe('useMetrics', () => {
  it('refreshes the queue depth at most once per interval, however often /metrics is scraped', { timeout: 15_000 }, async () => {
    let refreshes = 0;
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      plugins: [useMetrics({ metrics: createMetrics(), refreshIntervalMs: 3_000, beforeScrape: async () => void refreshes++ })],
    });
    const scrape = async () => (await yoga.fetch('http://everjust.test/metrics')).status;
    // A burst, in parallel and one after another: one count of the queue.
    expect(await Promise.all(Array.from({ length: 20 }, scrape))).toEqual(Array(20).fill(200));
    for (let i = 0; i < 20; i++) await scrape();
    expect(refreshes).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    await scrape();
    expect(refreshes).toBe(2);
  });

  const yogaWith = (options: { token?: string }, counter: { refreshes: number }) =>
    createYoga({
      schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
      plugins: [useMetrics({ metrics: createMetrics(), token: options.token, beforeScrape: async () => void counter.refreshes++ })],
    });
  // What node:http gives Yoga as its server context: the request's socket.
  const fromPeer = (remoteAddress: string) => ({ req: { socket: { remoteAddress } } });

  it('with EVERJUST_METRICS_TOKEN, answers only a scrape with that bearer token, and a refused one counts nothing', async () => {
    const counter = { refreshes: 0 };
    const yoga = yogaWith({ token: 'scrape-secret' }, counter);
    const scrape = (authorization?: string) =>
      yoga.fetch('http://everjust.test/metrics', { headers: authorization ? { authorization } : {} }, fromPeer('127.0.0.1'));
    for (const authorization of [undefined, 'Bearer wrong', 'scrape-secret', 'Bearer scrape-secret2']) {
      const refused = await scrape(authorization);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      const body = await refused.json();
      expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(body.errors[0].message).toContain('EVERJUST_METRICS_TOKEN');
      expect(JSON.stringify(body)).not.toContain('scrape-secret');
    }
    expect(counter.refreshes).toBe(0);
    const allowed = await scrape('Bearer scrape-secret');
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('everjust_http_requests_total');
    expect(counter.refreshes).toBe(1);
  });

  it('without a token, serves loopback clients only', async () => {
    const counter = { refreshes: 0 };
    const yoga = yogaWith({}, counter);
    const status = async (remoteAddress: string) => (await yoga.fetch('http://everjust.test/metrics', {}, fromPeer(remoteAddress))).status;
    expect(await status('127.0.0.1')).toBe(200);
    expect(await status('::ffff:127.0.0.1')).toBe(200);
    expect(await status('::1')).toBe(200);
    expect(await status('10.0.0.7')).toBe(401);
    expect(await status('203.0.113.9')).toBe(401);
  });
});
