import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { claimJobs, createAutoscalerMetrics, createLogger, enqueueJob, loadConfig, type PrismaClient } from '@everjust/core';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { startFakeAppPlatform, type FakeApp, type FakeAppPlatform } from '../../../test-support/fake-app-platform.js';
import { createDigitalOceanApiClient } from '../deploy/digitalocean-client.js';
import { AppSpecError, appPlatformApp } from './app-platform-app.js';
import { Autoscaler, type AutoscaleRound } from './autoscaler.js';

/**
 * The autoscaler end to end on its two sides: a queue filled in the database (PGlite; PostgreSQL too
 * with DATABASE_URL) and the fake App Platform API, spoken to by the official client. The clock is
 * the test's, so the cooldowns (the research's 300 s and 600 s, the defaults) pass without waiting.
 */
const TOKEN = 'do-platform-token';
const policy = loadConfig({}).autoscale.policy;

/** The platform's own app, as .do/app.yaml makes it: the api service, the worker, the autoscaler; a secret as App Platform returns it (encrypted). */
let apps = 0;
const platformSpec = (workerCount = 2) => ({
  name: `everjust-${++apps}`,
  region: 'nyc',
  services: [{ name: 'api', http_port: 8080, autoscaling: { min_instance_count: 2, max_instance_count: 10, metrics: { cpu: { percent: 70 } } }, envs: [{ key: 'HOST', value: '0.0.0.0', scope: 'RUN_TIME' }] }],
  workers: [
    {
      name: 'worker',
      run_command: 'node worker/dist/main.js',
      instance_size_slug: 'apps-d-1vcpu-2gb',
      instance_count: workerCount,
      termination: { grace_period_seconds: 120 },
      envs: [
        { key: 'EVERJUST_SECRET', type: 'SECRET', value: 'EV[1:c2VjcmV0:ZW5jcnlwdGVk]', scope: 'RUN_TIME' },
        { key: 'DATABASE_URL', value: '${db.everjust-pool.DATABASE_URL}', scope: 'RUN_TIME' },
      ],
    },
    { name: 'autoscaler', run_command: 'node worker/dist/autoscale.js', instance_count: 1 },
  ],
  databases: [{ name: 'db', engine: 'PG', version: '16', production: true, cluster_name: 'everjust-pg' }],
});

