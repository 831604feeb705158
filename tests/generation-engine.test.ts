import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { Prisma } from '@everjust/core';
import { createAnthropic } from '@everjust/worker';
import { buildSystemPrompt } from '../worker/src/llm/prompts/system-prompt.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicTurn } from '../test-support/fake-anthropic.js';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * Generation engine v2, the model side, end to end: the worker's real Anthropic provider (the official
 * SDK) against the fake Messages API: edits through the built-in editor, tool input validation, the
 * system prompt and prompt caching across a session's rounds.
 */
describeEachDatabase('generation engine v2', (database) => {
  let fake: FakeAnthropic;
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    platform = await startTestPlatform(database(), {
      llm: { anthropic: createAnthropic({ apiKey: 'sk-ant-test', model: 'claude-test', baseUrl: fake.url, maxRetries: 0 }) },
    });
    tenant = await createTestTenant(database());
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
  });

  async function newProject(files: Array<{ path: string; content: string }> = []) {
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Engine" }) { id } }');
    const projectId = project.data.createProject.id as string;
    if (files.length) {
      const written = await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { files { path } } }`, {
        input: { projectId, files },
      });
      expect(written.errors).toBeUndefined();
    }
    return projectId;
  }

  async function run(projectId: string, prompt: string, script: FakeAnthropicTurn[]) {
    fake.enqueue(script);
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt } });
    expect(started.errors).toBeUndefined();
    const sessionId = started.data.startSession.id as string;
    const { events } = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    return { sessionId, events };
  }

  async function files(projectId: string): Promise<Record<string, string>> {
    const response = await graphql(platform.app, tenant.live, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId });
    return Object.fromEntries(response.data.project.files.map((file: any) => [file.path, file.content]));
  }

  /** The tool results the model got back in request `index`, in order. */
  const toolResults = (index: number) => fake.requests[index]!.body.messages.at(-1).content.map((block: any) => ({ content: block.content, isError: block.is_error ?? false }));

  it('edits with the built-in editor: one file_written with the new size per edit; a missing or repeated old_str writes nothing and tells the model', async () => {
    const page = '<!doctype html>\n<title>Shop</title>\n<h1>Shop</h1>\n<p>Open daily</p>\n<p>Open daily</p>\n';
    const projectId = await newProject([{ path: 'index.html', content: page }]);
    const edit = (input: Record<string, unknown>) => ({ name: 'str_replace_based_edit_tool', input: { path: 'index.html', ...input } });

    const { events } = await run(projectId, 'Rename the shop to Bakery', [
      {
        toolCalls: [
          edit({ command: 'view' }),
          edit({ command: 'str_replace', old_str: '<h1>Shop</h1>', new_str: '<h1>Bakery</h1>' }),
          edit({ command: 'str_replace', old_str: '<h2>Nowhere</h2>', new_str: 'x' }),
          edit({ command: 'str_replace', old_str: '<p>Open daily</p>', new_str: '<p>Closed</p>' }),
          edit({ command: 'insert', insert_line: 1, new_str: '<meta charset="utf-8">' }),
          { name: 'str_replace_based_edit_tool', input: { command: 'create', path: '/notes.md', file_text: '# Notes\n' } },
        ],
      },
      { text: 'Renamed the shop to Bakery.' },
    ]);

    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const expected = '<!doctype html>\n<meta charset="utf-8">\n<title>Shop</title>\n<h1>Bakery</h1>\n<p>Open daily</p>\n<p>Open daily</p>\n';
    expect(await files(projectId)).toEqual({ 'index.html': expected, 'notes.md': '# Notes\n' });
    // Two edits and a create: three writes, each with its file's size after it.
    const written = events.filter((event) => event.type === 'file_written').map((event) => [event.path, event.size]);
    expect(written).toEqual([
      ['index.html', Buffer.byteLength(page.replace('<h1>Shop</h1>', '<h1>Bakery</h1>'))],
      ['index.html', Buffer.byteLength(expected)],
      ['notes.md', 8],
    ]);

    // The editor was offered as Anthropic's own; each result went back to the model.
    expect(fake.requests[0]!.body.tools).toContainEqual({ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' });
    const results = toolResults(1);
    expect(results[0]).toEqual({ content: expect.stringContaining('3\t<h1>Shop</h1>'), isError: false });
    expect(results[1]).toEqual({ content: expect.stringMatching(/^Edited index\.html/), isError: false });
    expect(results[2]).toEqual({ content: expect.stringMatching(/No match for old_str in index\.html: nothing was changed/), isError: true });
    expect(results[3]).toEqual({ content: expect.stringMatching(/occurs more than once in index\.html \(lines 4 and 5/), isError: true });
    expect(results[5]).toEqual({ content: 'Created notes.md (8 bytes).', isError: false });
  });

  it('validates tool input once against its schema, and a refused write is the model’s to fix, not a failed session', async () => {
    const projectId = await newProject([{ path: 'index.html', content: '<h1>Hi</h1>' }]);
    const { events } = await run(projectId, 'Break things', [
      {
        toolCalls: [
          { name: 'str_replace_based_edit_tool', input: { command: 'str_replace', path: 'index.html', new_str: 'x' } },
          { name: 'write_file', input: { path: 'index.html' } },
          { name: 'write_file', input: { path: '../escape.js', content: 'x' } },
          { name: 'str_replace_based_edit_tool', input: { command: 'rewrite', path: 'index.html' } },
          { name: 'list_files', input: {} },
        ],
      },
      { text: 'Sorry.' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(events.filter((event) => event.type === 'file_written')).toEqual([]);
    expect(await files(projectId)).toEqual({ 'index.html': '<h1>Hi</h1>' });
    const results = toolResults(1);
    expect(results[0]).toEqual({ content: 'Invalid input for edit_file: "old_str": is required for str_replace', isError: true });
    expect(results[1]).toMatchObject({ content: expect.stringMatching(/^Invalid input for write_file: "content"/), isError: true });
    expect(results[2]).toMatchObject({ content: expect.stringContaining('must not contain empty, "." or ".." segments'), isError: true });
    expect(results[3]).toMatchObject({ content: expect.stringMatching(/^Invalid input for edit_file: "command"/), isError: true });
    expect(results[4]).toEqual({ content: 'index.html (11 bytes)', isError: false });
  });

  it('sends our versioned system prompt, then the files, and caches the prefix across the rounds of a session', async () => {
    const big = Array.from({ length: 40 }, (_, index) => ({ path: `src/module-${index}.js`, content: `export const value${index} = ${'1 + '.repeat(100)}1;\n` }));
    const projectId = await newProject(big);
    const write = (path: string) => ({ toolCalls: [{ name: 'write_file', input: { path, content: 'export {};\n' } }] });
    fake.clearCache(); // earlier tests' sessions cached our prompt's head
    const { events } = await run(projectId, 'Add three modules', [write('a.js'), write('b.js'), write('c.js'), { text: 'Added three modules.' }]);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });

    const [head, project] = fake.requests[0]!.body.system;
    expect(head.text).toBe(buildSystemPrompt({ canRunCommands: false, commandTimeoutSeconds: 120, hasPreview: false, editToolName: 'edit_file' }));
    expect(project.text).toContain('<file path="src/module-0.js">');
    const usage = fake.requests.map((request) => request.usage!);
    expect(usage[0].cache_read_input_tokens).toBe(0);
    for (let round = 1; round < 4; round++) {
      // Everything the previous round sent is read back; only the new round is written.
      expect(usage[round].cache_read_input_tokens).toBe(usage[round - 1].cache_read_input_tokens + usage[round - 1].cache_creation_input_tokens);
      expect(usage[round].cache_creation_input_tokens).toBeLessThan(200);
    }
  });

  it('offline (test mode): a follow-up edits the existing app through the edit tool instead of rewriting it', async () => {
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Offline" }) { id } }');
    const projectId = project.data.createProject.id as string;
    const start = async (prompt: string) => {
      const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt } });
      return (await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId: started.data.startSession.id })).events;
    };
    const first = await start('A todo list for the house');
    expect(first.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const second = await start('Make it blue and call it Errands');
    expect(second.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const text = second.filter((event) => event.type === 'text_delta').map((event) => event.text).join('');
    expect(text).toContain('change only the lines that need it, with the edit tool');
    expect(text).toMatch(/Done: I edited index\.html \(\d+ edits?\)/);
    const response = await graphql(platform.app, tenant.test, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId });
    const index = response.data.project.files.find((file: any) => file.path === 'index.html').content;
    expect(index).toContain('<h1>Errands</h1>');
    // Every edit is a file_written of its own, the last one with the file's final size.
    const writes = second.filter((event) => event.type === 'file_written' && event.path === 'index.html');
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.at(-1).size).toBe(Buffer.byteLength(index));
  });

  // These two need gen-control's schema (Session.reply, Session.maxOutputTokens); they run once it is merged.
  it('remembers: a follow-up sees the earlier prompt and the model’s own final reply', async () => {
    const projectId = await newProject();
    await run(projectId, 'A page for my bakery', [
      { text: 'Writing it.', toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1>Bakery</h1>' } }] },
      { text: 'I built a one-page site for your bakery with a heading.' },
    ]);
    fake.requests.length = 0;
    await run(projectId, 'Add opening hours', [{ text: 'Added.' }]);
    const messages = fake.requests[0]!.body.messages.map((message: any) => [message.role, message.content.at(-1).text]);
    expect(messages).toEqual([
      ['user', 'A page for my bakery'],
      ['assistant', 'I built a one-page site for your bakery with a heading.'],
      ['user', 'Add opening hours'],
    ]);
  });

  it('stops at the session’s output budget with BUDGET_EXCEEDED, keeping what it wrote', async () => {
    const projectId = await newProject();
    fake.enqueue([
      { toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1>Half</h1>' } }], outputTokens: 80 },
      { text: 'more and more', stopReason: 'max_tokens', outputTokens: 20 },
    ]);
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId, prompt: 'Write a lot', maxOutputTokens: 100 },
    });
    expect(started.errors).toBeUndefined();
    const { events } = await subscribeSse(platform.url, tenant.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId: started.data.startSession.id });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'failed', error: { code: 'BUDGET_EXCEEDED' } });
    expect(fake.requests[1]!.body.max_tokens).toBe(20); // the request is capped at what is left
    expect(await files(projectId)).toEqual({ 'index.html': '<h1>Half</h1>' });
  });
});
