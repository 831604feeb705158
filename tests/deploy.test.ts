import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeIdOf, encodeId } from '@everjust/core';
import { startFakeAppPlatform, type FakeAppPlatform } from '../test-support/fake-app-platform.js';
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const DEPLOY_EVENTS = `subscription($sessionId: ID!) {
  sessionEvents(sessionId: $sessionId) {
    seq type
    ... on StatusEvent { status step statusMessage: message }
    ... on DeployStartedEvent { deploymentId provider appKind detected repository commitSha }
    ... on DeployProgressEvent { deploymentId phase steps { name status reason } }
    ... on DeployReadyEvent { deploymentId url }
    ... on DeployFailedEvent { deploymentId phase log }
    ... on ErrorEvent { code message retryable }
    ... on DoneEvent { status result error { code message } }
  }
}`;

const DEPLOYMENT_FIELDS = 'id commitSha phase steps { name status } liveUrl appKind provider logTail createdAt finishedAt rollbackOf { id }';
const GITHUB_TOKEN = 'ghp_tenantTokenForDeploys0123456789';
const DO_TOKEN = 'do-platform-token';
const OWN_DO_TOKEN = 'dop_v1_tenantOwnToken';

describeEachDatabase('deployProject (the official DigitalOcean client against a fake App Platform, a fake GitHub, through the API and a worker)', (openDatabase) => {
  let platform: TestPlatform;
  let unconfigured: TestPlatform;
  let appPlatform: FakeAppPlatform;
  let github: FakeGitHub;
  let receiver: WebhookReceiver;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    appPlatform = await startFakeAppPlatform({ tokens: { [DO_TOKEN]: 'everjust', [OWN_DO_TOKEN]: 'own-account' } });
    github = await startFakeGitHub({ tokens: { [GITHUB_TOKEN]: 'octocat' } });
    receiver = await startWebhookReceiver();
    platform = await startTestPlatform(openDatabase(), {
      environment: {
        GITHUB_API_URL: github.url,
        DIGITALOCEAN_TOKEN: DO_TOKEN,
        DIGITALOCEAN_API_URL: appPlatform.url,
        EVERJUST_DEPLOY_REGION: 'ams',
        EVERJUST_DEPLOY_POLL_MS: '20',
        EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true',
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: '50',
        EVERJUST_RATE_LIMITS: 'off',
      },
    });
    // The same database, no DigitalOcean token and no worker: what an unconfigured platform answers.
    unconfigured = await startTestPlatform(openDatabase(), { worker: false });
    tenant = await createTestTenant(openDatabase(), { name: 'Deployer' });
    other = await createTestTenant(openDatabase(), { name: 'Other' });
    const hook = await graphql(platform.app, tenant.live, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, {
      input: { url: `${receiver.url}/deploys`, events: ['DEPLOY_SUCCEEDED', 'DEPLOY_FAILED'] },
    });
    expect(hook.errors).toBeUndefined();
    expect((await graphql(platform.app, tenant.live, `mutation { setGitHubToken(input: { token: "${GITHUB_TOKEN}" }) { gitHubTokenSet } }`)).errors).toBeUndefined();
  });
  afterAll(async () => {
    await unconfigured?.stop();
    await platform?.stop();
    await receiver?.close();
    await github?.close();
    await appPlatform?.close();
  });

  async function project(files: Array<{ path: string; content: string }>, options: { key?: string; repository?: string | null; name?: string } = {}) {
    const key = options.key ?? tenant.live;
    const created = await graphql(platform.app, key, `mutation($name: String!) { createProject(input: { name: $name }) { id } }`, { name: options.name ?? 'My Site' });
    const projectId = created.data.createProject.id as string;
    if (files.length > 0) expect((await graphql(platform.app, key, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId, files } })).errors).toBeUndefined();
    if (options.repository !== null) {
      const target = await graphql(platform.app, key, `mutation($input: SetProjectDeployTargetInput!) { setProjectDeployTarget(input: $input) { deployRepository } }`, {
        input: { projectId, repository: options.repository ?? `octocat/site-${projectId.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}` },
      });
      expect(target.errors).toBeUndefined();
    }
    return projectId;
  }

  async function startDeploy(projectId: string, key = tenant.live, app?: Record<string, unknown>) {
    const started = await graphql(platform.app, key, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id kind status } }`, { input: { projectId, ...(app ? { app } : {}) } });
    expect(started.errors).toBeUndefined();
    // A worker may have taken it already by the time the API reads the session back.
    expect(started.data.deployProject.kind).toBe('deploy');
    return started.data.deployProject.id as string;
  }

  async function follow(sessionId: string, key = tenant.live, until?: (event: any) => boolean) {
    const stream = await subscribeSse(platform.url, key, DEPLOY_EVENTS, { sessionId }, { until });
    expect(stream.errors).toBeUndefined();
    return stream.events;
  }

  async function deploy(projectId: string, key = tenant.live, app?: Record<string, unknown>) {
    const sessionId = await startDeploy(projectId, key, app);
    const events = await follow(sessionId, key);
    return { sessionId, events, done: events.at(-1) };
  }

  async function deploymentsOf(projectId: string, key = tenant.live) {
    const answer = await graphql(platform.app, key, `query($id: ID!) { project(id: $id) { deployment { ${DEPLOYMENT_FIELDS} } deployments(first: 20) { edges { node { ${DEPLOYMENT_FIELDS} } } } } }`, { id: projectId });
    expect(answer.errors).toBeUndefined();
    return answer.data.project;
  }

  const appOf = async (projectId: string) => (await openDatabase().prisma.project.findUniqueOrThrow({ where: { id: decodeIdOf('Project', projectId)! } })).deployAppId;

  it('refuses bad input before any session: no DigitalOcean token (FORBIDDEN, saying what to set), no files, no entry point, no deploy target, a bad domain or repository (BAD_USER_INPUT)', async () => {
    const site = await project([{ path: 'index.html', content: '<h1>hi</h1>' }]);
    const forbidden = await graphql(unconfigured.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: site } });
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    expect(forbidden.errors![0].message).toMatch(/set DIGITALOCEAN_TOKEN/);

    const empty = await project([]);
    const noFiles = await graphql(platform.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: empty } });
    expect(errorCode(noFiles)).toBe('BAD_USER_INPUT');
    expect(noFiles.errors![0].message).toMatch(/no files/);

    const readme = await project([{ path: 'README.md', content: '# nothing to serve' }]);
    const noEntry = await graphql(platform.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: readme } });
    expect(errorCode(noEntry)).toBe('BAD_USER_INPUT');
    expect(noEntry.errors![0].message).toMatch(/no entry point/);

    const untargeted = await project([{ path: 'index.html', content: 'x' }], { repository: null });
    const noTarget = await graphql(platform.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: untargeted } });
    expect(errorCode(noTarget)).toBe('BAD_USER_INPUT');
    expect(noTarget.errors![0].message).toMatch(/setProjectDeployTarget/);

    for (const domain of ['https://app.example.com', 'app.example.com/path', 'localhost', 'my-app.ondigitalocean.app', 'bad_name.example.com', '-x.example.com']) {
      const refused = await graphql(platform.app, tenant.live, `mutation($input: SetProjectDomainInput!) { setProjectDomain(input: $input) { customDomain } }`, { input: { projectId: site, domain } });
      expect(errorCode(refused), domain).toBe('BAD_USER_INPUT');
    }
    const set = await graphql(platform.app, tenant.live, `mutation($input: SetProjectDomainInput!) { setProjectDomain(input: $input) { customDomain } }`, { input: { projectId: untargeted, domain: ' Shop.Example.COM ' } });
    expect(set.data.setProjectDomain.customDomain).toBe('shop.example.com');
    for (const repository of ['octocat', 'octocat/site/extra', '-bad/site', 'octocat/site.git']) {
      const refused = await graphql(platform.app, tenant.live, `mutation($input: SetProjectDeployTargetInput!) { setProjectDeployTarget(input: $input) { id } }`, { input: { projectId: site, repository } });
      expect(errorCode(refused), repository).toBe('BAD_USER_INPUT');
    }
    expect(await openDatabase().prisma.session.count({ where: { kind: 'deploy' } })).toBe(0);
    expect(appPlatform.requests).toHaveLength(0);
  });

  let firstProject: string;
  let firstUrl: string;
  let firstDeployment: string;

  it('first deploy: one commit pushed to the deploy repository, an app created from it (static site, deploy_on_push false), phases reported, live at a stable URL; deploy.succeeded', async () => {
    firstProject = await project([{ path: 'index.html', content: '<h1>v1</h1>' }, { path: 'app.js', content: 'console.log(1)' }], { repository: 'octocat/shop' });
    const { sessionId, events, done } = await deploy(firstProject);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });

    const started = events.find((event) => event.type === 'deploy_started');
    const commit = github.history('octocat', 'shop', 'main')[0];
    expect(started).toMatchObject({ provider: 'app-platform', appKind: 'static_site', detected: true, repository: 'octocat/shop', commitSha: commit.sha });
    expect(Object.fromEntries(github.files('octocat', 'shop', 'main')!)).toMatchObject({ 'index.html': '<h1>v1</h1>', 'app.js': 'console.log(1)' });
    expect(github.repositories.get('octocat/shop')?.private).toBe(true);

    const phases = events.filter((event) => event.type === 'deploy_progress').map((event) => event.phase);
    expect(phases).toEqual(['BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE']);
    expect(events.filter((event) => event.type === 'deploy_progress').at(-1).steps).toEqual([
      { name: 'build', status: 'SUCCESS', reason: null },
      { name: 'deploy', status: 'SUCCESS', reason: null },
    ]);

    const [app] = appPlatform.appsOf('everjust');
    expect(app.spec).toMatchObject({ region: 'ams', static_sites: [{ name: 'web', github: { repo: 'octocat/shop', branch: 'main', deploy_on_push: false } }] });
    expect(app.spec.name).toMatch(/^my-site-[0-9a-f]{8}$/);
    expect(await appOf(firstProject)).toBe(app.id);
    const ready = events.find((event) => event.type === 'deploy_ready');
    expect(ready.url).toMatch(/^https:\/\/my-site-[0-9a-f]{8}-[0-9a-f]{5}\.ondigitalocean\.app$/);
    expect(done.result).toMatchObject({ url: ready.url, commitSha: commit.sha, appKind: 'static_site', deploymentId: ready.deploymentId });
    firstUrl = ready.url;

    const view = await deploymentsOf(firstProject);
    expect(view.deployment).toMatchObject({ id: ready.deploymentId, phase: 'ACTIVE', liveUrl: firstUrl, commitSha: commit.sha, provider: 'app-platform', appKind: 'STATIC_SITE', logTail: null });
    expect(view.deployment.finishedAt).not.toBeNull();
    firstDeployment = view.deployment.id;
    const made = await graphql(platform.app, tenant.live, `query($id: ID!) { node(id: $id) { ... on Deployment { session { id kind status } } } }`, { id: firstDeployment });
    expect(made.data.node.session).toEqual({ id: sessionId, kind: 'deploy', status: 'succeeded' });
    const row = await openDatabase().prisma.deployment.findUniqueOrThrow({ where: { id: decodeIdOf('Deployment', firstDeployment)! } });
    expect(row.doDeploymentId).toBe(app.deployments[0].id);

    const received = await receiver.waitFor((all) => all.some((item) => item.event.type === 'deploy.succeeded' && item.event.data.sessionId === sessionId));
    expect(received.find((item) => item.event.type === 'deploy.succeeded')!.event).toMatchObject({ livemode: true, data: { sessionKind: 'deploy', status: 'succeeded', result: { url: firstUrl } } });
    const usage = await openDatabase().prisma.usageDaily.aggregate({ where: { tenantId: tenant.id, mode: 'live' }, _sum: { deploys: true } });
    expect(usage._sum.deploys).toBe(1);
  });

  it('redeploys to the same app and URL (PUT the spec, which starts the deployment), the earlier deployment superseded', async () => {
    await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId: firstProject, files: [{ path: 'index.html', content: '<h1>v2</h1>' }] } });
    await graphql(platform.app, tenant.live, `mutation($id: ID!) { updateProject(input: { id: $id, name: "Renamed Shop" }) { id } }`, { id: firstProject });
    const before = appPlatform.requests.length;
    const { done, events } = await deploy(firstProject);
    expect(done.status).toBe('succeeded');
    const calls = appPlatform.requests.slice(before).map((request) => `${request.method} ${request.path.replace(/[0-9a-f-]{36}/g, ':id')}`);
    expect(calls).not.toContain('POST /v2/apps');
    expect(calls).toContain('PUT /v2/apps/:id');
    expect(appPlatform.appsOf('everjust')).toHaveLength(1);
    expect(events.find((event) => event.type === 'deploy_ready').url).toBe(firstUrl);
    expect(github.files('octocat', 'shop', 'main')!.get('index.html')).toBe('<h1>v2</h1>');
    // Renamed since: the app keeps its name (and region).
    expect(appPlatform.appsOf('everjust')[0].spec).toMatchObject({ name: expect.stringMatching(/^my-site-/), region: 'ams' });
    const view = await deploymentsOf(firstProject);
    expect(view.deployments.edges.map((edge: any) => edge.node.phase)).toEqual(['ACTIVE', 'SUPERSEDED']);
    expect(view.deployment.id).toBe(view.deployments.edges[0].node.id);
    expect(view.deployment.liveUrl).toBe(firstUrl);
  });

  it('a failed build ends the session failed with the build log (deploy_failed { phase, log }, deploy.failed); the live deployment stays', async () => {
    await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, {
      input: { projectId: firstProject, files: [{ path: 'package.json', content: JSON.stringify({ scripts: { build: 'vite build' }, devDependencies: { vite: '7.0.0' } }) }] },
    });
    appPlatform.scriptNextDeployment({ failAt: 'BUILDING', log: 'npm ERR! missing script: build\n' });
    const { sessionId, events, done } = await deploy(firstProject);
    expect(done).toMatchObject({ status: 'failed', error: { code: 'DEPLOY_FAILED' } });
    expect(done.error.message).toMatch(/failed while building: Your build job failed/);
    expect(events.find((event) => event.type === 'deploy_started')).toMatchObject({ appKind: 'static_site', detected: true });
    expect(events.find((event) => event.type === 'deploy_failed')).toMatchObject({ phase: 'BUILDING', log: 'npm ERR! missing script: build\n' });
    const app = appPlatform.appsOf('everjust')[0];
    expect(app.spec.static_sites[0]).toMatchObject({ build_command: 'npm run build', output_dir: 'dist' });

    const view = await deploymentsOf(firstProject);
    expect(view.deployments.edges[0].node).toMatchObject({ phase: 'ERROR', logTail: 'npm ERR! missing script: build\n' });
    expect(view.deployment.liveUrl).toBe(firstUrl);
    expect(view.deployment.phase).toBe('ACTIVE');
    await receiver.waitFor((all) => all.some((item) => item.event.type === 'deploy.failed' && item.event.data.sessionId === sessionId));
  });

  it('rolls back to the first deployment (App Platform rollback) on the same app and URL', async () => {
    const before = appPlatform.requests.length;
    const started = await graphql(platform.app, tenant.live, `mutation($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { id kind } }`, { input: { deploymentId: firstDeployment } });
    expect(started.errors).toBeUndefined();
    const events = await follow(started.data.rollbackDeployment.id);
    expect(events.at(-1)).toMatchObject({ status: 'succeeded' });
    const rollback = appPlatform.requests.slice(before).find((request) => request.path.endsWith('/rollback'))!;
    const first = await openDatabase().prisma.deployment.findUniqueOrThrow({ where: { id: decodeIdOf('Deployment', firstDeployment)! } });
    expect(rollback.body).toMatchObject({ deployment_id: first.doDeploymentId });
    expect(events.find((event) => event.type === 'deploy_ready').url).toBe(firstUrl);
    const view = await deploymentsOf(firstProject);
    expect(view.deployment).toMatchObject({ phase: 'ACTIVE', rollbackOf: { id: firstDeployment }, commitSha: first.commitSha });

    // The live one and one that never went live cannot be rolled back to.
    const live = await graphql(platform.app, tenant.live, `mutation($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { id } }`, { input: { deploymentId: view.deployment.id } });
    expect(errorCode(live)).toBe('BAD_USER_INPUT');
    const failed = view.deployments.edges.find((edge: any) => edge.node.phase === 'ERROR').node.id;
    expect(errorCode(await graphql(platform.app, tenant.live, `mutation($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { id } }`, { input: { deploymentId: failed } }))).toBe('BAD_USER_INPUT');
  });

  it('keeps tenants apart: another tenant gets NOT_FOUND for the project, its deployments and rollbacks', async () => {
    expect(errorCode(await graphql(platform.app, other.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: firstProject } }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(platform.app, other.live, `mutation($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { id } }`, { input: { deploymentId: firstDeployment } }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(platform.app, other.live, `mutation($input: DeleteDeploymentInput!) { deleteDeployment(input: $input) { id } }`, { input: { projectId: firstProject } }))).toBe('NOT_FOUND');
    const node = await graphql(platform.app, other.live, `query($id: ID!) { node(id: $id) { id } }`, { id: firstDeployment });
    expect(node.data?.node ?? null).toBeNull();
    // The same tenant's test mode is another world too.
    expect((await graphql(platform.app, tenant.test, `query($id: ID!) { node(id: $id) { id } }`, { id: firstDeployment })).data?.node ?? null).toBeNull();
  });

  it('retries App Platform 429 and 5xx with backoff and then succeeds; a 422 fails the session at once with the provider\'s message', async () => {
    const site = await project([{ path: 'index.html', content: 'retry me' }], { name: 'Retry' });
    appPlatform.fail({ method: 'POST', path: /^\/v2\/apps$/, status: 429, times: 2 });
    appPlatform.fail({ method: 'GET', path: /\/deployments\/[^/]+$/, status: 503, times: 1 });
    const before = appPlatform.requests.length;
    const { done } = await deploy(site);
    expect(done.status).toBe('succeeded');
    expect(appPlatform.requests.slice(before).filter((request) => request.method === 'POST' && request.path === '/v2/apps')).toHaveLength(3);
    expect(appPlatform.apps.get((await appOf(site))!)?.deletedAt).toBeUndefined();

    await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId: site, files: [{ path: 'index.html', content: 'v2' }] } });
    appPlatform.fail({ method: 'PUT', path: /^\/v2\/apps\/[^/]+$/, status: 422, message: 'error validating app spec field "static_sites": the app is locked' });
    const puts = appPlatform.requests.filter((request) => request.method === 'PUT').length;
    const refused = await deploy(site);
    expect(refused.done).toMatchObject({ status: 'failed', error: { code: 'DEPLOY_INVALID_SPEC' } });
    expect(refused.done.error.message).toMatch(/422 unprocessable_entity: error validating app spec field "static_sites": the app is locked/);
    expect(appPlatform.requests.filter((request) => request.method === 'PUT').length - puts).toBe(1);
    expect(refused.events.some((event) => event.type === 'error' && event.retryable)).toBe(false);
  });

  it('records an app made before a failure, so the next deploy updates it instead of making a second', async () => {
    const site = await project([{ path: 'index.html', content: 'half made' }], { name: 'Half' });
    // The app is made, then App Platform refuses to show its deployment (401: not retried).
    appPlatform.fail({ method: 'GET', path: /\/deployments\/[^/]+$/, status: 401 });
    const failed = await deploy(site);
    expect(failed.done).toMatchObject({ status: 'failed', error: { code: 'DEPLOY_UNAUTHORIZED' } });
    const appId = await appOf(site);
    expect(appId).toBeTruthy();
    const apps = appPlatform.appsOf('everjust').length;
    await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId: site, files: [{ path: 'index.html', content: 'whole' }] } });
    const again = await deploy(site);
    expect(again.done.status).toBe('succeeded');
    expect(await appOf(site)).toBe(appId);
    expect(appPlatform.appsOf('everjust')).toHaveLength(apps);
  });

  it('a retried attempt follows the deployment the first one started, rather than starting another; the same idempotency key returns the same session', async () => {
    const site = await project([{ path: 'index.html', content: 'flaky reads' }], { name: 'Flaky' });
    // Four 503s use up one call's tries: the attempt fails as retryable and the job runs again.
    appPlatform.fail({ method: 'GET', path: /\/deployments\/[^/]+$/, status: 503, times: 4 });
    const input = { projectId: site, idempotencyKey: `flaky-${site}` };
    const started = await graphql(platform.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input });
    const again = await graphql(platform.app, tenant.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input });
    expect(again.data.deployProject.id).toBe(started.data.deployProject.id);
    const events = await follow(started.data.deployProject.id);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(events.find((event) => event.type === 'error')).toMatchObject({ code: 'DEPLOY_UNAVAILABLE', retryable: true });
    expect(events.filter((event) => event.type === 'deploy_started')).toHaveLength(1);
    const app = appPlatform.apps.get((await appOf(site))!)!;
    expect(app.deployments).toHaveLength(1);
    expect(await openDatabase().prisma.deployment.count({ where: { projectId: decodeIdOf('Project', site)! } })).toBe(1);
  });

  it('cancels mid-deploy: the App Platform deployment is cancelled too, and the session ends cancelled', async () => {
    const site = await project([{ path: 'index.html', content: 'slow' }], { name: 'Slow' });
    appPlatform.scriptNextDeployment({ holdAt: 'BUILDING' });
    const sessionId = await startDeploy(site);
    await follow(sessionId, tenant.live, (event) => event.type === 'deploy_progress' && event.phase === 'BUILDING');
    expect((await graphql(platform.app, tenant.live, `mutation($id: ID!) { cancelSession(input: { id: $id }) { id } }`, { id: sessionId })).errors).toBeUndefined();
    const events = await follow(sessionId);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
    const row = await openDatabase().prisma.deployment.findFirstOrThrow({ where: { sessionId: decodeIdOf('Session', sessionId)! } });
    expect(row.phase).toBe('CANCELED');
    expect(appPlatform.deployment(row.doDeploymentId!)!.phase).toBe('CANCELED');
    expect(appPlatform.requests.some((request) => request.method === 'POST' && request.path.endsWith(`/deployments/${row.doDeploymentId}/cancel`))).toBe(true);
  });

  it('enforces live apps and deploys per day (tier limits with per-tenant overrides)', async () => {
    const limited = await createTestTenant(openDatabase(), { name: 'Limited' });
    // Only its presence matters here: no deploy of this tenant starts.
    await openDatabase().prisma.tenant.update({ where: { id: limited.id }, data: { githubTokenEncrypted: (await openDatabase().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).githubTokenEncrypted, limitOverrides: { liveApps: 0 } } });
    const site = await project([{ path: 'index.html', content: 'x' }], { key: limited.live });
    const refused = await graphql(platform.app, limited.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: site } });
    expect(errorCode(refused)).toBe('QUOTA_EXCEEDED');
    expect(refused.errors![0].extensions).toMatchObject({ limit: 'liveApps' });
    await openDatabase().prisma.tenant.update({ where: { id: limited.id }, data: { limitOverrides: { deploysPerDay: 0 } } });
    await platform.app.services.authenticator.tenantChanged(limited.id);
    const perDay = await graphql(platform.app, limited.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: site } });
    expect(errorCode(perDay)).toBe('QUOTA_EXCEEDED');
    expect(perDay.errors![0].extensions).toMatchObject({ limit: 'deploysPerDay', max: 0, resetsAt: expect.stringMatching(/T00:00:00.000Z$/) });
    const limits = await graphql(platform.app, tenant.live, '{ viewer { limits { deploysPerDay liveApps } } }');
    expect(limits.data.viewer.limits).toEqual({ deploysPerDay: null, liveApps: null });
    // Test mode has its own: simulated apps cost nothing, whatever the tier or the overrides.
    const testLimits = await graphql(platform.app, limited.test, '{ viewer { limits { deploysPerDay liveApps } } }');
    expect(testLimits.data.viewer.limits).toEqual({ deploysPerDay: 50, liveApps: null });
    await openDatabase().prisma.tenant.update({ where: { id: limited.id }, data: { limitOverrides: { deploysPerDay: 3, liveApps: 2 } } });
    await platform.app.services.authenticator.tenantChanged(limited.id);
    const quotas = await graphql(platform.app, limited.live, '{ viewer { quotas { name limit used remaining } } }');
    expect(quotas.data.viewer.quotas.filter((quota: any) => ['deploysPerDay', 'liveApps'].includes(quota.name))).toEqual([
      { name: 'deploysPerDay', limit: 3, used: 0, remaining: 3 },
      { name: 'liveApps', limit: 2, used: 0, remaining: 2 },
    ]);
    const mine = await graphql(platform.app, tenant.live, '{ viewer { quotas { name used } } }');
    expect(mine.data.viewer.quotas.find((quota: any) => quota.name === 'liveApps').used).toBeGreaterThanOrEqual(3);
    const day = new Date().toISOString().slice(0, 10);
    const usage = await graphql(platform.app, tenant.live, `{ usage(from: "${day}T00:00:00Z", to: "${new Date(Date.now() + 86_400_000).toISOString()}") { totals { deploys billable { deploys } } } }`);
    expect(usage.data.usage.totals.deploys).toBe(await openDatabase().prisma.deployment.count({ where: { tenantId: tenant.id, mode: 'live', doDeploymentId: { not: null } } }));
    expect(usage.data.usage.totals.billable.deploys).toBe(usage.data.usage.totals.deploys);
  });

  it('deleteDeployment removes the app (by a job); deleting a project removes its app too', async () => {
    const appId = (await appOf(firstProject))!;
    const removed = await graphql(platform.app, tenant.live, `mutation($input: DeleteDeploymentInput!) { deleteDeployment(input: $input) { id deployment { id } } }`, { input: { projectId: firstProject } });
    expect(removed.errors).toBeUndefined();
    expect(removed.data.deleteDeployment.deployment).toBeNull();
    await expect.poll(() => appPlatform.apps.get(appId)?.deletedAt, { timeout: 10_000 }).toBeInstanceOf(Date);
    expect((await deploymentsOf(firstProject)).deployments.edges.length).toBeGreaterThan(0);

    const site = await project([{ path: 'index.html', content: 'gone soon' }], { name: 'Gone' });
    expect((await deploy(site)).done.status).toBe('succeeded');
    const siteApp = (await appOf(site))!;
    expect((await graphql(platform.app, tenant.live, `mutation($id: ID!) { deleteProject(input: { id: $id }) { id } }`, { id: site })).errors).toBeUndefined();
    await expect.poll(() => appPlatform.apps.get(siteApp)?.deletedAt, { timeout: 10_000 }).toBeInstanceOf(Date);
  });

  it("deploys into the tenant's own DigitalOcean account once it stores a token (sealed), even where the platform has none; apps made before stay in theirs", async () => {
    const own = await createTestTenant(openDatabase(), { name: 'Own account' });
    expect((await graphql(platform.app, own.live, `mutation { setGitHubToken(input: { token: "${GITHUB_TOKEN}" }) { gitHubTokenSet } }`)).errors).toBeUndefined();
    const before = await graphql(platform.app, own.live, '{ viewer { digitalOceanTokenSet } }');
    expect(before.data.viewer.digitalOceanTokenSet).toBe(false);
    const site = await project([{ path: 'index.html', content: 'platform account' }], { key: own.live, name: 'Mine' });
    expect((await deploy(site, own.live)).done.status).toBe('succeeded');
    const platformApp = (await appOf(site))!;
    expect(appPlatform.apps.get(platformApp)!.account).toBe('everjust');

    expect(errorCode(await graphql(platform.app, own.test, `mutation { setDigitalOceanToken(input: { token: "${OWN_DO_TOKEN}" }) { id } }`))).toBe('FORBIDDEN');
    const set = await graphql(platform.app, own.live, `mutation { setDigitalOceanToken(input: { token: "${OWN_DO_TOKEN}" }) { digitalOceanTokenSet } }`);
    expect(set.data.setDigitalOceanToken.digitalOceanTokenSet).toBe(true);
    const stored = (await openDatabase().prisma.tenant.findUniqueOrThrow({ where: { id: own.id } })).digitaloceanTokenEncrypted;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(OWN_DO_TOKEN);

    // A platform without DIGITALOCEAN_TOKEN accepts the deploy now (the worker runs it with the tenant's token).
    const fresh = await project([{ path: 'index.html', content: 'own account' }], { key: own.live, name: 'Mine too' });
    const accepted = await graphql(unconfigured.app, own.live, `mutation($input: DeployProjectInput!) { deployProject(input: $input) { id } }`, { input: { projectId: fresh } });
    expect(accepted.errors).toBeUndefined();
    expect((await follow(accepted.data.deployProject.id, own.live)).at(-1)).toMatchObject({ status: 'succeeded' });
    const ownApp = (await appOf(fresh))!;
    expect(appPlatform.apps.get(ownApp)!.account).toBe('own-account');
    expect(appPlatform.requests.filter((request) => request.path === '/v2/apps' && request.method === 'POST').at(-1)!.headers.authorization).toBe(`Bearer ${OWN_DO_TOKEN}`);

    // The earlier app is still the platform's: its redeploy goes there.
    expect((await deploy(site, own.live)).done.status).toBe('succeeded');
    expect(await appOf(site)).toBe(platformApp);
    expect(appPlatform.appsOf('own-account')).toHaveLength(1);

    // Removal uses the account's token too.
    expect((await graphql(platform.app, own.live, `mutation($input: DeleteDeploymentInput!) { deleteDeployment(input: $input) { id } }`, { input: { projectId: fresh } })).errors).toBeUndefined();
    await expect.poll(() => appPlatform.apps.get(ownApp)?.deletedAt, { timeout: 10_000 }).toBeInstanceOf(Date);
    expect(appPlatform.requests.find((request) => request.method === 'DELETE' && request.path === `/v2/apps/${ownApp}`)!.headers.authorization).toBe(`Bearer ${OWN_DO_TOKEN}`);
  });

  it('test mode is simulated: the same events and phases, no call to DigitalOcean or GitHub, the URL is the static preview', async () => {
    const doCalls = appPlatform.requests.length;
    const githubCalls = github.requests.length;
    const site = await project([{ path: 'index.html', content: '<h1>simulated</h1>' }], { key: tenant.test, repository: null });
    const { events, done } = await deploy(site, tenant.test);
    expect(done.status).toBe('succeeded');
    expect(events.find((event) => event.type === 'deploy_started')).toMatchObject({ provider: 'simulated', appKind: 'static_site', repository: null, commitSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(events.filter((event) => event.type === 'deploy_progress').map((event) => event.phase)).toEqual(['BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE']);
    const url = events.find((event) => event.type === 'deploy_ready').url as string;
    expect(url.startsWith(`${platform.app.services.config.publicUrl}/preview/`)).toBe(true);
    expect(await (await fetch(url)).text()).toContain('<h1>simulated</h1>');
    expect(appPlatform.requests).toHaveLength(doCalls);
    expect(github.requests).toHaveLength(githubCalls);

    // A second one keeps the app (and its URL's project); a rollback works the same way.
    const again = await deploy(site, tenant.test);
    expect(again.done.status).toBe('succeeded');
    expect(again.events.find((event) => event.type === 'deploy_ready').url).toBe(url);
    const view = await deploymentsOf(site, tenant.test);
    expect(view.deployments.edges.map((edge: any) => edge.node.phase)).toEqual(['ACTIVE', 'SUPERSEDED']);
    const rollback = await graphql(platform.app, tenant.test, `mutation($input: RollbackDeploymentInput!) { rollbackDeployment(input: $input) { id } }`, { input: { deploymentId: view.deployments.edges[1].node.id } });
    expect(rollback.errors).toBeUndefined();
    expect((await follow(rollback.data.rollbackDeployment.id, tenant.test)).at(-1).status).toBe('succeeded');
    expect(appPlatform.requests).toHaveLength(doCalls);
    expect(encodeId('Project', decodeIdOf('Project', site)!)).toBe(site);
  });
});