describeEachDatabase('autoscaler', (database) => {
  const prisma = (): PrismaClient => database().prisma;
  let fake: FakeAppPlatform;
  let app: FakeApp;
  let clock: Date;
  let log: string;
  const logStream = new PassThrough();
  logStream.on('data', (chunk) => (log += String(chunk)));
  const logger = createLogger({ level: 'debug', destination: logStream });

  beforeAll(async () => {
    fake = await startFakeAppPlatform({ tokens: { [TOKEN]: 'platform' } });
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(async () => {
    await prisma().job.deleteMany();
    await prisma().autoscaleChange.deleteMany();
    app = fake.addApp(platformSpec());
    clock = new Date('2026-12-04T12:00:00Z');
    log = '';
    fake.requests.length = 0;
  });

  const autoscaler = (options: { dryRun?: boolean; metrics?: ReturnType<typeof createAutoscalerMetrics>; appId?: string; component?: string } = {}) => {
    const appId = options.appId ?? app.id;
    const component = options.component ?? 'worker';
    return new Autoscaler({
      prisma: prisma(),
      app: appPlatformApp({ client: createDigitalOceanApiClient({ token: TOKEN, apiUrl: fake.url }), appId, component }),
      appId,
      component,
      policy,
      logger,
      metrics: options.metrics,
      dryRun: options.dryRun,
      now: () => clock,
    });
  };
  const later = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  /** Queued jobs whose run_at has come; `running` of them then claimed by a worker. */
  async function fillQueue(ready: number, running = 0, delayed = 0) {
    for (let index = 0; index < ready + running; index++) await enqueueJob(prisma(), { kind: 'generate', maxAttempts: 3, runAt: new Date(Date.now() - 1_000) });
    for (let index = 0; index < delayed; index++) await enqueueJob(prisma(), { kind: 'generate', maxAttempts: 3, runAt: new Date(Date.now() + 3_600_000) });
    if (running > 0) expect(await claimJobs(prisma(), 'worker-1', ['generate'], 60_000, running)).toHaveLength(running);
  }
  const workerCount = () => fake.apps.get(app.id)!.spec.workers.find((worker: { name: string }) => worker.name === 'worker').instance_count as number;
  const puts = () => fake.requests.filter((request) => request.method === 'PUT');
  const changes = () => prisma().autoscaleChange.findMany({ orderBy: { createdAt: 'asc' } });
  const expectRound = (round: AutoscaleRound, expected: Partial<AutoscaleRound>) => expect(round).toMatchObject(expected);

  it('scales the worker up past the threshold by writing the spec back with only instance_count changed', async () => {
    await fillQueue(21, 4, 30); // 25 ready or running (the delayed 30 are not work yet): 3 instances
    const before = structuredClone(fake.apps.get(app.id)!.spec);
    const metrics = createAutoscalerMetrics({ collectDefaults: false });

    const round = await autoscaler({ metrics }).round();
    expectRound(round, { action: 'scale_up', reason: 'queue_depth', current: 2, desired: 3, instanceCount: 3, ready: 21, running: 4, applied: true });
    expect(workerCount()).toBe(3);
    // One PUT of the whole spec: the worker's count changed, everything else (the encrypted secret too) as it was.
    expect(puts()).toHaveLength(1);
    const expected = structuredClone(before);
    expected.workers[0].instance_count = 3;
    // The client's models write a variable's type out where it was left to its default (GENERAL): the same spec to App Platform.
    for (const component of [...expected.services, ...expected.workers]) for (const variable of component.envs ?? []) variable.type ??= 'GENERAL';
    expect(puts()[0]!.body.spec).toEqual(expected);
    expect(puts()[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // Writing the spec started a deployment of the app.
    expect(fake.apps.get(app.id)!.deployments.at(-1)).toMatchObject({ cause: 'app spec updated', phase: 'PENDING_BUILD' });
    expect(await changes()).toMatchObject([{ appId: app.id, component: 'worker', fromCount: 2, toCount: 3, ready: 21, running: 4, createdAt: clock }]);

    // Logged (without the token) and on /metrics.
    const line = JSON.parse(log.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ level: 30, msg: 'autoscaler scaled worker 2 → 3', appId: app.id, action: 'scale_up', current: 2, desired: 3, ready: 21, running: 4, dryRun: false });
    expect(log).not.toContain(TOKEN);
    const text = await metrics.registry.metrics();
    expect(text).toContain('everjust_queue_depth{state="ready"} 21');
    expect(text).toContain('everjust_queue_depth{state="running"} 4');
    expect(text).toContain('everjust_queue_depth{state="delayed"} 30');
    expect(text).toContain('everjust_autoscaler_current_instances 2');
    expect(text).toContain('everjust_autoscaler_desired_instances 3');
    expect(text).toContain('everjust_autoscaler_deployment_in_progress 0');
    expect(text).toContain(`everjust_autoscaler_last_change_timestamp_seconds ${clock.getTime() / 1000}`);
    expect(text).toContain('everjust_autoscaler_decisions_total{action="scale_up",reason="queue_depth",dry_run="false"} 1');
  });

  it('holds at the target, and one job past the threshold adds an instance', async () => {
    await fillQueue(20);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'at_target', current: 2, desired: 2, applied: false });
    expect(puts()).toHaveLength(0);
    await fillQueue(1);
    expectRound(await autoscaler().round(), { action: 'scale_up', desired: 3, applied: true });
    expect(workerCount()).toBe(3);
  });

  it('changes nothing while a deployment of the app is in progress, and scales once it has ended', async () => {
    await fillQueue(50);
    const deployment = fake.startDeployment(app.id); // an operator's deploy, say
    const metrics = createAutoscalerMetrics({ collectDefaults: false });
    expectRound(await autoscaler({ metrics }).round(), { action: 'hold', reason: 'deployment_in_progress', current: 2, desired: 5, deploymentInProgress: true, applied: false });
    expect(puts()).toHaveLength(0);
    expect(workerCount()).toBe(2);
    expect(await changes()).toEqual([]);
    expect(JSON.parse(log.trim().split('\n').at(-1)!)).toMatchObject({ level: 30, reason: 'deployment_in_progress', deploymentId: deployment.id });
    expect(await metrics.registry.metrics()).toContain('everjust_autoscaler_deployment_in_progress 1');

    fake.settle();
    expectRound(await autoscaler().round(), { action: 'scale_up', desired: 5, applied: true });
    expect(workerCount()).toBe(5);
  });

  it('holds a scale-up during its 300 s cooldown and a scale-down during its 600 s one, across restarts of the autoscaler', async () => {
    await fillQueue(30, 0);
    expectRound(await autoscaler().round(), { action: 'scale_up', instanceCount: 3, applied: true });
    // More work: its own change is a deployment, so nothing more until that has rolled out…
    await fillQueue(40);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'deployment_in_progress', desired: 7 });
    fake.settle();

    // …and then the cooldown holds it, 100 s after the change (a new Autoscaler each round: the process restarts with each deployment).
    later(100);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'scale_up_cooldown', current: 3, desired: 7, cooldownRemainingMs: 200_000, applied: false });
    expect(workerCount()).toBe(3);
    later(200);
    expectRound(await autoscaler().round(), { action: 'scale_up', current: 3, instanceCount: 7, applied: true });
    expect(workerCount()).toBe(7);
    fake.settle();

    // The queue drains: a scale-down waits 600 s after the last change, then goes down to what is needed.
    await prisma().job.deleteMany();
    await fillQueue(0, 12);
    later(400);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'scale_down_cooldown', current: 7, desired: 2, cooldownRemainingMs: 200_000 });
    expect(workerCount()).toBe(7);
    later(200);
    expectRound(await autoscaler().round(), { action: 'scale_down', reason: 'queue_depth', current: 7, desired: 2, instanceCount: 2, applied: true });
    expect(workerCount()).toBe(2);
    expect((await changes()).map((change) => [change.fromCount, change.toCount])).toEqual([
      [2, 3],
      [3, 7],
      [7, 2],
    ]);
  });

  it('clamps at the maximum (15) and the minimum (2)', async () => {
    await fillQueue(400, 20);
    expectRound(await autoscaler().round(), { action: 'scale_up', needed: 42, desired: 15, instanceCount: 15 });
    expect(workerCount()).toBe(15);
    fake.settle();
    later(policy.scaleUpCooldownMs / 1000);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'at_target', needed: 42, desired: 15 });

    await prisma().job.deleteMany();
    later(policy.scaleDownCooldownMs / 1000);
    expectRound(await autoscaler().round(), { action: 'scale_down', needed: 0, desired: 2, instanceCount: 2 });
    expect(workerCount()).toBe(2);
    fake.settle();
    later(policy.scaleDownCooldownMs / 1000);
    expectRound(await autoscaler().round(), { action: 'hold', reason: 'at_target', needed: 0, desired: 2 });
    expect(puts()).toHaveLength(2);
  });

  it('brings a count set by hand outside the range back into it', async () => {
    const manual = fake.addApp(platformSpec(40));
    expectRound(await autoscaler({ appId: manual.id }).round(), { action: 'scale_down', current: 40, desired: 2, applied: true });
    expect(fake.apps.get(manual.id)!.spec.workers[0].instance_count).toBe(2);
  });

  it('in a dry run, decides and reports but writes nothing: no PUT, no history, the spec unchanged', async () => {
    await fillQueue(80);
    const before = structuredClone(fake.apps.get(app.id)!.spec);
    const metrics = createAutoscalerMetrics({ collectDefaults: false });
    const round = await autoscaler({ dryRun: true, metrics }).round();
    expectRound(round, { action: 'scale_up', current: 2, desired: 8, instanceCount: 8, applied: false, dryRun: true });
    expect(fake.requests.map((request) => request.method)).toEqual(['GET']);
    expect(fake.apps.get(app.id)!.spec).toEqual(before);
    expect(fake.apps.get(app.id)!.deployments).toHaveLength(1);
    expect(await changes()).toEqual([]);
    expect(JSON.parse(log.trim().split('\n').at(-1)!)).toMatchObject({ msg: 'autoscaler would scale worker 2 → 8 (dry run: nothing written)', dryRun: true });
    expect(await metrics.registry.metrics()).toContain('everjust_autoscaler_decisions_total{action="scale_up",reason="queue_depth",dry_run="true"} 1');
    // With nothing recorded, no cooldown started: the real run scales at once.
    expectRound(await autoscaler().round(), { action: 'scale_up', instanceCount: 8, applied: true });
  });

  it('refuses a component that is missing or uses App Platform’s own autoscaling, naming what to fix', async () => {
    await expect(autoscaler({ component: 'workers' }).round()).rejects.toThrow(new AppSpecError(`app ${app.id} has no worker or service named "workers" (EVERJUST_AUTOSCALE_COMPONENT)`));
    await expect(autoscaler({ component: 'api' }).round()).rejects.toThrow(/component "api" uses App Platform's CPU autoscaling, which ignores instance_count: remove its `autoscaling` block/);
    expect(puts()).toHaveLength(0);
  });

  it('outlives a failing API: a round that fails is logged and counted, the next one scales', async () => {
    await fillQueue(35);
    fake.fail({ method: 'GET', path: /^\/v2\/apps\/[^/]+$/, status: 503 });
    fake.fail({ method: 'PUT', path: /^\/v2\/apps\/[^/]+$/, status: 429, retryAfter: 1 });
    const metrics = createAutoscalerMetrics({ collectDefaults: false });
    const stop = new AbortController();
    const rounds: AutoscaleRound[] = [];
    await autoscaler({ metrics }).run({
      intervalMs: 10,
      signal: stop.signal,
      onRound: (round) => {
        rounds.push(round);
        stop.abort();
      },
    });
    // 503 on the read, 429 on the write (no change recorded: no cooldown), then the scale-up.
    expect(rounds).toHaveLength(1);
    expectRound(rounds[0]!, { action: 'scale_up', instanceCount: 4, applied: true });
    expect(await metrics.registry.metrics()).toContain('everjust_autoscaler_failures_total 2');
    expect(await changes()).toHaveLength(1);
    const failures = log.trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.level === 50);
    expect(failures).toHaveLength(2);
    expect(failures.map((line) => line.msg)).toEqual([
      `autoscaler round failed: App Platform GET /v2/apps/${app.id}: 503 service_unavailable: Service is temporarily unavailable.`,
      `autoscaler round failed: App Platform PUT /v2/apps/${app.id}: 429 too_many_requests: API Rate limit exceeded.`,
    ]);
    expect(log).not.toContain(TOKEN);
  });
});
