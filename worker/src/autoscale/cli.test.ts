import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueueJob, openDatabase } from '@everjust/core';
import { startFakeAppPlatform, type FakeApp, type FakeAppPlatform } from '../../../test-support/fake-app-platform.js';
import { freePort } from '../../../test-support/platform.js';
import { childEnvironment, runTypeScript, startTypeScript } from '../../../test-support/processes.js';

/**
 * `pnpm --filter @everjust/worker autoscale` as a process: its flags, what it prints and writes, its
 * `/metrics`, its refusals. The database is an embedded PGlite data dir the test fills and closes
 * first (one process at a time); App Platform is the fake.
 */
const CLI = 'worker/src/autoscale/cli.ts';
const TOKEN = 'do-autoscaler-token';
const METRICS_TOKEN = 'metrics-scraper-token';

describe('autoscale command', () => {
  let fake: FakeAppPlatform;
  let app: FakeApp;
  let dataDir: string;
  let apps = 0;

  beforeAll(async () => {
    fake = await startFakeAppPlatform({ tokens: { [TOKEN]: 'platform' } });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    app = fake.addApp({ name: `everjust-${++apps}`, region: 'nyc', workers: [{ name: 'worker', run_command: 'node worker/dist/main.js', instance_count: 2 }] });
    fake.requests.length = 0;
    dataDir = mkdtempSync(join(tmpdir(), 'everjust-autoscale-'));
    const database = await openDatabase({ kind: 'pglite', dataDir });
    await database.migrate();
    for (let index = 0; index < 45; index++) await enqueueJob(database.prisma, { kind: 'generate', maxAttempts: 3 });
    await database.close();
    return () => rmSync(dataDir, { recursive: true, force: true });
  });

  const environment = (overrides: Record<string, string | undefined> = {}) =>
    childEnvironment({
      EVERJUST_DATA_DIR: dataDir,
      EVERJUST_LOG_LEVEL: 'info',
      DIGITALOCEAN_TOKEN: TOKEN,
      DIGITALOCEAN_API_URL: fake.url,
      EVERJUST_AUTOSCALE_APP_ID: app.id,
      ...overrides,
    });
  const workerCount = () => fake.apps.get(app.id)!.spec.workers[0].instance_count as number;

  it('--dry-run --once prints the decision and writes nothing', async () => {
    const { code, stdout, stderr } = await runTypeScript(CLI, ['--dry-run', '--once'], environment());
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('worker: scale_up 2 → 5 (ready 45, running 0: wants 5) [dry run: nothing written]\n');
    expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual([`GET /v2/apps/${app.id}`]);
    expect(workerCount()).toBe(2);
    expect(stderr).not.toContain(TOKEN);
    // Nothing recorded either: a real round scales at once, without a cooldown.
    const database = await openDatabase({ kind: 'pglite', dataDir });
    expect(await database.prisma.autoscaleChange.count()).toBe(0);
    await database.close();
  }, 60_000);

  it('runs in a loop: scales, then holds at its target, serves its decisions on /metrics behind the metrics token, stops on SIGTERM', async () => {
    const port = await freePort();
    const running = startTypeScript(CLI, [], environment({ EVERJUST_LOG_LEVEL: 'debug', EVERJUST_AUTOSCALE_INTERVAL_S: '1', EVERJUST_WORKER_METRICS_PORT: String(port), EVERJUST_METRICS_TOKEN: METRICS_TOKEN }));
    try {
      await running.waitFor(/autoscaler scaled worker 2 → 5/, 60_000, 'stderr');
      expect(workerCount()).toBe(5);
      // The next round, a second later, finds the component where the queue wants it (and its change deploying).
      await running.waitFor(/autoscaler holds worker at 5 \(at_target\)/, 30_000, 'stderr');
      expect(fake.requests.filter((request) => request.method === 'PUT')).toHaveLength(1);

      const url = `http://127.0.0.1:${port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const scrape = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      expect(text).toContain('everjust_queue_depth{state="ready"} 45');
      expect(text).toContain('everjust_autoscaler_current_instances 5');
      expect(text).toContain('everjust_autoscaler_desired_instances 5');
      expect(text).toContain('everjust_autoscaler_deployment_in_progress 1');
      expect(text).toContain('everjust_autoscaler_decisions_total{action="scale_up",reason="queue_depth",dry_run="false"} 1');
      expect(text).toMatch(/everjust_autoscaler_decisions_total\{action="hold",reason="at_target",dry_run="false"\} [1-9]/);
      expect(text).toContain('everjust_process_');
    } finally {
      running.child.kill('SIGTERM');
    }
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toMatch(/autoscaler stopped/);
    expect(running.stderr()).not.toContain(TOKEN);
    expect(running.stdout()).toBe('');
  }, 90_000);

  it('refuses to start without a token or an app id, or with an unknown argument, saying what to set', async () => {
    const missing = await runTypeScript(CLI, ['--once'], environment({ DIGITALOCEAN_TOKEN: undefined, EVERJUST_AUTOSCALE_APP_ID: undefined }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The autoscaler stopped: Invalid configuration:');
    expect(missing.stderr).toContain('DIGITALOCEAN_TOKEN (a token that may read and update the app) is required by the autoscaler');
    expect(missing.stderr).toContain('EVERJUST_AUTOSCALE_APP_ID');
    const unknown = await runTypeScript(CLI, ['--dryrun'], environment());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown argument --dryrun\nusage: autoscale [--dry-run] [--once]');
    // A token App Platform refuses: one line with its answer, exit 1.
    const refused = await runTypeScript(CLI, ['--once'], environment({ DIGITALOCEAN_TOKEN: 'not-a-token' }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`The autoscaler stopped: App Platform GET /v2/apps/${app.id}: 401 unauthorized: Unable to authenticate you`);
    expect(refused.stderr).not.toContain('not-a-token');
    expect(fake.requests.filter((request) => request.method === 'PUT')).toHaveLength(0);
  }, 90_000);
});
