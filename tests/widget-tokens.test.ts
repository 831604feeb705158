import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, validate } from 'graphql';
import { createLocalPubSub, encodeId, RETIRED_WIDGET_DOCUMENTS, WIDGET_DOCUMENTS, WIDGET_OPERATION_IDS, type WidgetOperationName } from '@everjust/core';
import { ServerSentEventParser } from '@everjust/sdk';
import { schema, signWidgetToken, widgetTokenKey, type WidgetTokenClaims } from '@everjust/api';
import { createTestApp, createTestTenant, errorCode, graphql, type GraphQLResponse, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';

const ORIGIN = 'https://shop.example';
const OTHER_ORIGIN = 'https://evil.example';

const MINT = `mutation($input: CreateWidgetTokenInput!) {
  createWidgetToken(input: $input) { token expiresAt project { id name externalUserId mode } }
}`;

/** The claims of a widget token, as anyone holding it can read them. */
function claimsOf(token: string) {
  const [header, payload] = token.slice('ej_wt_'.length).split('.');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) };
}

describe('the widget operations', () => {
  it('are valid against the API schema', () => {
    for (const [name, document] of [...Object.entries(WIDGET_DOCUMENTS), ...RETIRED_WIDGET_DOCUMENTS.map((document) => ['retired', document] as const)]) {
      expect(validate(schema, parse(document)).map((error) => error.message), name).toEqual([]);
    }
  });
});

