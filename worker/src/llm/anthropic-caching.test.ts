import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../../test-support/fake-anthropic.js';
import { createAnthropic, type AnthropicSettings } from './anthropic.js';
import { LlmError, type LlmMessage, type LlmRequest, type LlmStreamPart, type LlmToolDefinition } from './llm-provider.js';

/** Prompt caching, the built-in editor, images, per-request models and keys: against the fake Messages API. */
let fake: FakeAnthropic;
let clock = 0;

beforeEach(async () => {
  clock = 1_000_000;
  fake = await startFakeAnthropic({ apiKey: 'test-key', otherApiKeys: ['sk-tenant-own'], now: () => clock });
});

afterEach(async () => {
  await fake.close();
});

function provider(settings: Partial<AnthropicSettings> = {}) {
  return createAnthropic({ apiKey: 'test-key', model: 'claude-test', baseUrl: fake.url, maxRetries: 0, ...settings });
}

const longSystem = `You build web apps. ${'Write accessible, well structured code. '.repeat(200)}`; // ~2,000 tokens
const project = `The project's files:\n${'<file path="a.js">console.log(1);</file>\n'.repeat(150)}`; // ~1,500 tokens
const tools: LlmToolDefinition[] = [
  { name: 'write_file', description: 'Write a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] } },
  { name: 'edit_file', description: 'Edit a file.', inputSchema: { type: 'object', properties: {} }, builtin: 'text_editor' },
];

function request(messages: LlmMessage[], overrides: Partial<LlmRequest> = {}): LlmRequest {
  return { system: [longSystem, project], messages, tools, maxOutputTokens: 1024, signal: new AbortController().signal, ...overrides };
}

async function finish(stream: AsyncIterable<LlmStreamPart>) {
  const parts: LlmStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return { parts, usage: (parts.at(-1) as Extract<LlmStreamPart, { type: 'finish' }>).usage };
}

function breakpoints(body: Record<string, any>): string[] {
  const marks: string[] = [];
  body.tools?.forEach((tool: any, index: number) => tool.cache_control && marks.push(`tool ${index}`));
  body.system?.forEach((block: any, index: number) => block.cache_control && marks.push(`system ${index}`));
  body.messages.forEach((message: any, index: number) =>
    message.content.forEach((block: any, blockIndex: number) => block.cache_control && marks.push(`message ${index}.${blockIndex}`)),
  );
  return marks;
}

/** A tool round as the pipeline appends it: the model's call, then its result. */
function round(id: string): LlmMessage[] {
  return [
    { role: 'assistant', content: [{ type: 'tool_call', id, name: 'write_file', input: { path: `${id}.js`, content: 'x'.repeat(400) } }] },
    { role: 'user', content: [{ type: 'tool_result', toolCallId: id, content: `Wrote ${id}.js (400 bytes).` }] },
  ];
}

describe('prompt caching on the Anthropic provider', () => {
  it('pays full price for the context once: later rounds read the prefix the earlier ones wrote', async () => {
    fake.enqueue([{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Build a todo app.' }] }];

    const first = await finish(provider().stream(request(messages)));
    messages.push(...round('toolu_1'));
    const second = await finish(provider().stream(request(messages)));
    messages.push(...round('toolu_2'));
    const third = await finish(provider().stream(request(messages)));

    // Request 1: nothing cached yet; the whole prefix up to the last breakpoint is written.
    expect(first.usage.cacheReadTokens).toBe(0);
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(3000);
    expect(first.usage.inputTokens).toBe(0);
    // Request 2 reads all of request 1's prefix and writes only the new round.
    expect(second.usage.cacheReadTokens).toBe(first.usage.cacheWriteTokens);
    expect(second.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage.cacheWriteTokens).toBeLessThan(300);
    expect(third.usage.cacheReadTokens).toBe(second.usage.cacheReadTokens + second.usage.cacheWriteTokens);

    // Breakpoints: both system parts (tools come first, so they are covered) and the last two user turns; never more than 4.
    expect(breakpoints(fake.requests[0]!.body)).toEqual(['system 0', 'system 1', 'message 0.0']);
    expect(breakpoints(fake.requests[2]!.body)).toEqual(['system 0', 'system 1', 'message 2.0', 'message 4.0']);
  });

  it('keeps the shared head cached across sessions when only the project part changes', async () => {
    fake.enqueue([{ text: 'one' }, { text: 'two' }]);
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Build a todo app.' }] }];
    await finish(provider().stream(request(messages)));
    const next = await finish(provider().stream(request(messages, { system: [longSystem, `${project}<file path="b.js">changed</file>`] })));
    expect(next.usage.cacheReadTokens).toBeGreaterThan(2000); // tools + our prompt
    expect(next.usage.cacheReadTokens).toBeLessThan(2500);
  });

  it('reads nothing back after the 5-minute TTL, and caches nothing under 1,024 tokens', async () => {
    fake.enqueue([{ text: 'one' }, { text: 'two' }, { text: 'small' }]);
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Build a todo app.' }] }];
    await finish(provider().stream(request(messages)));
    clock += 5 * 60_000 + 1;
    const late = await finish(provider().stream(request(messages)));
    expect(late.usage.cacheReadTokens).toBe(0);

    const small = await finish(provider().stream(request(messages, { system: 'Short prompt.', tools: [] })));
    expect(small.usage).toMatchObject({ cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(small.usage.inputTokens).toBeGreaterThan(0);
  });

  it('sends no breakpoints with caching off, and everything is billed as plain input', async () => {
    fake.enqueue([{ text: 'one' }, { text: 'two' }]);
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Build a todo app.' }] }];
    await finish(provider({ promptCaching: false }).stream(request(messages)));
    const again = await finish(provider({ promptCaching: false }).stream(request(messages)));
    expect(breakpoints(fake.requests[1]!.body)).toEqual([]);
    expect(again.usage).toMatchObject({ cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(again.usage.inputTokens).toBeGreaterThan(3000);
  });
});

describe('the built-in text editor', () => {
  it('is offered in place of the tool marked text_editor, and its calls come back under our name', async () => {
    const input = { command: 'str_replace', path: 'index.html', old_str: '<h1>Old</h1>', new_str: '<h1>New</h1>' };
    fake.enqueue({ toolCalls: [{ id: 'toolu_9', name: 'str_replace_based_edit_tool', input }] });
    const history: LlmMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'Rename it.' }] },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'toolu_8', name: 'edit_file', input: { command: 'view', path: 'index.html' } }] },
      { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_8', content: '1\t<h1>Old</h1>' }] },
    ];

    const { parts } = await finish(provider().stream(request(history)));

    expect(fake.requests[0]!.body.tools).toEqual([
      { name: 'write_file', description: 'Write a file.', input_schema: tools[0].inputSchema },
      { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
    ]);
    expect(fake.requests[0]!.body.messages[1].content[0]).toMatchObject({ type: 'tool_use', name: 'str_replace_based_edit_tool' });
    expect(parts).toContainEqual({ type: 'tool-call', id: 'toolu_9', name: 'edit_file', input });
  });
});

describe('images, models and keys per request', () => {
  it('maps image blocks to base64 image sources', async () => {
    fake.enqueue({ text: 'A cat.' });
    const data = Buffer.from('not really a png').toString('base64');
    await finish(
      provider().stream(request([{ role: 'user', content: [{ type: 'image', mediaType: 'image/png', data }, { type: 'text', text: 'Make this.' }] }])),
    );
    expect(fake.requests[0]!.body.messages[0].content[0]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } });
  });

  it('uses the request’s model and own key, with a client per key; a refused key is MODEL_AUTH_FAILED', async () => {
    fake.enqueue([{ text: 'own key' }, { text: 'platform key' }]);
    const claude = provider();
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }];
    await finish(claude.stream(request(messages, { model: 'claude-other', apiKey: 'sk-tenant-own' })));
    await finish(claude.stream(request(messages)));
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-tenant-own');
    expect(fake.requests[0]!.body.model).toBe('claude-other');
    expect(fake.requests[1]!.headers.authorization).toBe('Bearer test-key');
    expect(fake.requests[1]!.body.model).toBe('claude-test');

    let error: unknown;
    try {
      await finish(claude.stream(request(messages, { apiKey: 'sk-tenant-revoked' })));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'MODEL_AUTH_FAILED', retryable: false });
    expect((error as Error).message).not.toContain('sk-tenant-revoked');
    expect(fake.requests).toHaveLength(3);
  });
});
