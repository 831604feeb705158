/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests: the real `@anthropic-ai/sdk` talks to it over HTTP.
 *
 * It answers `POST /v1/messages` with the turns a test scripted, in order, speaking the real wire protocol
 * (SSE where every message has an `event:` line), and records every request it received.
 *
 * Usage is reported the way Anthropic bills prompt caching: the request is read as one sequence of blocks
 * (tools, then system, then each message's content blocks), about four characters a token. A prefix that
 * ends at a `cache_control` breakpoint and matches one an earlier request wrote within its TTL (5 min, or
 * 1 h) is read from the cache (`cache_read_input_tokens`); the breakpointed prefixes after it are written
 * (`cache_creation_input_tokens`) unless shorter than the minimum (1,024 tokens); `input_tokens` counts only
 * the rest. More than four breakpoints, a malformed image block or a malformed tool is a 400, as the API says.
 *
 * ```ts
 * const fake = await startFakeAnthropic();
 * fake.enqueue([{ status: 429, headers: { 'retry-after-ms': '1' } }, { text: ['Hel', 'lo'] }]);
 * const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.url });
 * // … fake.requests[1].body.messages …
 * await fake.close();
 * ```
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeAnthropicToolCall {
  /** Defaults to `toolu_fake_<n>`. */
  id?: string;
  name: string;
  input?: unknown;
  /** Streamed instead of the JSON of `input`, e.g. to send broken JSON. */
  inputJson?: string;
}

/** A 200 answer: text blocks first, then tool_use blocks, then the stop reason and usage. */
export interface FakeAnthropicResponse {
  /** One text block; an array gives the `text_delta`s of that block one by one. */
  text?: string | string[];
  /** One tool_use block each; the input JSON is sent as three `input_json_delta` pieces. */
  toolCalls?: FakeAnthropicToolCall[];
  /** Defaults to `tool_use` when there are tool calls, else `end_turn`. */
  stopReason?: string;
  /** Overrides the uncached input tokens the fake counts from the request. */
  inputTokens?: number;
  outputTokens?: number;
  /** Slow mode: wait this long before each event (lets a test abort mid-stream). */
  delayMsBetweenEvents?: number;
  /** A stream that breaks mid-way: send this many events, then close the connection. */
  breakAfterEvents?: number;
  /** Send `afterEvents` events, then an `event: error` with this error, then end the response. */
  streamError?: { afterEvents: number; type: string; message: string };
}

/** An HTTP error answer; `body` defaults to the API's `{ type: 'error', error: { type, message } }`. */
export interface FakeAnthropicHttpError {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type FakeAnthropicTurn = FakeAnthropicResponse | FakeAnthropicHttpError;

export interface FakeAnthropicRequest {
  headers: IncomingHttpHeaders;
  /** The parsed JSON body: `model`, `system`, `messages`, `tools`, `max_tokens`, `stream`, … */
  body: Record<string, any>;
  /** True once the connection closed before the streamed answer was complete: the client aborted (or a scripted break). */
  clientDisconnected: boolean;
  /** The usage the fake answered with (a 200 only). */
  usage?: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number; output_tokens: number };
}

export interface FakeAnthropic {
  /** The base URL to give the SDK (`baseURL`), e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Every request received, in order, including ones answered with an error. */
  readonly requests: FakeAnthropicRequest[];
  /** Appends turns; each request takes the next one. With none left the fake answers 500 (not retried). */
  enqueue(script: FakeAnthropicTurn | FakeAnthropicTurn[]): void;
  /** Forgets every cached prefix. */
  clearCache(): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /** With it set, other keys are answered 401 like the real API. */
  apiKey?: string;
  /** Keys accepted besides `apiKey` (tenants' own keys). */
  otherApiKeys?: string[];
  /** The shortest prefix that is cached, in tokens (Sonnet's 1,024). */
  minimumCacheableTokens?: number;
  /** The clock the cache's TTL is read on (tests move it). */
  now?: () => number;
  /** Count output tokens from what is sent (about four characters a token) instead of the default 5. */
  countOutputTokens?: boolean;
}

const imageMediaTypes = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const maxBreakpoints = 4;

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};

