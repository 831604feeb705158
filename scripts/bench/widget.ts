import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startEmbedServer } from '@everjust/example-embed';
import { buildWidget, CHROMIUM, CHROMIUM_ARGS, chromiumMissing, widgetDirectory, widgetScriptPath } from '../../test-support/widget.js';
import { format, median, percentile, readInteger, table, type Suite } from './_harness.js';
import { startApi } from './api-throughput.js';

/**
 * `<everjust-builder>`: the min+gzip size of the script-tag bundle (target: under 30 kB), and the time
 * from the element connecting to being ready for input (`everjust:ready`: token in hand, project
 * loaded, prompt enabled), measured in headless Chromium against our API on PGlite, median of
 * BENCH_WIDGET_RUNS (20) after 3 warm-ups. Two ways to get the token: from the host's token endpoint
 * (the example server, which mints with `createWidgetToken`: two round trips) and given directly
 * (`token` attribute: one round trip, the project query).
 */

const SIZE_TARGET_BYTES = 30 * 1024;
const WARMUPS = 3;

const suite: Suite = {
  name: 'widget',
  description: 'widget script-tag bundle size (min+gzip) and time from connect to ready in Chromium',
  async run() {
    await buildWidget();
    await reportSize();
    if (chromiumMissing) {
      console.log(`Time to ready: skipped (${chromiumMissing})`);
      return;
    }
    const runs = readInteger('BENCH_WIDGET_RUNS', 20, 1);
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const api = await startApi(cleanup);
      // Embedded mode: loopback origins are allowed without configuring the tenant.
      const embed = await startEmbedServer({ apiUrl: api.url, apiKey: api.secret });
      cleanup.push(() => embed.close());
      const userDataDir = await mkdtemp(join(tmpdir(), 'everjust-bench-chromium-'));
      cleanup.push(() => rm(userDataDir, { recursive: true, force: true }));
      const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      cleanup.push(() => context.close());
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(embed.url);
      await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
      // A token minted by the page's own backend, for the `token` attribute scenario.
      const minted = await page.evaluate(async () => (await (await fetch('/token', { method: 'POST' })).json()) as { token: string });

      /** Milliseconds from appending a fresh element to its `everjust:ready`. */
      const timeToReady = (attributes: Record<string, string>) =>
        page.evaluate(async (attributes) => {
          document.querySelectorAll('everjust-builder').forEach((element) => element.remove());
          const element = document.createElement('everjust-builder');
          for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
          const ready = new Promise<void>((resolve, reject) => {
            element.addEventListener('everjust:ready', () => resolve(), { once: true });
            element.addEventListener('everjust:error', (event) => reject(new Error(JSON.stringify((event as CustomEvent).detail))), { once: true });
          });
          const start = performance.now();
          document.body.append(element);
          await ready;
          return performance.now() - start;
        }, attributes);

      const scenarios = {
        'token-url (mint + project query)': { 'api-url': api.url, 'token-url': '/token' },
        'token attribute (project query)': { 'api-url': api.url, token: minted.token },
      };
      const times = new Map<string, number[]>(Object.keys(scenarios).map((name) => [name, []]));
      for (let run = 0; run < WARMUPS + runs; run++) {
        // Interleaved, so machine noise hits both alike.
        for (const [name, attributes] of Object.entries(scenarios)) {
          const ms = await timeToReady(attributes);
          if (run >= WARMUPS) times.get(name)!.push(ms);
        }
      }
      const rows = [['connect → ready', 'median ms', 'p90 ms', 'min ms', 'max ms']];
      for (const [name, values] of times) {
        rows.push([name, format(median(values), 1), format(percentile(values, 90), 1), format(Math.min(...values), 1), format(Math.max(...values), 1)]);
      }
      console.log(`\n${table(rows)}\n(${runs} runs each after ${WARMUPS} warm-ups, headless Chromium, API on in-memory PGlite)`);
    } finally {
      for (const close of cleanup.reverse()) await close();
    }
  },
};
export default suite;

async function reportSize() {
  const globalBundle = await readFile(widgetScriptPath);
  const moduleBundle = await readFile(join(widgetDirectory, 'dist', 'everjust-builder.js'));
  const gzipped = gzipSync(globalBundle, { level: 9 }).length;
  console.log(
    `\n${table([
      ['build (minified by tsup)', 'bytes', 'gzip'],
      ['script tag: everjust-builder.global.js', format(globalBundle.length), format(gzipped)],
      ['ES module: everjust-builder.js', format(moduleBundle.length), format(gzipSync(moduleBundle, { level: 9 }).length)],
    ])}\n`,
  );
  console.log(`Target "script-tag bundle min+gzip under ${SIZE_TARGET_BYTES / 1024} kB": ${gzipped < SIZE_TARGET_BYTES ? 'MET' : 'NOT MET'} (${format(gzipped / 1024, 1)} kB)`);
}