describe('widget tokens', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database);
    tenant = await createTestTenant(database);
    const allowed = await graphql(platform.app, tenant.live, `mutation { updateTenant(input: { allowedOrigins: ["${ORIGIN}"] }) { allowedOrigins } }`);
    expect(allowed.data.updateTenant.allowedOrigins).toEqual([ORIGIN]);
  });
  afterAll(async () => {
    await platform.stop();
    await database.close();
  });

  async function mint(key: string, input: Record<string, unknown>) {
    return graphql(platform.app, key, MINT, { input: { origin: ORIGIN, externalUserId: 'user-1', ...input } });
  }

  async function mintFor(key: string, input: Record<string, unknown> = {}) {
    const minted = await mint(key, { newProject: { name: 'Widget project' }, ...input });
    expect(minted.errors).toBeUndefined();
    return minted.data.createWidgetToken as { token: string; expiresAt: string; project: { id: string; name: string; externalUserId: string; mode: string } };
  }

  /** A request as the widget sends it: a persisted operation id, the token, the page's origin. */
  async function widget(token: string, operation: WidgetOperationName | { query: string }, variables: Record<string, unknown> = {}, headers: Record<string, string> = { origin: ORIGIN }): Promise<GraphQLResponse> {
    const body = typeof operation === 'string' ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS[operation] } } } : { ...operation, variables };
    const response = await platform.app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { data?: any; errors?: any[] };
    return { status: response.status, headers: response.headers, data: json.data ?? undefined, errors: json.errors };
  }

  /** Reads a widget SSE subscription to its end. */
  async function stream(token: string, sessionId: string, origin = ORIGIN) {
    const response = await platform.app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, origin },
      body: JSON.stringify({ variables: { sessionId, afterSeq: 0 }, extensions: { persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS.sessionEvents } } }),
    });
    const messages = new ServerSentEventParser().feed(await response.text());
    const payloads = messages.filter((message) => message.event === 'next').map((message) => JSON.parse(message.data));
    return {
      response,
      events: payloads.filter((payload) => payload.data).map((payload) => payload.data.sessionEvents),
      errors: payloads.flatMap((payload) => payload.errors ?? []),
      completed: messages.some((message) => message.event === 'complete'),
    };
  }

  it('mints a signed, short-lived token for one origin, project and end user, and a new project once per idempotency key', async () => {
    const first = await mintFor(tenant.live, { idempotencyKey: 'signup-42', externalUserId: 'user-42', newProject: { name: 'Shop', metadata: { plan: 'pro' } } });
    expect(first.token).toMatch(/^ej_wt_[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first.project).toMatchObject({ name: 'Shop', externalUserId: 'user-42', mode: 'LIVE' });
    const { header, payload } = claimsOf(first.token);
    expect(header).toEqual({ alg: 'HS256', typ: 'ej-widget+jwt' });
    expect(payload).toMatchObject({ sub: 'user-42', origin: ORIGIN, mode: 'live', project: first.project.id, tenant: tenant.globalId, iss: 'everjust', aud: 'everjust:widget' });
    // 15 minutes by default.
    expect(payload.exp - payload.iat).toBe(900);
    expect(new Date(first.expiresAt).getTime()).toBe(payload.exp * 1000);

    const retried = await mintFor(tenant.live, { idempotencyKey: 'signup-42', externalUserId: 'user-42', newProject: { name: 'Shop', metadata: { plan: 'pro' } } });
    expect(retried.project.id).toBe(first.project.id);
    expect(retried.token).not.toBe(first.token);
    const conflicting = await mint(tenant.live, { idempotencyKey: 'signup-42', externalUserId: 'user-43', newProject: { name: 'Shop' } });
    expect(errorCode(conflicting)).toBe('IDEMPOTENCY_CONFLICT');

    const hour = await mintFor(tenant.live, { ttlSeconds: 3600 });
    const hourClaims = claimsOf(hour.token).payload;
    expect(hourClaims.exp - hourClaims.iat).toBe(3600);
  });

  it('refuses an origin that is not allowed, a lifetime over an hour, and a wrong choice of project (BAD_USER_INPUT)', async () => {
    expect(errorCode(await mint(tenant.live, { newProject: { name: 'x' }, origin: OTHER_ORIGIN }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await mint(tenant.live, { newProject: { name: 'x' }, origin: `${ORIGIN}/path` }))).toBe('BAD_USER_INPUT');
    const tooLong = await mint(tenant.live, { newProject: { name: 'x' }, ttlSeconds: 3601 });
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    expect(tooLong.errors![0].message).toMatch(/ttlSeconds/);
    expect(errorCode(await mint(tenant.live, { newProject: { name: 'x' }, ttlSeconds: 5 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await mint(tenant.live, {}))).toBe('BAD_USER_INPUT');
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Both" }) { id } }');
    expect(errorCode(await mint(tenant.live, { projectId: project.data.createProject.id, newProject: { name: 'x' } }))).toBe('BAD_USER_INPUT');
  });

  it('lets a test key mint test-mode tokens only, which see test-mode data only', async () => {
    const minted = await mintFor(tenant.test);
    expect(claimsOf(minted.token).payload.mode).toBe('test');
    expect(minted.project.mode).toBe('TEST');
    const live = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Live only" }) { id } }');
    const liveProjectId = live.data.createProject.id;
    expect(errorCode(await mint(tenant.test, { projectId: liveProjectId }))).toBe('NOT_FOUND');
    // Even a test-mode token forged to name the live project finds nothing there.
    const forged = await signWidgetToken(platform.app.services.widgetTokens.signingKey, {
      ...claimsFor(minted.token),
      projectId: liveProjectId,
    });
    expect(errorCode(await widget(forged, 'project', { projectId: liveProjectId }))).toBe('NOT_FOUND');
  });

  it("runs the widget's operations from its origin, with CORS for that origin only, and streams over SSE", async () => {
    const { token, project } = await mintFor(tenant.test);
    const read = await widget(token, 'project', { projectId: project.id });
    expect(read.errors).toBeUndefined();
    expect(read.data.project).toMatchObject({ id: project.id, name: 'Widget project', files: [], sessions: { edges: [] } });
    expect(read.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(read.headers.get('vary')).toMatch(/Origin/);

    const started = await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A counter app', idempotencyKey: 'w-1' } });
    expect(started.errors).toBeUndefined();
    const sessionId = started.data.startSession.id;
    const streamed = await stream(token, sessionId);
    expect(streamed.response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(streamed.errors).toEqual([]);
    expect(streamed.completed).toBe(true);
    expect(streamed.events.map((event) => event.seq)).toEqual(streamed.events.map((_, index) => index + 1));
    expect(streamed.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(streamed.events.some((event) => event.type === 'file_written' && event.path === 'index.html')).toBe(true);

    // The session is the token's end user's, and the file can be read alone.
    const session = await graphql(platform.app, tenant.test, `query($id: ID!) { session(id: $id) { externalUserId } }`, { id: sessionId });
    expect(session.data.session.externalUserId).toBe('user-1');
    const file = await widget(token, 'file', { projectId: project.id, path: 'index.html' });
    expect(file.data.project.file).toMatchObject({ path: 'index.html', content: expect.stringMatching(/<h1>/) });
    const listed = await widget(token, 'project', { projectId: project.id });
    expect(listed.data.project.sessions.edges.map((edge: any) => edge.node.id)).toEqual([sessionId]);

    // Preflights are answered for any origin: they grant nothing, the token decides the request.
    const preflight = (origin: string) =>
      platform.app.fetch('http://everjust.test/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect((await preflight(OTHER_ORIGIN)).headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
    // Without a credential, only an origin some tenant allows hears anything.
    const anonymous = (origin: string) => graphql(platform.app, null, '{ __typename }', undefined, { origin });
    expect((await anonymous(OTHER_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
    // Secret keys never belong in a browser: no CORS for them.
    const secret = await graphql(platform.app, tenant.test, '{ viewer { id } }', undefined, { origin: ORIGIN });
    expect(secret.data.viewer.id).toBe(tenant.globalId);
    expect(secret.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a token used from another origin, or with no Origin at all (FORBIDDEN, 403): the refusal, and only it, is readable there', async () => {
    const { token, project } = await mintFor(tenant.test);
    const elsewhere = await widget(token, 'project', { projectId: project.id }, { origin: OTHER_ORIGIN });
    expect(elsewhere.status).toBe(403);
    expect(errorCode(elsewhere)).toBe('FORBIDDEN');
    expect(elsewhere.errors![0].extensions.reason).toBe('WRONG_ORIGIN');
    expect(elsewhere.errors![0].message).toContain(ORIGIN);
    // The page at the other origin can read why (the widget says so) but gets no data.
    expect(elsewhere.headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
    expect(elsewhere.data ?? null).toBeNull();
    const nowhere = await widget(token, 'project', { projectId: project.id }, {});
    expect(errorCode(nowhere)).toBe('FORBIDDEN');
    const streamed = await stream(token, encodeId('Session', '00000000-0000-4000-8000-000000000000'), OTHER_ORIGIN);
    expect(streamed.response.status).toBe(403);
  });

  it('refuses an expired or tampered token (UNAUTHENTICATED, 401), still readable by an allowed origin', async () => {
    const { token, project } = await mintFor(tenant.test);
    const key = platform.app.services.widgetTokens.signingKey;
    const claims = claimsFor(token);
    const expired = await signWidgetToken(key, { ...claims, expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const refused = await widget(expired, 'project', { projectId: project.id });
    expect(refused.status).toBe(401);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors![0].message).toMatch(/expired/);
    // The widget must be able to read the 401 to know it should fetch a new token.
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const [header, payload, signature] = token.slice('ej_wt_'.length).split('.');
    const otherUser = Buffer.from(JSON.stringify({ ...claimsOf(token).payload, sub: 'someone-else' })).toString('base64url');
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'ej-widget+jwt' })).toString('base64url');
    const otherSecret = await signWidgetToken(widgetTokenKey('another-secret-of-at-least-32-characters!'), claims);
    const wrongType = `ej_wt_${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`;
    for (const tampered of [`ej_wt_${header}.${otherUser}.${signature}`, `ej_wt_${header}.${payload}.${flipped}`, `ej_wt_${noneHeader}.${payload}.`, otherSecret, wrongType, 'ej_wt_garbage']) {
      const response = await widget(tampered, 'project', { projectId: project.id });
      expect(response.status, tampered).toBe(401);
      expect(errorCode(response), tampered).toBe('UNAUTHENTICATED');
    }
    // A bad token answers as such even when its document is not allowed either.
    expect(errorCode(await widget(expired, { query: '{ viewer { id } }' }))).toBe('UNAUTHENTICATED');
  });

  it('cannot list other projects, create keys or tokens, run a document of its own, or read another project', async () => {
    const { token, project } = await mintFor(tenant.test);
    const other = await mintFor(tenant.test, { newProject: { name: 'Not yours' } });
    for (const query of [
      '{ projects(first: 10) { edges { node { id } } } }',
      'mutation { createApiKey(input: { name: "mine" }) { secret } }',
      `mutation { createWidgetToken(input: { newProject: { name: "x" }, externalUserId: "u", origin: "${ORIGIN}" }) { token } }`,
      `query($projectId: ID!) { project(id: $projectId) { id } }`,
    ]) {
      const response = await widget(token, { query }, { projectId: project.id });
      expect(response.status, query).toBe(403);
      expect(errorCode(response), query).toBe('FORBIDDEN');
      expect(response.errors![0].extensions.reason, query).toBe('PERSISTED_QUERY_ONLY');
    }
    const unknown = await platform.app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: ORIGIN },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    });
    const unknownBody = (await unknown.json()) as any;
    expect(unknownBody.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_NOT_FOUND' });
    expect(errorCode(await widget(token, 'project', { projectId: other.project.id }))).toBe('NOT_FOUND');
    expect(errorCode(await widget(token, 'startSession', { input: { projectId: other.project.id, prompt: 'Mine now' } }))).toBe('NOT_FOUND');
    // Secret keys keep sending any document, and may use the persisted ids too.
    const bySecret = await graphql(platform.app, tenant.test, '{ viewer { id } }');
    expect(bySecret.data.viewer.id).toBe(tenant.globalId);
    const persistedBySecret = await platform.app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.test}` },
      body: JSON.stringify({ variables: { projectId: project.id }, extensions: { persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS.project } } }),
    });
    expect(((await persistedBySecret.json()) as any).data.project.id).toBe(project.id);
  });

  it("answers NOT_FOUND for another end user's session on the same project", async () => {
    const alice = await mintFor(tenant.test, { externalUserId: 'alice' });
    const bob = (await mint(tenant.test, { projectId: alice.project.id, externalUserId: 'bob' })).data.createWidgetToken.token as string;
    const started = await widget(alice.token, 'startSession', { input: { projectId: alice.project.id, prompt: 'Alice app' } });
    const sessionId = started.data.startSession.id;
    expect((await widget(alice.token, 'session', { sessionId })).data.session.id).toBe(sessionId);
    expect(errorCode(await widget(bob, 'session', { sessionId }))).toBe('NOT_FOUND');
    expect(errorCode(await widget(bob, 'cancelSession', { input: { id: sessionId } }))).toBe('NOT_FOUND');
    const bobStream = await stream(bob, sessionId);
    expect(bobStream.errors[0]?.extensions?.code).toBe('NOT_FOUND');
    const bobProject = await widget(bob, 'project', { projectId: alice.project.id });
    expect(bobProject.data.project.sessions.edges).toEqual([]);
    await stream(alice.token, sessionId);
    // Another end user's version cannot be restored, even on the same project.
    expect(errorCode(await widget(bob, 'restoreSnapshot', { input: { sessionId } }))).toBe('NOT_FOUND');
  });

  it('restores its own versions: the files go back as that session left them, with later files gone', async () => {
    const { token, project } = await mintFor(tenant.test, { externalUserId: 'carol' });
    const first = (await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A counter app' } })).data.startSession.id;
    await stream(token, first);
    const afterFirst = (await widget(token, 'project', { projectId: project.id })).data.project.files;
    const second = (await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A quiz app about rivers' } })).data.startSession.id;
    await stream(token, second);
    const { data } = await widget(token, 'project', { projectId: project.id });
    expect(data.project.sessions.edges.map((edge: any) => [edge.node.prompt, edge.node.status, typeof edge.node.reply])).toEqual([
      ['A quiz app about rivers', 'succeeded', 'string'],
      ['A counter app', 'succeeded', 'string'],
    ]);
    const restored = await widget(token, 'restoreSnapshot', { input: { sessionId: first } });
    expect(restored.errors).toBeUndefined();
    expect(restored.data.restoreSnapshot.files).toEqual(afterFirst);
    const file = await widget(token, 'file', { projectId: project.id, path: 'index.html' });
    expect(file.data.project.file.content).toContain('A counter app');
  });

  it('reads a file as it was before its last change (previousFile, for the diff), and null for a file that was new', async () => {
    const { token, project } = await mintFor(tenant.test, { externalUserId: 'dave' });
    const first = (await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A counter app' } })).data.startSession.id;
    await stream(token, first);
    // After one build, index.html was new: nothing to compare it with.
    const fresh = await widget(token, 'file', { projectId: project.id, path: 'index.html' });
    expect(fresh.errors).toBeUndefined();
    expect(fresh.data.project.previousFile).toBeNull();
    const second = (await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A quiz app about rivers' } })).data.startSession.id;
    await stream(token, second);
    const changed = await widget(token, 'file', { projectId: project.id, path: 'index.html' });
    expect(changed.data.project.file.content).toContain('A quiz app about rivers');
    expect(changed.data.project.previousFile.content).toContain('A counter app');
    // An edit of the backend's own (not a session) compares with the newest snapshot.
    const written = await graphql(platform.app, tenant.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', {
      input: { projectId: project.id, files: [{ path: 'index.html', content: '<h1>edited</h1>' }, { path: 'notes.md', content: '# new' }] },
    });
    expect(written.errors).toBeUndefined();
    const edited = await widget(token, 'file', { projectId: project.id, path: 'index.html' });
    expect(edited.data.project.previousFile.content).toContain('A quiz app about rivers');
    expect((await widget(token, 'file', { projectId: project.id, path: 'notes.md' })).data.project.previousFile).toBeNull();
    expect((await widget(token, 'file', { projectId: project.id, path: 'missing.txt' })).data.project).toMatchObject({ file: null, previousFile: null });
    // The version list reads each version's screenshot link (none here: no preview check runs without EVERJUST_BROWSER).
    const listed = await widget(token, 'project', { projectId: project.id });
    expect(listed.errors).toBeUndefined();
    expect(listed.data.project.sessions.edges.map((edge: any) => edge.node.screenshotUrl)).toEqual([null, null]);
    expect(listed.data.project.deployment).toBeNull();
  });

  it('deploys its project only when minted with the DEPLOY permission (FORBIDDEN otherwise), and follows the deploy events', async () => {
    const plain = await mintFor(tenant.test, { externalUserId: 'erin' });
    const built = (await widget(plain.token, 'startSession', { input: { projectId: plain.project.id, prompt: 'A counter app' } })).data.startSession.id;
    await stream(plain.token, built);
    expect(claimsOf(plain.token).payload.perms).toBeUndefined();
    const refused = await widget(plain.token, 'deployProject', { projectId: plain.project.id });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0].extensions).toMatchObject({ reason: 'WIDGET_PERMISSION_REQUIRED' });

    const deployer = (await mint(tenant.test, { projectId: plain.project.id, externalUserId: 'erin', permissions: ['DEPLOY'] })).data.createWidgetToken.token as string;
    expect(claimsOf(deployer).payload.perms).toEqual(['deploy']);
    const started = await widget(deployer, 'deployProject', { projectId: plain.project.id, idempotencyKey: 'widget-deploy-1' });
    expect(started.errors).toBeUndefined();
    expect(started.data.deployProject).toMatchObject({ kind: 'deploy' });
    const { events } = await stream(deployer, started.data.deployProject.id);
    const types = events.map((event: any) => event.type);
    expect(types).toEqual(expect.arrayContaining(['deploy_started', 'deploy_progress', 'deploy_ready', 'done']));
    const ready = events.find((event: any) => event.type === 'deploy_ready');
    expect(ready).toMatchObject({ url: expect.stringMatching(/^http/), deploymentId: expect.any(String) });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const after = await widget(plain.token, 'project', { projectId: plain.project.id });
    expect(after.data.project.deployment).toEqual({ id: ready.deploymentId, liveUrl: ready.url });
    // A permission the API does not know is refused at minting.
    const unknown = await mint(tenant.test, { projectId: plain.project.id, permissions: ['ADMIN'] });
    expect(unknown.data?.createWidgetToken ?? null).toBeNull();
    expect(unknown.errors![0].message).toMatch(/ADMIN/);
  });

  it("answers its own session's question, and not another end user's (NOT_FOUND)", async () => {
    const alice = await mintFor(tenant.test, { externalUserId: 'alice' });
    const bob = (await mint(tenant.test, { projectId: alice.project.id, externalUserId: 'bob' })).data.createWidgetToken.token as string;
    const started = await widget(alice.token, 'startSession', { input: { projectId: alice.project.id, prompt: 'A counter #ask' } });
    const sessionId = started.data.startSession.id;
    const deadline = Date.now() + 20_000;
    while ((await widget(alice.token, 'session', { sessionId })).data.session.status !== 'waiting_for_input') {
      if (Date.now() > deadline) throw new Error('the session did not ask its question');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(errorCode(await widget(bob, 'answerSession', { input: { sessionId, answer: 'Dark theme' } }))).toBe('NOT_FOUND');
    const answered = await widget(alice.token, 'answerSession', { input: { sessionId, answer: 'Dark theme' } });
    expect(answered.errors).toBeUndefined();
    expect(answered.data.answerSession.status).toBe('queued');
    const events = await stream(alice.token, sessionId);
    expect(events.errors).toEqual([]);
    expect(events.events.find((event) => event.type === 'question')).toMatchObject({ question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] });
    expect(events.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  });

  it('still runs the sessionEvents document of widgets released before questions (its id stays registered)', async () => {
    const { token, project } = await mintFor(tenant.test);
    const started = await widget(token, 'startSession', { input: { projectId: project.id, prompt: 'A counter' } });
    const response = await platform.app.fetch('http://everjust.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, origin: ORIGIN },
      body: JSON.stringify({ variables: { sessionId: started.data.startSession.id, afterSeq: 0 }, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(RETIRED_WIDGET_DOCUMENTS.find((document) => document.startsWith('subscription WidgetSessionEvents'))!).digest('hex') } } }),
    });
    const messages = new ServerSentEventParser().feed(await response.text());
    const payloads = messages.filter((message) => message.event === 'next').map((message) => JSON.parse(message.data));
    expect(payloads.every((payload) => !payload.errors)).toBe(true);
    expect(payloads.at(-1).data.sessionEvents.type).toBe('done');
  });

  it('downloads its own project and its end user’s sessions as ZIPs, from its origin only, readable there', async () => {
    const dana = await mintFor(tenant.test, { externalUserId: 'dana' });
    const eve = (await mint(tenant.test, { projectId: dana.project.id, externalUserId: 'eve' })).data.createWidgetToken.token as string;
    const other = await mintFor(tenant.test, { externalUserId: 'dana', newProject: { name: 'Not this one' } });
    const started = await widget(dana.token, 'startSession', { input: { projectId: dana.project.id, prompt: 'A counter app' } });
    const sessionId = started.data.startSession.id;
    await stream(dana.token, sessionId);
    const download = (token: string, path: string, origin = ORIGIN) =>
      platform.app.fetch(`http://everjust.test${path}`, { headers: { authorization: `Bearer ${token}`, origin } });

    const project = await download(dana.token, `/v1/projects/${dana.project.id}/archive.zip`);
    expect(project.status).toBe(200);
    expect(project.headers.get('content-type')).toBe('application/zip');
    expect(project.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const bytes = new Uint8Array(await project.arrayBuffer());
    expect([...bytes.slice(0, 2)]).toEqual([0x50, 0x4b]); // "PK"
    expect((await download(dana.token, `/v1/sessions/${sessionId}/archive.zip`)).status).toBe(200);
    // Not another project of the tenant, not another end user's session, not from another origin.
    expect((await download(dana.token, `/v1/projects/${other.project.id}/archive.zip`)).status).toBe(404);
    expect((await download(eve, `/v1/sessions/${sessionId}/archive.zip`)).status).toBe(404);
    const elsewhere = await download(dana.token, `/v1/projects/${dana.project.id}/archive.zip`, OTHER_ORIGIN);
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).not.toContain('PK');
  });

  it('stops working when the minting key is revoked or the tenant drops the origin', async () => {
    const created = await graphql(platform.app, tenant.live, 'mutation { createApiKey(input: { name: "minting", mode: TEST }) { secret apiKey { id } } }');
    const { secret, apiKey } = created.data.createApiKey;
    const { token, project } = await mintFor(secret);
    expect((await widget(token, 'project', { projectId: project.id })).data.project.id).toBe(project.id);
    await graphql(platform.app, tenant.live, `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { revokedAt } }`, { input: { id: apiKey.id } });
    const revoked = await widget(token, 'project', { projectId: project.id });
    expect(errorCode(revoked)).toBe('UNAUTHENTICATED');
    expect(revoked.errors![0].message).toMatch(/revoked/);

    const other = await createTestTenant(database);
    await graphql(platform.app, other.live, `mutation { updateTenant(input: { allowedOrigins: ["${ORIGIN}"] }) { id } }`);
    const minted = (await graphql(platform.app, other.test, MINT, { input: { origin: ORIGIN, externalUserId: 'u', newProject: { name: 'p' } } })).data.createWidgetToken;
    await graphql(platform.app, other.live, 'mutation { updateTenant(input: { allowedOrigins: [] }) { id } }');
    const dropped = await widget(minted.token, 'project', { projectId: minted.project.id });
    expect(errorCode(dropped)).toBe('FORBIDDEN');
    expect(dropped.errors![0].extensions.reason).toBe('ORIGIN_NOT_ALLOWED');
  });

  it("never outgrows its minting key: a key lacking a token's scope cannot mint one, and a token it signed reads nothing that key cannot", async () => {
    const { project } = await mintFor(tenant.test);
    await graphql(platform.app, tenant.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', {
      input: { projectId: project.id, files: [{ path: 'private.txt', content: 'not for sessions:write keys' }] },
    });
    const created = await graphql(platform.app, tenant.test, 'mutation { createApiKey(input: { name: "starter", scopes: [SESSIONS_WRITE] }) { secret apiKey { id } } }');
    const { secret, apiKey } = created.data.createApiKey;
    expect(errorCode(await graphql(platform.app, secret, 'query($id: ID!) { project(id: $id) { file(path: "private.txt") { content } } }', { id: project.id }))).toBe('FORBIDDEN');

    const refused = await mint(secret, { projectId: project.id });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    expect(refused.errors![0].extensions.missingScopes).toEqual(['projects:read']);
    expect(refused.data?.createWidgetToken ?? null).toBeNull();

    // A token such a key signed before minting checked it: cut to the key's scopes at every request.
    const { payload } = claimsOf((await mintFor(tenant.test)).token);
    const signed = await signWidgetToken(widgetTokenKey('test-secret-'.padEnd(64, 'x')), {
      tenantId: payload.tenant, mode: payload.mode, projectId: project.id, externalUserId: payload.sub, origin: ORIGIN, apiKeyId: apiKey.id, expiresAt: payload.exp,
    });
    const file = await widget(signed, 'file', { projectId: project.id, path: 'private.txt' });
    expect(errorCode(file)).toBe('FORBIDDEN');
    expect(JSON.stringify(file.data ?? null)).not.toContain('not for sessions:write keys');
    expect(errorCode(await widget(signed, 'project', { projectId: project.id }))).toBe('FORBIDDEN');
  });

  it('refuses widget tokens over graphql-ws (the widget uses SSE)', async () => {
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const { token } = await mintFor(tenant.test);
    const closed = await new Promise<{ code: number }>((resolve) => {
      const client = createClient({
        url: `${platform.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => undefined,
        on: { closed: (event) => resolve(event as { code: number }) },
      });
      client.on('error', () => undefined);
    });
    expect(closed.code).toBe(4403);
  });

  /** The claims of a real token, to forge variants of it. */
  function claimsFor(token: string): WidgetTokenClaims {
    const { payload } = claimsOf(token);
    return { tenantId: payload.tenant, mode: payload.mode, projectId: payload.project, externalUserId: payload.sub, origin: payload.origin, apiKeyId: payload.key, expiresAt: payload.exp };
  }
});

describe('allowed origins by default', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openPgliteTestDatabase();
  });
  afterAll(async () => database.close());

  async function mintFrom(environment: Record<string, string>, origin: string) {
    const app = await createTestApp(database, environment, createLocalPubSub());
    try {
      const tenant = await createTestTenant(database);
      return await graphql(app, tenant.test, MINT, { input: { origin, externalUserId: 'u', newProject: { name: 'p' } } });
    } finally {
      await app.stop();
    }
  }

  it('allows http://localhost and http://127.0.0.1 on any port in embedded mode only', async () => {
    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:3000', 'http://localhost']) {
      expect((await mintFrom({}, origin)).errors, origin).toBeUndefined();
    }
    expect(errorCode(await mintFrom({}, 'https://127.0.0.1:5173'))).toBe('BAD_USER_INPUT');
    // With PostgreSQL configured (production), nothing is allowed until the tenant says so.
    const production = { DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused', EVERJUST_SECRET: 'a-production-secret-of-at-least-32-chars' };
    expect(errorCode(await mintFrom(production, 'http://127.0.0.1:5173'))).toBe('BAD_USER_INPUT');
  });
});
