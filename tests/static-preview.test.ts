import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIdOf, signPreviewToken } from '@everjust/core';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const PREVIEW_EVENTS = SESSION_EVENTS_SUBSCRIPTION.replace('... on DoneEvent', '... on PreviewReadyEvent { url expiresAt } ... on PreviewFailedEvent { reason } ... on DoneEvent');

describe('the static preview (test mode)', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    // The live sandbox would be local; test mode must get the static preview whatever it is.
    platform = await startTestPlatform(database, { environment: { EVERJUST_SANDBOX: 'static' } });
    tenant = await createTestTenant(database);
  });
  afterAll(async () => {
    await platform.stop();
    await database.close();
  });

  async function generate(prompt: string) {
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Preview" }) { id } }');
    const projectId = project.data.createProject.id as string;
    const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt } });
    const stream = await subscribeSse(platform.url, tenant.test, PREVIEW_EVENTS, { sessionId: started.data.startSession.id });
    return { projectId, events: stream.events };
  }

  it('ends a test-mode session with preview_ready before done, serving the app under a CSP sandbox', async () => {
    const { projectId, events } = await generate('Build a todo list');
    const types = events.map((event) => event.type);
    const readyAt = types.indexOf('preview_ready');
    expect(readyAt).toBeGreaterThan(types.lastIndexOf('file_written'));
    expect(types.at(-1)).toBe('done');
    expect(events.at(-1).status).toBe('succeeded');
    const { url, expiresAt } = events[readyAt];
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups allow-modals');
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/<html/i);
    // The reporter goes first into <head>; the page is otherwise the stored file.
    const reporter = html.match(/<script src="(\/preview\/[^/"]+\/__everjust\/reporter\.js)"><\/script>/);
    expect(reporter).not.toBeNull();
    const stored = await database.prisma.projectFile.findFirstOrThrow({ where: { path: 'index.html', project: { id: decodeIdOf('Project', projectId)! } }, include: { blob: true } });
    expect(html.replace(reporter![0], '').replace(/<script crossorigin /g, '<script ')).toBe(stored.blob.content);
    expect(html.indexOf(reporter![0])).toBeLessThan(html.search(/<\/head>/i));
    const script = await fetch(new URL(reporter![1], url));
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('everjust:preview-error');
    const appScript = await fetch(new URL('app.js', url));
    expect(appScript.headers.get('content-type')).toMatch(/javascript/);
    expect(appScript.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups allow-modals');
    expect((await fetch(new URL('nope.js', url))).status).toBe(404);
    expect((await fetch(`${url}..%2f..%2fetc%2fpasswd`)).status).toBeGreaterThanOrEqual(400);

    const project = await graphql(platform.app, tenant.test, `query($id: ID!) { project(id: $id) { sandbox { provider status previewUrl } } }`, { id: projectId });
    expect(project.data.project.sandbox).toEqual({ provider: 'static', status: 'running', previewUrl: url });
  });

  it('stops serving once the link expires, and refuses a tampered one', async () => {
    await generate('A counter');
    const id = (await database.prisma.project.findFirstOrThrow({ where: { tenantId: tenant.id }, orderBy: { id: 'desc' } })).id;
    const secret = platform.app.services.secret;
    const soon = signPreviewToken(secret, { projectId: id, mode: 'test', expiresAt: Math.floor(Date.now() / 1000) + 1 });
    expect((await fetch(`${platform.url}/preview/${soon}/`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Expired, forged or tampered: the same small 404 page, never a stack trace.
    const expired = await fetch(`${platform.url}/preview/${soon}/`);
    expect(expired.status).toBe(404);
    expect(expired.headers.get('content-type')).toMatch(/text\/html/);
    const page = await expired.text();
    expect(page).toContain('This preview link is not valid');
    expect(page.length).toBeLessThan(500);
    expect(page).not.toMatch(/at \w+ \(|Error:/);

    const valid = signPreviewToken(secret, { projectId: id, mode: 'test', expiresAt: Math.floor(Date.now() / 1000) + 60 });
    const [body, signature] = valid.split('.');
    const forged = Buffer.from(JSON.stringify({ p: id, m: 'test', e: Math.floor(Date.now() / 1000) + 9999 })).toString('base64url');
    expect((await fetch(`${platform.url}/preview/${forged}.${signature}/`)).status).toBe(404);
    expect((await fetch(`${platform.url}/preview/${body}.${signature.slice(1)}x/`)).status).toBe(404);
    expect((await fetch(`${platform.url}/preview/not-a-token/`)).status).toBe(404);
    // A live-mode link to a test project shows nothing.
    const wrongMode = signPreviewToken(secret, { projectId: id, mode: 'live', expiresAt: Math.floor(Date.now() / 1000) + 60 });
    expect((await fetch(`${platform.url}/preview/${wrongMode}/`)).status).toBe(404);
  });

  it("previews a version: Session.previewUrl serves the files as that session left them, whatever the project has now", async () => {
    const { projectId, events } = await generate('A counter app');
    const first = events.find((event) => event.type === 'done');
    expect(first.status).toBe('succeeded');
    const sessions = async () =>
      (await graphql(platform.app, tenant.test, 'query($id: ID!) { project(id: $id) { sessions(first: 5) { edges { node { id prompt previewUrl } } } } }', { id: projectId })).data.project.sessions.edges.map((edge: any) => edge.node);
    const [counter] = await sessions();
    // A second build changes the project's files.
    const started = await graphql(platform.app, tenant.test, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId, prompt: 'A quiz about rivers' } });
    await subscribeSse(platform.url, tenant.test, PREVIEW_EVENTS, { sessionId: started.data.startSession.id });
    const [quiz, counterAgain] = await sessions();
    expect([quiz.prompt, counterAgain.prompt]).toEqual(['A quiz about rivers', 'A counter app']);
    const old = await (await fetch(counterAgain.previewUrl)).text();
    const now = await (await fetch(quiz.previewUrl)).text();
    expect(old).toContain('A counter app');
    expect(old).not.toContain('A quiz about rivers');
    expect(now).toContain('A quiz about rivers');
    expect(counter.previewUrl).toMatch(/^http:\/\/.+\/preview\/.+\/$/);
    // A version's link names its session: pointing it at another project's session opens nothing.
    const other = await generate('Another app');
    const otherSession = (await graphql(platform.app, tenant.test, 'query($id: ID!) { project(id: $id) { sessions(first: 1) { edges { node { id } } } } }', { id: other.projectId })).data.project.sessions.edges[0].node.id;
    const forged = signPreviewToken(platform.app.services.secret, { projectId: decodeIdOf('Project', projectId)!, mode: 'test', expiresAt: Math.floor(Date.now() / 1000) + 60, sessionId: decodeIdOf('Session', otherSession)! });
    expect((await fetch(`${platform.app.services.config.previewUrl}/${forged}/`)).status).toBe(404);
    // Deleting the project revokes its versions' links.
    await graphql(platform.app, tenant.test, 'mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { id } }', { input: { id: projectId } });
    expect((await fetch(counterAgain.previewUrl)).status).toBe(404);
  });
});
