import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildConsole } from '@everjust/console/build';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../../test-support/widget.js';
import { format, graphqlRequest, median, percentile, readInteger, table, type Suite } from './_harness.js';
import { startApi } from './api-throughput.js';

/**
 * The console (`/console`): the min+gzip size of its bundle (target: at most 80 kB, script and
 * stylesheet together), how long the API takes to build it in memory (the first request of a `pnpm
 * start` without a prebuilt dist/), and the first paint of the usage page in headless Chromium
 * against our API on PGlite (the embedded start): first contentful paint, and the page drawn with its
 * data (a month of usage rows for 20 projects: charts, quotas, rows: `main[data-ready="usage"]`),
 * measured from navigation start, median of
 * BENCH_CONSOLE_RUNS (20) loads after 3 warm-ups (target: drawn within 300 ms).
 */

const SIZE_TARGET_BYTES = 80 * 1024;
const PAINT_TARGET_MS = 300;
const WARMUPS = 3;

const suite: Suite = {
  name: 'console',
  description: 'console bundle size (min+gzip), in-memory build time, and first paint of the usage page in Chromium',
  async run() {
    const buildTimes: number[] = [];
    let assets = await buildConsole();
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      assets = await buildConsole();
      buildTimes.push(performance.now() - started);
    }
    const rows = [['bundle (minified by esbuild)', 'bytes', 'gzip']];
    let gzipTotal = 0;
    for (const [name, asset] of assets) {
      const gzipped = gzipSync(asset.bytes, { level: 9 }).length;
      gzipTotal += gzipped;
      rows.push([name, format(asset.bytes.length), format(gzipped)]);
    }
    rows.push(['together', format([...assets.values()].reduce((sum, asset) => sum + asset.bytes.length, 0)), format(gzipTotal)]);
    console.log(`\n${table(rows)}\n`);
    console.log(`Target "console bundle min+gzip at most ${SIZE_TARGET_BYTES / 1024} kB": ${gzipTotal <= SIZE_TARGET_BYTES ? 'MET' : 'NOT MET'} (${format(gzipTotal / 1024, 1)} kB)`);
    console.log(`In-memory build (esbuild, the API's first request without dist/): median ${format(median(buildTimes), 0)} ms of ${buildTimes.length}`);
    if (chromiumMissing) {
      console.log(`First paint: skipped (${chromiumMissing})`);
      return;
    }

    const runs = readInteger('BENCH_CONSOLE_RUNS', 20, 1);
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const api = await startApi(cleanup);
      // A month of usage for every project of the bench tenant (600 rows): the charts, the rows and the
      // top end users draw real data, as a tenant that uses the platform sees them.
      const projects = await api.prisma.project.findMany({ where: { tenantId: api.tenantId }, select: { id: true } });
      const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
      await api.prisma.usageDaily.createMany({
        data: projects.flatMap((project, index) =>
          Array.from({ length: 30 }, (_, day) => ({
            tenantId: api.tenantId,
            mode: 'live' as const,
            day: new Date(today - day * 86_400_000),
            projectId: project.id,
            externalUserId: `user-${index % 7}`,
            generations: 1 + ((day + index) % 9),
            requests: BigInt(20 + day),
            inputTokens: BigInt(12_000 * (1 + (day % 5))),
            outputTokens: BigInt(3_000 * (1 + (index % 4))),
            cacheReadTokens: BigInt(20_000),
            cacheWriteTokens: BigInt(4_000),
            sandboxSeconds: 600 + 30 * day,
            deploys: day % 10 === 0 ? 1 : 0,
            costMicros: BigInt(90_000 + 1_000 * index),
          })),
        ),
      });
      const minted = (await graphqlRequest(api.url, api.secret, 'mutation { createConsoleLink(input: {}) { url } }', {})) as { createConsoleLink?: { url: string } };
      if (!minted.createConsoleLink) throw new Error(`createConsoleLink failed: ${JSON.stringify(minted)}`);
      // The API listens on a free port: the link names the configured public URL, so point it here.
      const signIn = new URL(minted.createConsoleLink.url);
      const link = `${api.url}${signIn.pathname}${signIn.search}`;
      const userDataDir = await mkdtemp(join(tmpdir(), 'everjust-bench-chromium-'));
      cleanup.push(() => rm(userDataDir, { recursive: true, force: true }));
      const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
      cleanup.push(() => context.close());
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(link);
      await page.waitForSelector('main[data-ready="usage"]', { timeout: 30_000 });

      const paints: number[] = [];
      const drawn: number[] = [];
      // Where the time goes: the two requests the page makes (the session, then one GraphQL query).
      const sessionReads: number[] = [];
      const queries: number[] = [];
      for (let run = 0; run < WARMUPS + runs; run++) {
        await page.goto(`${api.url}/console/usage`);
        await page.waitForSelector('main[data-ready="usage"]', { timeout: 30_000 });
        // Both from the navigation's start: the browser's paint entry, and the console's own mark.
        // (No named helper inside: tsx would wrap it in a __name call the page does not have.)
        const timing = await page.evaluate(() => {
          const resources = performance.getEntriesByType('resource');
          return {
            paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
            drawn: performance.getEntriesByName('console:drawn')[0]?.startTime ?? Number.NaN,
            session: resources.find((entry) => entry.name.endsWith('/console/api/session'))?.duration ?? Number.NaN,
            query: resources.find((entry) => entry.name.endsWith('/graphql'))?.duration ?? Number.NaN,
          };
        });
        if (run < WARMUPS) continue;
        paints.push(timing.paint);
        drawn.push(timing.drawn);
        sessionReads.push(timing.session);
        queries.push(timing.query);
      }
      const summary = [['usage page, from navigation start', 'median ms', 'p90 ms', 'min ms', 'max ms']];
      for (const [name, values] of [['first contentful paint', paints], ['drawn with its data', drawn], ['  of which GET /console/api/session', sessionReads], ['  of which the usage GraphQL query', queries]] as const) {
        summary.push([name, format(median(values), 1), format(percentile(values, 90), 1), format(Math.min(...values), 1), format(Math.max(...values), 1)]);
      }
      console.log(`\n${table(summary)}\n(${runs} loads after ${WARMUPS} warm-ups, headless Chromium at 1,280 px, API on in-memory PGlite, bundle cached by its hash)`);
      console.log(`Target "usage page drawn within ${PAINT_TARGET_MS} ms": ${median(drawn) <= PAINT_TARGET_MS ? 'MET' : 'NOT MET'} (median ${format(median(drawn), 1)} ms)`);
    } finally {
      for (const close of cleanup.reverse()) await close();
    }
  },
};
export default suite;
