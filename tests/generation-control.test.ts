import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createLogger, decodeIdOf } from '@everjust/core';
import { createAnthropic } from '@everjust/worker';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicTurn } from '../test-support/fake-anthropic.js';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * The integrator's control, end to end: the worker's real Anthropic provider (the official SDK) against
 * the fake Messages API. A tenant's own key (BYOK) serves its sessions and never shows up in logs,
 * events, errors or answers; a key Anthropic refuses fails the session once with MODEL_AUTH_FAILED; the
 * session's model and the tenant's instructions reach the request; images (base64 and fetched from a
 * URL) reach Claude as image blocks, and a retry sees the same ones without fetching again.
 */
const PLATFORM_KEY = 'sk-ant-platform-key-000000000000';
const OWN_KEY = 'sk-ant-api03-tenant-own-key-5f3a9c1e7b2d4f60-wxyz';
const REFUSED_KEY = 'sk-ant-api03-revoked-tenant-key-8c1d2e3f4a5b6c7d-qrst';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(32, 7)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(32, 9)]);

describeEachDatabase('generation control (model, own key, attachments)', (database) => {
  let fake: FakeAnthropic;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let images: Server;
  let imagesUrl: string;
  const imageHits: string[] = [];
  let logs = '';

  beforeAll(async () => {
    fake = await startFakeAnthropic({ apiKey: PLATFORM_KEY, otherApiKeys: [OWN_KEY] });
    images = createServer((request, response) => {
      imageHits.push(request.url ?? '');
      if (request.url === '/mock.jpg') return response.writeHead(200, { 'content-type': 'image/jpeg' }).end(JPEG);
      if (request.url === '/moved.jpg') return response.writeHead(302, { location: '/mock.jpg' }).end();
      if (request.url === '/page.html') return response.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><p>not an image</p>');
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
    // Everything the API and the worker log, at the most talkative level, to scan for the key.
    const destination = new Writable({ write: (chunk, _encoding, callback) => void ((logs += String(chunk)), callback()) });
    platform = await startTestPlatform(database(), {
      // The image server is on 127.0.0.1: private targets are allowed, as in development.
      environment: { EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true', EVERJUST_LOG_LEVEL: 'trace' },
      logger: createLogger({ level: 'trace', destination }),
      llm: { anthropic: createAnthropic({ apiKey: PLATFORM_KEY, model: 'claude-test', baseUrl: fake.url, maxRetries: 0 }) },
    });
    tenant = await createTestTenant(database());
  });
  afterEach(() => {
    fake.requests.length = 0;
    imageHits.length = 0;
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
    await new Promise((resolve) => images.close(resolve));
  });

  async function setGeneration(generation: Record<string, unknown>) {
    const response = await graphql(platform.app, tenant.live, `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { generation { hasAnthropicApiKey } } }`, {
      input: { generation },
    });
    expect(response.errors).toBeUndefined();
    return response;
  }

  async function run(input: Record<string, unknown>, script: FakeAnthropicTurn[]) {
    fake.enqueue(script);
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Control" }) { id } }');
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id byok } }`, {
      input: { projectId: project.data.createProject.id, prompt: 'A landing page like the picture', ...input },
    });
    expect(started.errors).toBeUndefined();
    const sessionId = started.data.startSession.id as string;
    const { events } = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    const session = await graphql(platform.app, tenant.live, `query($id: ID!) { session(id: $id) { status model requestedModel byok error { code message } attachments { mediaType size url } usage { inputTokens outputTokens } } }`, {
      id: sessionId,
    });
    const stored = await database().prisma.sessionEvent.findMany({ where: { sessionId: decodeIdOf('Session', sessionId)! } });
    return { sessionId, started, events, session, stored };
  }

  const keyOf = (index: number) => {
    const headers = fake.requests[index]!.headers;
    return [headers['x-api-key']].flat()[0] ?? headers.authorization?.replace(/^Bearer /, '');
  };

  it("runs a BYOK tenant's session on its own key and model, with its instructions; the key appears in no log, event, error or answer", async () => {
    const set = await setGeneration({ instructions: 'Always use the brand colour #0a84ff.', model: 'claude-haiku-4-5', anthropicApiKey: OWN_KEY });
    const result = await run({}, [
      { text: 'Writing it.', toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1 style="color:#0a84ff">Hi</h1>' } }] },
      { text: 'Built the page in your brand colour.' },
    ]);
    expect(result.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(result.started.data.startSession.byok).toBe(true);
    expect(result.session.data.session).toMatchObject({ status: 'succeeded', model: 'anthropic/claude-haiku-4-5', requestedModel: null, byok: true });
    // Every request went to Anthropic on the tenant's key, for the tenant's model, with its instructions.
    expect(fake.requests).toHaveLength(2);
    expect([keyOf(0), keyOf(1)]).toEqual([OWN_KEY, OWN_KEY]);
    expect(fake.requests[0]!.body.model).toBe('claude-haiku-4-5');
    expect(JSON.stringify(fake.requests[0]!.body.system)).toContain('Always use the brand colour #0a84ff.');

    for (const [where, text] of Object.entries({ logs, events: JSON.stringify(result.events), stored: JSON.stringify(result.stored), answers: JSON.stringify([set, result.started, result.session]) })) {
      expect(text.includes(OWN_KEY), where).toBe(false);
      expect(text.includes(OWN_KEY.slice(0, 24)), where).toBe(false);
    }
    expect(logs).toContain('"level"'); // the logger did capture the run
  });

  it('a session may pick another allowed model, which it is served on', async () => {
    await setGeneration({ model: null, anthropicApiKey: null });
    const result = await run({ model: 'claude-opus-4-5' }, [{ text: 'Done.' }]);
    expect(result.session.data.session).toMatchObject({ status: 'succeeded', model: 'anthropic/claude-opus-4-5', requestedModel: 'claude-opus-4-5', byok: false });
    expect(fake.requests[0]!.body.model).toBe('claude-opus-4-5');
    expect(keyOf(0)).toBe(PLATFORM_KEY);
  });

  it('fails with MODEL_AUTH_FAILED, after one request and no retry, when Anthropic refuses the tenant’s key (401), and never shows the key', async () => {
    await setGeneration({ anthropicApiKey: REFUSED_KEY });
    // Nothing scripted: the fake refuses the key before it reads a script.
    const result = await run({}, []);
    expect(result.events.at(-1)).toMatchObject({ type: 'done', status: 'failed', error: { code: 'MODEL_AUTH_FAILED' } });
    expect(result.session.data.session).toMatchObject({ status: 'failed', byok: true, error: { code: 'MODEL_AUTH_FAILED' } });
    expect(fake.requests).toHaveLength(1);
    expect(keyOf(0)).toBe(REFUSED_KEY);
    expect(result.events.filter((event) => event.type === 'error').map((event) => [event.code, event.retryable])).toEqual([['MODEL_AUTH_FAILED', false]]);
    for (const text of [logs, JSON.stringify(result.events), JSON.stringify(result.stored), JSON.stringify(result.session)]) {
      expect(text.includes(REFUSED_KEY)).toBe(false);
      expect(text.includes(REFUSED_KEY.slice(0, 24))).toBe(false);
    }
    // The platform's key was never tried in its place.
    await setGeneration({ anthropicApiKey: null });
  });

  it('sends images (base64 and fetched by URL, through a redirect) as image blocks; a retry sees the same images without fetching again', async () => {
    const result = await run({ attachments: [{ data: PNG.toString('base64') }, { url: `${imagesUrl}/moved.jpg` }] }, [
      { status: 500, headers: { 'x-should-retry': 'true' } },
      { text: 'Made it look like the pictures.' },
    ]);
    expect(result.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(result.events.filter((event) => event.type === 'error').map((event) => event.retryable)).toEqual([true]);
    expect(fake.requests).toHaveLength(2);
    for (const request of fake.requests) {
      const content = request.body.messages.at(-1).content;
      expect(content.slice(0, 2)).toEqual([
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: JPEG.toString('base64') } },
      ]);
      expect(content[2]).toMatchObject({ type: 'text', text: 'A landing page like the picture' });
    }
    expect(imageHits).toEqual(['/moved.jpg', '/mock.jpg']); // fetched once, on the first attempt
    expect(result.session.data.session.attachments).toEqual([
      { mediaType: 'image/png', size: PNG.length, url: null },
      { mediaType: 'image/jpeg', size: JPEG.length, url: `${imagesUrl}/moved.jpg` },
    ]);
  });

  it('fails the session with a clear code when an image URL cannot be fetched or is not an image, before any model request', async () => {
    const missing = await run({ attachments: [{ url: `${imagesUrl}/missing.png?token=secret` }] }, []);
    expect(missing.events.at(-1)).toMatchObject({ type: 'done', status: 'failed', error: { code: 'ATTACHMENT_UNREACHABLE', message: `Attachment 1 (${imagesUrl}/missing.png) answered HTTP 404` } });
    const notImage = await run({ attachments: [{ data: PNG.toString('base64') }, { url: `${imagesUrl}/page.html` }] }, []);
    expect(notImage.events.at(-1)).toMatchObject({
      type: 'done',
      status: 'failed',
      error: { code: 'ATTACHMENT_UNSUPPORTED_TYPE', message: `Attachment 2 (${imagesUrl}/page.html) is not a PNG, JPEG, WebP or GIF image` },
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describeEachDatabase('bring your own key on a platform without a key of its own', (database) => {
  let fake: FakeAnthropic;
  let platform: TestPlatform;

  beforeAll(async () => {
    fake = await startFakeAnthropic({ apiKey: OWN_KEY });
    // No ANTHROPIC_API_KEY: live sessions get the offline generator, except a BYOK tenant's.
    platform = await startTestPlatform(database(), { environment: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_MODEL: 'claude-sonnet-4-5' } });
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
  });

  async function runLive(tenant: TestTenant) {
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Own key" }) { id } }');
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId: project.data.createProject.id, prompt: 'A bakery page' },
    });
    const sessionId = started.data.startSession.id as string;
    const { events } = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    const session = await graphql(platform.app, tenant.live, `query($id: ID!) { session(id: $id) { status model byok } }`, { id: sessionId });
    return { events, session: session.data.session };
  }

  it("runs a BYOK tenant's sessions on Claude with its key, and other tenants' on the offline generator", async () => {
    const own = await createTestTenant(database(), { name: 'Own key' });
    const set = await graphql(platform.app, own.live, `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { id } }`, { input: { generation: { anthropicApiKey: OWN_KEY } } });
    expect(set.errors).toBeUndefined();
    fake.enqueue([{ text: 'Built it on your key.' }]);
    const byok = await runLive(own);
    expect(byok.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(byok.session).toEqual({ status: 'succeeded', model: 'anthropic/claude-sonnet-4-5', byok: true });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.headers.authorization ?? fake.requests[0]!.headers['x-api-key']).toContain(OWN_KEY);

    const other = await createTestTenant(database(), { name: 'Platform key' });
    const offline = await runLive(other);
    expect(offline.session).toMatchObject({ status: 'succeeded', model: expect.stringMatching(/^offline\//), byok: false });
    expect(fake.requests).toHaveLength(1);
  });
});
