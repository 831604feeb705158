import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, decodeId, encodeId, enqueueJob } from '@everjust/core';
import { Webhooks } from '@everjust/sdk';
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const EXPORT_EVENTS = `subscription($sessionId: ID!) {
  sessionEvents(sessionId: $sessionId) {
    seq type
    ... on StatusEvent { status step statusMessage: message }
    ... on ErrorEvent { code message retryable }
    ... on DoneEvent { status result error { code message } }
  }
}`;

const GOOD_TOKEN = 'ghp_tenantTokenForExports0123456789';
const CALL_TOKEN = 'ghp_oneCallToken9876543210abcdefgh';

describe('exportToGitHub (Octokit against a fake GitHub, through the API and a worker)', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let github: FakeGitHub;
  let receiver: WebhookReceiver;
  let tenant: TestTenant;
  let webhookSecret: string;
  let liveWebhookSecret: string;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    github = await startFakeGitHub({ tokens: { [GOOD_TOKEN]: 'octocat', [CALL_TOKEN]: 'octocat' }, organizations: { acme: ['octocat'] } });
    receiver = await startWebhookReceiver();
    platform = await startTestPlatform(database, {
      environment: {
        GITHUB_API_URL: github.url,
        EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true',
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: '50',
        EVERJUST_WEBHOOK_RETRY_SCHEDULE_S: '0.1,0.1',
      },
    });
    tenant = await createTestTenant(database);
    const created = await graphql(platform.app, tenant.test, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, {
      input: { url: `${receiver.url}/github`, events: ['EXPORT_SUCCEEDED', 'EXPORT_FAILED', 'SESSION_SUCCEEDED', 'SESSION_FAILED'] },
    });
    webhookSecret = created.data.createWebhookEndpoint.secret;
    const live = await graphql(platform.app, tenant.live, `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`, {
      input: { url: `${receiver.url}/github-live`, events: ['EXPORT_SUCCEEDED', 'SESSION_SUCCEEDED'] },
    });
    liveWebhookSecret = live.data.createWebhookEndpoint.secret;
  });
  afterAll(async () => {
    await platform.stop();
    await receiver.close();
    await github.close();
    await database.close();
  });

  async function projectWithFiles(count: number, key = tenant.test) {
    const project = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Export me" }) { id } }');
    const projectId = project.data.createProject.id as string;
    const files = Array.from({ length: count }, (_, index) => ({ path: index < 10 ? `file-${index}.txt` : `src/dir-${index % 4}/module-${index}.js`, content: `export const n = ${index}; // ✓\n` }));
    const written = await graphql(platform.app, key, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId, files } });
    expect(written.errors).toBeUndefined();
    return { projectId, files };
  }

  async function exportProject(input: Record<string, unknown>, key = tenant.test) {
    const started = await graphql(platform.app, key, `mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id kind status } }`, { input });
    expect(started.errors).toBeUndefined();
    expect(started.data.exportToGitHub).toMatchObject({ kind: 'export', status: 'queued' });
    const sessionId = started.data.exportToGitHub.id as string;
    const stream = await subscribeSse(platform.url, key, EXPORT_EVENTS, { sessionId });
    expect(stream.errors).toBeUndefined();
    expect(stream.completed).toBe(true);
    return { sessionId, events: stream.events, done: stream.events.at(-1) };
  }

  it('refuses at once, as BAD_USER_INPUT, an export without any token', async () => {
    const { projectId } = await projectWithFiles(1);
    const refused = await graphql(platform.app, tenant.test, `mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id } }`, {
      input: { projectId, owner: 'octocat', repo: 'nothing' },
    });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toMatch(/needs a token passed with the call/);
    const live = await projectWithFiles(1, tenant.live);
    const refusedLive = await graphql(platform.app, tenant.live, `mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id } }`, {
      input: { projectId: live.projectId, owner: 'octocat', repo: 'nothing' },
    });
    expect(errorCode(refusedLive)).toBe('BAD_USER_INPUT');
    expect(refusedLive.errors![0].message).toMatch(/setGitHubToken/);
    expect(await database.prisma.session.count({ where: { kind: 'export' } })).toBe(0);
    const invalid = await graphql(platform.app, tenant.test, `mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id } }`, {
      input: { projectId, owner: '-bad-', repo: 'x', branch: 'a..b', token: GOOD_TOKEN },
    });
    expect(errorCode(invalid)).toBe('BAD_USER_INPUT');
  });

  it("stores the tenant's token encrypted (a live key's setting), and a live export pushes 30 files in one commit to a repository it creates", async () => {
    const set = await graphql(platform.app, tenant.live, `mutation { setGitHubToken(input: { token: "${GOOD_TOKEN}" }) { gitHubTokenSet } }`);
    expect(set.data.setGitHubToken.gitHubTokenSet).toBe(true);
    const stored = await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(stored.githubTokenEncrypted).toMatch(/^v1\./);
    expect(stored.githubTokenEncrypted).not.toContain(GOOD_TOKEN);
    expect((await graphql(platform.app, tenant.test, '{ viewer { gitHubTokenSet } }')).data.viewer.gitHubTokenSet).toBe(true);

    const { projectId, files } = await projectWithFiles(30, tenant.live);
    const { sessionId, events, done } = await exportProject({ projectId, owner: 'octocat', repo: 'my-app', private: true, message: 'First export' }, tenant.live);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(done.result).toEqual({ repositoryUrl: 'https://github.example/octocat/my-app', commitSha: expect.stringMatching(/^[0-9a-f]{40}$/), branch: 'main' });
    expect(events.filter((event) => event.type === 'status').map((event) => event.statusMessage ?? event.status)).toEqual([
      'queued',
      'running',
      'Exporting 30 files to octocat/my-app',
      'Created the repository octocat/my-app',
    ]);

    // The tree the fake received: exactly the 30 paths and contents, in one commit on top of auto_init's.
    const tree = github.treeRequests.at(-1)!;
    expect(tree.repository).toBe('octocat/my-app');
    expect(tree.body.tree.map((entry: any) => entry.path).sort()).toEqual(files.map((file) => file.path).sort());
    expect(new Map(tree.body.tree.map((entry: any) => [entry.path, entry.content]))).toEqual(new Map(files.map((file) => [file.path, file.content])));
    expect(github.history('octocat', 'my-app', 'main').map((commit) => commit.message)).toEqual(['First export', 'Initial commit']);
    expect(github.history('octocat', 'my-app', 'main')[0].sha).toBe(done.result.commitSha);
    expect(github.repositories.get('octocat/my-app')?.private).toBe(true);

    // export.succeeded and session.succeeded, signed, with the result.
    const received = await receiver.waitFor((all) => all.some((item) => item.event.type === 'export.succeeded' && item.event.data.sessionId === sessionId));
    const exported = received.find((item) => item.event.type === 'export.succeeded' && item.event.data.sessionId === sessionId)!;
    await Webhooks.verify(exported.body, exported.headers['everjust-signature'] as string, liveWebhookSecret);
    expect(exported.event).toMatchObject({ livemode: true, data: { status: 'succeeded', sessionKind: 'export', result: done.result, projectId } });
    await receiver.waitFor((all) => all.some((item) => item.event.type === 'session.succeeded' && item.event.data.sessionId === sessionId));
  });

  it('never lends the stored (live) token to test mode: a test-mode export without `token` is BAD_USER_INPUT, and the worker never falls back to it', async () => {
    expect((await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).githubTokenEncrypted).not.toBeNull();
    const { projectId } = await projectWithFiles(1);
    const sessionsBefore = await database.prisma.session.count({ where: { kind: 'export', mode: 'test' } });
    const refused = await graphql(platform.app, tenant.test, `mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id } }`, {
      input: { projectId, owner: 'octocat', repo: 'test-mode-push' },
    });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].message).toMatch(/test-mode export needs a token passed with the call/);
    expect(refused.errors![0].extensions.issues).toEqual([{ path: ['input', 'token'], message: 'required in test mode' }]);
    expect(await database.prisma.session.count({ where: { kind: 'export', mode: 'test' } })).toBe(sessionsBefore);

    // A test-mode export job that carries no token of its own (as one queued before this rule would):
    // the worker ends it without touching GitHub rather than push with the live token.
    const id = decodeId(projectId).id;
    const session = await database.prisma.$transaction(async (tx) => {
      const created = await tx.session.create({ data: { tenantId: tenant.id, projectId: id, mode: 'test', kind: 'export', prompt: '' } });
      await appendEvent(tx, created.id, { type: 'status', payload: { status: 'queued' } });
      await enqueueJob(tx, { kind: 'export', sessionId: created.id, maxAttempts: 1, payload: { owner: 'octocat', repo: 'test-mode-push', private: true, branch: 'main', message: 'x' } });
      return created;
    });
    const requestsBefore = github.requests.length;
    const stream = await subscribeSse(platform.url, tenant.test, EXPORT_EVENTS, { sessionId: encodeId('Session', session.id) });
    expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'failed', error: { code: 'GITHUB_TOKEN_MISSING' } });
    expect(github.requests.slice(requestsBefore)).toEqual([]);
    expect(github.repositories.has('octocat/test-mode-push')).toBe(false);
  });

  it('exports to an organisation on a new branch with a token passed for the call, which is never stored in clear', async () => {
    const { projectId } = await projectWithFiles(3);
    github.addRepository('acme', 'site');
    const { sessionId, done } = await exportProject({ projectId, owner: 'acme', repo: 'site', branch: 'everjust/export', token: CALL_TOKEN });
    expect(done).toMatchObject({ status: 'succeeded', result: { branch: 'everjust/export', repositoryUrl: 'https://github.example/acme/site' } });
    expect(github.requests.filter((request) => request.rawPath.startsWith('/repos/acme/site/git')).at(-1)?.authorization).toBe(`token ${CALL_TOKEN}`);
    expect(github.files('acme', 'site', 'everjust/export')?.size).toBe(4);

    // Neither the job, nor the events, nor anything else in the database holds the token in clear; and
    // the sealed copy the job carried went with the statement that ended the session.
    const id = decodeId(sessionId).id;
    const job = await database.prisma.job.findFirstOrThrow({ where: { sessionId: id } });
    expect(job.payload).toMatchObject({ owner: 'acme', repo: 'site', branch: 'everjust/export' });
    expect(job.payload).not.toHaveProperty('sealedToken');
    const dump = JSON.stringify(await database.prisma.$queryRawUnsafe(`SELECT (SELECT json_agg(j) FROM jobs j) AS jobs, (SELECT json_agg(e) FROM session_events e) AS events, (SELECT json_agg(s) FROM sessions s) AS sessions, (SELECT json_agg(d) FROM webhook_deliveries d) AS deliveries`));
    expect(dump).not.toContain(CALL_TOKEN);
    expect(dump).not.toContain(GOOD_TOKEN);
  });

  it('ends as failed with GITHUB_UNAUTHORIZED when GitHub refuses the token (401), and fires export.failed', async () => {
    const { projectId } = await projectWithFiles(2);
    const { sessionId, events, done } = await exportProject({ projectId, owner: 'octocat', repo: 'never', token: 'ghp_revoked_or_wrong' });
    expect(done).toMatchObject({ status: 'failed', error: { code: 'GITHUB_UNAUTHORIZED' } });
    expect(done.error.message).toMatch(/401/);
    expect(events.find((event) => event.type === 'error')).toMatchObject({ code: 'GITHUB_UNAUTHORIZED', retryable: false });
    const session = await graphql(platform.app, tenant.test, `query($id: ID!) { session(id: $id) { status error { code } } }`, { id: sessionId });
    expect(session.data.session).toEqual({ status: 'failed', error: { code: 'GITHUB_UNAUTHORIZED' } });
    expect(github.repositories.has('octocat/never')).toBe(false);
    // A failed export drops its per-call token too.
    const job = await database.prisma.job.findFirstOrThrow({ where: { sessionId: decodeId(sessionId).id } });
    expect(job.payload).not.toHaveProperty('sealedToken');
    const received = await receiver.waitFor((all) => all.some((item) => item.event.type === 'export.failed' && item.event.data.sessionId === sessionId));
    const failed = received.find((item) => item.event.type === 'export.failed' && item.event.data.sessionId === sessionId)!;
    expect(failed.event.data).toMatchObject({ status: 'failed', error: { code: 'GITHUB_UNAUTHORIZED' } });
    await Webhooks.verify(failed.body, failed.headers['everjust-signature'] as string, webhookSecret);
  });

  it('fails with GITHUB_REPOSITORY_EXISTS when the name is taken by a repository the token cannot see', async () => {
    const { projectId } = await projectWithFiles(1);
    github.addRepository('octocat', 'taken');
    github.fail({ method: 'GET', path: /^\/repos\/octocat\/taken$/, status: 404, message: 'Not Found' });
    const { done } = await exportProject({ projectId, owner: 'octocat', repo: 'taken', token: GOOD_TOKEN });
    expect(done).toMatchObject({ status: 'failed', error: { code: 'GITHUB_REPOSITORY_EXISTS' } });
  });

  it('clears the stored token (with a live key; a test key is FORBIDDEN)', async () => {
    const byTestKey = await graphql(platform.app, tenant.test, 'mutation { setGitHubToken(input: { token: null }) { gitHubTokenSet } }');
    expect(errorCode(byTestKey)).toBe('FORBIDDEN');
    expect(byTestKey.errors![0].message).toMatch(/use a live key/);
    const cleared = await graphql(platform.app, tenant.live, 'mutation { setGitHubToken(input: { token: null }) { gitHubTokenSet } }');
    expect(cleared.data.setGitHubToken.gitHubTokenSet).toBe(false);
    expect((await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).githubTokenEncrypted).toBeNull();
  });
});
