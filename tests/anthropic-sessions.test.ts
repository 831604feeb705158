import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropic } from '@everjust/worker';
import { startFakeAnthropic, type FakeAnthropic } from '../test-support/fake-anthropic.js';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * Live sessions on Claude: the worker's real Anthropic provider (the official SDK) against a fake
 * Anthropic API on 127.0.0.1 that speaks the real wire protocol.
 */
describe('generation sessions on the Anthropic provider', () => {
  let database: TestDatabase;
  let fake: FakeAnthropic;
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    fake = await startFakeAnthropic();
    platform = await startTestPlatform(database, {
      llm: { anthropic: createAnthropic({ apiKey: 'sk-ant-test', model: 'claude-test', baseUrl: fake.url, maxRetries: 2 }) },
    });
    tenant = await createTestTenant(database);
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
    await database.close();
  });

  async function startSession(prompt: string) {
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Live app" }) { id } }');
    const projectId = project.data.createProject.id as string;
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId, prompt },
    });
    return { projectId, sessionId: started.data.startSession.id as string };
  }

  it('streams text and tool use into files, sends tool results back, and sums the usage', async () => {
    fake.enqueue([
      {
        text: ['I will ', 'write ', 'the page.'],
        toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<!doctype html><h1>Hello</h1>' } }],
        inputTokens: 120,
        outputTokens: 40,
      },
      { text: 'Done: wrote index.html.', inputTokens: 180, outputTokens: 12 },
    ]);
    const { projectId, sessionId } = await startSession('A hello page');
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    const done = stream.events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded', usage: { inputTokens: 300, outputTokens: 52 } });
    expect(stream.events.filter((event) => event.type === 'text_delta').map((event) => event.text).join('')).toBe('I will write the page.Done: wrote index.html.');
    expect(stream.events.find((event) => event.type === 'file_written')).toMatchObject({ path: 'index.html' });

    const files = await graphql(platform.app, tenant.live, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId });
    expect(files.data.project.files).toEqual([{ path: 'index.html', content: '<!doctype html><h1>Hello</h1>' }]);

    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0].body.model).toBe('claude-test');
    expect(fake.requests[0].body.tools.map((tool: any) => tool.name)).toEqual(expect.arrayContaining(['write_file', 'read_file', 'delete_file', 'list_files']));
    expect(fake.requests[0].body.messages.at(-1).content).toEqual([{ type: 'text', text: 'A hello page', cache_control: { type: 'ephemeral' } }]);
    const toolUse = fake.requests[1].body.messages.at(-2).content.find((block: any) => block.type === 'tool_use');
    const toolResult = fake.requests[1].body.messages.at(-1).content[0];
    expect(toolResult).toMatchObject({ type: 'tool_result', tool_use_id: toolUse.id });
    expect(toolResult.content).toContain('index.html');
  });

  it('answers a file with a NUL character as a tool error the model can correct, writing nothing', async () => {
    fake.enqueue([
      { toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1>Hi\u0000</h1>' } }] },
      { toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1>Hi</h1>' } }] },
      { text: 'Fixed.' },
    ]);
    const { projectId, sessionId } = await startSession('A page');
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    // One attempt, no error event: the model was told and wrote the file again without the NUL.
    expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(stream.events.filter((event) => event.type === 'error')).toEqual([]);
    expect(stream.events.filter((event) => event.type === 'file_written')).toHaveLength(1);
    expect(fake.requests).toHaveLength(3);
    const toolResult = fake.requests[1].body.messages.at(-1).content[0];
    expect(toolResult).toMatchObject({ type: 'tool_result', is_error: true });
    expect(JSON.stringify(toolResult.content)).toContain('NUL');
    const files = await graphql(platform.app, tenant.live, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId });
    expect(files.data.project.files).toEqual([{ path: 'index.html', content: '<h1>Hi</h1>' }]);
  });

  it('rides out a 429 with retry-after, then succeeds', async () => {
    fake.enqueue([{ status: 429, headers: { 'retry-after-ms': '1' } }, { text: 'Nothing to change.' }]);
    const { sessionId } = await startSession('Say hi');
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(fake.requests).toHaveLength(2);
  });

  it('fails the session with a clear message when the stream keeps breaking mid-way', async () => {
    fake.enqueue([{ text: ['one ', 'two ', 'three'], breakAfterEvents: 3 }, { text: ['one'], breakAfterEvents: 2 }, { text: ['x'], breakAfterEvents: 2 }]);
    const { sessionId } = await startSession('Anything');
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    const errors = stream.events.filter((event) => event.type === 'error');
    expect(errors).toHaveLength(3); // two retried attempts, then the last one
    expect(errors.slice(0, 2).every((event) => event.retryable)).toBe(true);
    const done = stream.events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'failed', error: { code: 'MODEL_UNAVAILABLE' } });
    expect(done.error.message).toMatch(/broke off/);
    const session = await graphql(platform.app, tenant.live, `query($id: ID!) { session(id: $id) { status error { code message } } }`, { id: sessionId });
    expect(session.data.session).toMatchObject({ status: 'failed', error: { code: 'MODEL_UNAVAILABLE' } });
  });

  it('cancels within 2 s while the model is slowly streaming, and appends nothing after done', async () => {
    fake.enqueue([{ text: Array.from({ length: 200 }, (_, i) => `word${i} `), delayMsBetweenEvents: 50 }]);
    const { sessionId } = await startSession('Write a long essay');
    await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId }, { until: (event) => event.type === 'text_delta' });
    const cancelledAt = Date.now();
    const cancel = await graphql(platform.app, tenant.live, `mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id } }`, { input: { id: sessionId } });
    expect(cancel.errors).toBeUndefined();
    const stream = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    expect(Date.now() - cancelledAt).toBeLessThan(2000);
    const done = stream.events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'cancelled' });
    expect(fake.requests[0].clientDisconnected).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const row = await database.prisma.session.findFirstOrThrow({ where: { status: 'cancelled' }, orderBy: { id: 'desc' } });
    expect(row.lastSeq).toBe(done.seq);
  });
});