/** Starts the fake on a free port. With `apiKey` set, other keys are answered 401 like the real API. */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const script: FakeAnthropicTurn[] = [];
  const requests: FakeAnthropicRequest[] = [];
  let toolCallCount = 0;
  const cache = new PromptCache(options.minimumCacheableTokens ?? 1024, options.now ?? Date.now);

  const server = createServer(async (request, response) => {
    let text = '';
    request.setEncoding('utf8');
    for await (const chunk of request) text += chunk;
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/messages') {
      return sendError(response, { status: 404 });
    }
    const record: FakeAnthropicRequest = { headers: request.headers, body: {}, clientDisconnected: false };
    requests.push(record);
    try {
      record.body = JSON.parse(text);
    } catch {
      return sendError(response, { status: 400, body: apiError(400, 'fake-anthropic: the body is not JSON') });
    }
    // 1.x SDKs send `Authorization: Bearer`, 0.x `x-api-key`.
    const key = [request.headers['x-api-key']].flat()[0] ?? request.headers.authorization?.replace(/^Bearer /, '');
    if (!key || (options.apiKey !== undefined && key !== options.apiKey && !options.otherApiKeys?.includes(key))) {
      return sendError(response, { status: 401, body: apiError(401, 'invalid x-api-key') });
    }
    const invalid = validateRequest(record.body);
    if (invalid) return sendError(response, { status: 400, body: apiError(400, invalid) });
    const turn = script.shift();
    if (!turn) {
      const body = apiError(500, 'fake-anthropic: no scripted turn left');
      return sendError(response, { status: 500, headers: { 'x-should-retry': 'false' }, body });
    }
    if ('status' in turn) return sendError(response, turn);

    // `close` fires when the answer is complete or the client went away; only the latter counts.
    response.on('close', () => { if (!response.writableFinished) record.clientDisconnected = true; });
    const nextToolCallId = () => `toolu_fake_${++toolCallCount}`;
    const { message, events } = responseEvents(turn, String(record.body.model), nextToolCallId, cache.bill(record.body), options.countOutputTokens ?? false);
    record.usage = message.usage;
    if (!record.body.stream) return sendJson(response, 200, {}, message);
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'request-id': `req_fake_${requests.length}`,
    });
    response.flushHeaders(); // like the real API, answer at once even when the first event is slow
    const stopAt = turn.breakAfterEvents ?? turn.streamError?.afterEvents ?? events.length;
    for (const { event, data } of events.slice(0, stopAt)) {
      if (turn.delayMsBetweenEvents) await sleep(turn.delayMsBetweenEvents);
      if (record.clientDisconnected) return; // the client aborted: stop writing
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    }
    if (turn.breakAfterEvents !== undefined) {
      // Close the connection after the events written so far, leaving the chunked body unfinished.
      response.socket?.end();
      return;
    }
    if (turn.streamError) {
      const { type, message } = turn.streamError;
      response.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`);
    }
    response.end();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (turns) => { script.push(...(Array.isArray(turns) ? turns : [turns])); },
    clearCache: () => cache.clear(),
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections(); // the SDK's keep-alive connections would hold `close` open
    }),
  };
}

function apiError(status: number, message: string) {
  return { type: 'error', error: { type: errorTypes[status] ?? 'api_error', message } };
}

function sendError(response: ServerResponse, { status, headers = {}, body }: FakeAnthropicHttpError): void {
  sendJson(response, status, headers, body ?? apiError(status, `fake-anthropic: scripted ${status}`));
}

function sendJson(response: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** One answer as a whole message (when not streamed) and as its SSE events in wire order. */
function responseEvents(turn: FakeAnthropicResponse, model: string, nextToolCallId: () => string, billed: InputBill, countOutputTokens: boolean) {
  const textPieces = turn.text === undefined ? [] : [turn.text].flat();
  const toolCalls = (turn.toolCalls ?? []).map(({ id = nextToolCallId(), name, input = {}, inputJson }) => ({
    toolUse: { type: 'tool_use', id, name, input },
    json: inputJson ?? JSON.stringify(input),
  }));
  const stopReason = turn.stopReason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn');
  const usage = {
    input_tokens: turn.inputTokens ?? billed.input,
    cache_creation_input_tokens: billed.cacheWrite,
    cache_read_input_tokens: billed.cacheRead,
    output_tokens: turn.outputTokens ?? (countOutputTokens ? Math.ceil((textPieces.join('').length + toolCalls.reduce((sum, call) => sum + call.json.length, 0)) / 4) : 5),
  };
  const content = [
    ...(turn.text === undefined ? [] : [{ type: 'text', text: textPieces.join('') }]),
    ...toolCalls.map(({ toolUse }) => toolUse),
  ];
  const message = {
    id: 'msg_fake', type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage,
  };

  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const add = (event: string, data: Record<string, unknown> = {}) => events.push({ event, data: { type: event, ...data } });
  add('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  add('ping');
  let index = 0;
  if (turn.text !== undefined) {
    add('content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const text of textPieces) add('content_block_delta', { index, delta: { type: 'text_delta', text } });
    add('content_block_stop', { index: index++ });
  }
  for (const { toolUse, json } of toolCalls) {
    add('content_block_start', { index, content_block: { ...toolUse, input: {} } });
    const third = Math.ceil(json.length / 3); // the input arrives in pieces that are not JSON on their own
    for (const partial_json of [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)]) {
      add('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
    add('content_block_stop', { index: index++ });
  }
  add('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  add('message_stop');
  return { message, events };
}

/** What a request's input is billed as. */
interface InputBill {
  input: number;
  cacheWrite: number;
  cacheRead: number;
}

/** The API's own checks the platform could get wrong: breakpoints, image blocks, tool shapes. */
function validateRequest(body: Record<string, any>): string | undefined {
  let breakpoints = 0;
  const blocks = [...(body.tools ?? []), ...(Array.isArray(body.system) ? body.system : []), ...(body.messages ?? []).flatMap((message: any) => (Array.isArray(message.content) ? message.content : []))];
  for (const block of blocks) {
    if (block?.cache_control) breakpoints += 1;
    if (block?.type === 'image') {
      const source = block.source ?? {};
      if (source.type !== 'base64' || !imageMediaTypes.has(source.media_type) || typeof source.data !== 'string' || source.data === '') {
        return 'messages: image source must be base64 with a media_type of image/png, image/jpeg, image/webp or image/gif';
      }
    }
  }
  if (body.cache_control) breakpoints += 1;
  if (breakpoints > maxBreakpoints) return `A maximum of ${maxBreakpoints} blocks with cache_control may be provided. Found ${breakpoints}.`;
  for (const tool of body.tools ?? []) {
    if (tool.type === 'text_editor_20250728') {
      if (tool.name !== 'str_replace_based_edit_tool' || tool.input_schema) return 'tools: text_editor_20250728 must be named str_replace_based_edit_tool and have no input_schema';
    } else if (typeof tool.name !== 'string' || tool.input_schema?.type !== 'object') {
      return 'tools: a custom tool needs a name and an input_schema of type object';
    }
  }
  return undefined;
}

/**
 * Anthropic's prompt cache as billed: prefixes are hashed block by block (without their cache_control,
 * which does not change the prefix); only prefixes that end at a breakpoint are looked up and stored.
 */
class PromptCache {
  private readonly entries = new Map<string, number>();
  constructor(private readonly minimumTokens: number, private readonly now: () => number) {}

  clear(): void {
    this.entries.clear();
  }

  bill(body: Record<string, any>): InputBill {
    const blocks: Array<{ content: unknown; tokens: number; breakpoint?: { ttl?: string } }> = [];
    const add = (content: any) => {
      const { cache_control: breakpoint, ...rest } = content;
      blocks.push({ content: rest, tokens: Math.ceil(JSON.stringify(rest).length / 4), ...(breakpoint ? { breakpoint } : {}) });
    };
    for (const tool of body.tools ?? []) add(tool);
    if (typeof body.system === 'string') add({ type: 'text', text: body.system });
    else for (const block of body.system ?? []) add(block);
    for (const message of body.messages ?? []) {
      const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
      content.forEach((block: any, index: number) => add(index === 0 ? { ...block, role: message.role } : block));
    }
    // The top-level cache_control marks the last block.
    if (body.cache_control && blocks.length > 0) blocks[blocks.length - 1].breakpoint ??= body.cache_control;

    const hash = createHash('sha256').update(String(body.model));
    const prefixes: Array<{ key: string; tokens: number; ttlMs: number }> = [];
    let total = 0;
    for (const block of blocks) {
      hash.update(JSON.stringify(block.content));
      total += block.tokens;
      if (block.breakpoint) prefixes.push({ key: hash.copy().digest('hex'), tokens: total, ttlMs: block.breakpoint.ttl === '1h' ? 3_600_000 : 300_000 });
    }
    const now = this.now();
    let readIndex = -1;
    for (let index = prefixes.length - 1; index >= 0; index -= 1) {
      const expires = this.entries.get(prefixes[index].key);
      if (expires !== undefined && expires > now) {
        readIndex = index;
        break;
      }
    }
    const cacheRead = readIndex >= 0 ? prefixes[readIndex].tokens : 0;
    if (readIndex >= 0) this.entries.set(prefixes[readIndex].key, now + prefixes[readIndex].ttlMs); // a hit refreshes the TTL
    let written = cacheRead;
    for (const prefix of prefixes.slice(readIndex + 1)) {
      if (prefix.tokens < this.minimumTokens) continue;
      this.entries.set(prefix.key, now + prefix.ttlMs);
      written = prefix.tokens;
    }
    return { input: total - written, cacheWrite: written - cacheRead, cacheRead };
  }
}
