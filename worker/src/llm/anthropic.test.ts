import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../../../test-support/fake-anthropic.js';
import { createAnthropic, type AnthropicSettings } from './anthropic.js';
import { LlmError, type LlmRequest, type LlmStreamPart } from './llm-provider.js';

let fake: FakeAnthropic;

beforeEach(async () => {
  fake = await startFakeAnthropic({ apiKey: 'test-key' });
});

afterEach(async () => {
  await fake.close();
});

function provider(settings: Partial<AnthropicSettings> = {}) {
  return createAnthropic({ apiKey: 'test-key', model: 'claude-test', baseUrl: fake.url, ...settings });
}

function request(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    system: 'You build web apps.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Make a todo app.' }] }],
    tools: [],
    maxOutputTokens: 1024,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Reads the whole stream; `error` is what it threw, if anything, after the parts it yielded. */
async function collect(stream: AsyncIterable<LlmStreamPart>) {
  const parts: LlmStreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

describe('createAnthropic', () => {
  it('streams text deltas in order, then a finish with the usage', async () => {
    fake.enqueue({ text: ['Hel', 'lo', ', world'], inputTokens: 12, outputTokens: 7 });

    const { parts, error } = await collect(provider().stream(request()));

    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'text-delta', text: ', world' },
      { type: 'finish', stopReason: 'end_turn', usage: { inputTokens: 12, outputTokens: 7, cacheWriteTokens: 0, cacheReadTokens: 0 } },
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer test-key');
    expect(fake.requests[0]!.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 1024,
      stream: true,
      system: [{ type: 'text', text: 'You build web apps.', cache_control: { type: 'ephemeral' } }],
    });
  });

  it('yields a tool call with its input parsed from JSON split across deltas', async () => {
    const input = { path: 'src/app.ts', content: 'export const answer = 42;\n' };
    fake.enqueue({ text: 'Writing it.', toolCalls: [{ id: 'toolu_1', name: 'write_file', input }], outputTokens: 30 });

    const { parts, error } = await collect(provider().stream(request()));

    expect(error).toBeUndefined();
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Writing it.' },
      { type: 'tool-call', id: 'toolu_1', name: 'write_file', input },
      { type: 'finish', stopReason: 'tool_use', usage: { inputTokens: expect.any(Number), outputTokens: 30, cacheWriteTokens: 0, cacheReadTokens: 0 } },
    ]);
  });

  it('yields a tool call whose JSON is broken with input {}', async () => {
    fake.enqueue({ toolCalls: [{ id: 'toolu_1', name: 'write_file', inputJson: '{"path": "src/a' }], stopReason: 'max_tokens' });

    const { parts } = await collect(provider().stream(request()));

    expect(parts).toEqual([
      { type: 'tool-call', id: 'toolu_1', name: 'write_file', input: {} },
      { type: 'finish', stopReason: 'max_tokens', usage: { inputTokens: expect.any(Number), outputTokens: 5, cacheWriteTokens: 0, cacheReadTokens: 0 } },
    ]);
  });

  it('sends the messages and tools mapped to the API, tool results included', async () => {
    fake.enqueue({ text: 'Done.' });
    const inputSchema = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };

    await collect(
      provider().stream(
        request({
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'Read the readme.' }] },
            {
              role: 'assistant',
              content: [
                { type: 'text', text: 'Reading.' },
                { type: 'tool_call', id: 'toolu_1', name: 'read_file', input: { path: 'README.md' } },
              ],
            },
            {
              role: 'user',
              content: [{ type: 'tool_result', toolCallId: 'toolu_1', content: 'No such file', isError: true }],
            },
          ],
          tools: [{ name: 'read_file', description: 'Reads a file.', inputSchema }],
        }),
      ),
    );

    expect(fake.requests[0]!.body.tools).toEqual([
      { name: 'read_file', description: 'Reads a file.', input_schema: inputSchema },
    ]);
    expect(fake.requests[0]!.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Read the readme.', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Reading.' },
          { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'README.md' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'No such file', is_error: true, cache_control: { type: 'ephemeral' } }] },
    ]);
  });

  it('succeeds after a 429 because the SDK retries it', async () => {
    // The SDK reads `retry-after: 0` as no hint and waits its default backoff (about 0.4–0.5 s).
    fake.enqueue([{ status: 429, headers: { 'retry-after': '0' } }, { text: 'ok' }]);

    const { parts, error } = await collect(provider().stream(request()));

    expect(error).toBeUndefined();
    expect(parts.at(-1)).toMatchObject({ type: 'finish', stopReason: 'end_turn' });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.headers['x-stainless-retry-count']).toBe('1');
  });

  it('classifies a 529 left after the retries as retryable', async () => {
    fake.enqueue({ status: 529 });

    const { error } = await collect(provider({ maxRetries: 0 }).stream(request()));

    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: true, options: { status: 529 } });
  });

  it('classifies a 401 as MODEL_AUTH_FAILED, not retryable, without retrying it', async () => {
    const { error } = await collect(provider({ apiKey: 'wrong-key' }).stream(request()));

    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ retryable: false, code: 'MODEL_AUTH_FAILED', options: { status: 401 } });
    expect((error as LlmError).message).toBe('Anthropic API error 401: invalid x-api-key');
    expect(fake.requests).toHaveLength(1);
  });

  it('fails with a clear, retryable LlmError when the stream breaks off mid-way', async () => {
    // message_start, ping, content_block_start, the first delta; then the connection is closed.
    fake.enqueue({ text: ['one', 'two', 'three'], breakAfterEvents: 4 });

    const { parts, error } = await collect(provider().stream(request()));

    expect(parts).toEqual([{ type: 'text-delta', text: 'one' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).message).toMatch(/^The model stream broke off: /);
    expect((error as LlmError).retryable).toBe(true);
  });

  it('turns an `event: error` after a 200 into an LlmError, not retried by the SDK', async () => {
    fake.enqueue({ text: ['one', 'two'], streamError: { afterEvents: 4, type: 'overloaded_error', message: 'Overloaded' } });

    const { parts, error } = await collect(provider().stream(request()));

    expect(parts).toEqual([{ type: 'text-delta', text: 'one' }]);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).message).toBe('The model stream reported an error (overloaded_error): Overloaded');
    expect((error as LlmError).retryable).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops promptly with an AbortError when the signal aborts mid-stream, and closes the HTTP stream', async () => {
    fake.enqueue({ text: Array.from({ length: 50 }, (_, index) => `piece ${index} `), delayMsBetweenEvents: 100 });
    const controller = new AbortController();
    const parts: LlmStreamPart[] = [];
    let abortedAt = 0;

    const iteration = (async () => {
      for await (const part of provider().stream(request({ signal: controller.signal }))) {
        parts.push(part);
        if (parts.length === 1) {
          abortedAt = Date.now();
          controller.abort();
        }
      }
    })();

    await expect(iteration).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(parts).toEqual([{ type: 'text-delta', text: 'piece 0 ' }]);
    await vi.waitFor(() => expect(fake.requests[0]!.clientDisconnected).toBe(true));
  });

  it('stops with an AbortError when the signal aborts while the SDK waits to retry', async () => {
    fake.enqueue({ status: 429, headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    let abortedAt = 0;
    // Abort once the 429 has been answered (the SDK is then waiting 30 s to retry), however slow the machine.
    const poll = setInterval(() => {
      if (fake.requests.length === 1 && !controller.signal.aborted) {
        abortedAt = Date.now();
        controller.abort();
        clearInterval(poll);
      }
    }, 10);

    const { error } = await collect(provider().stream(request({ signal: controller.signal })));
    clearInterval(poll);

    expect(error).toMatchObject({ name: 'AbortError' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(fake.requests).toHaveLength(1);
  });
});
