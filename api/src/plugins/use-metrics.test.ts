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
});
