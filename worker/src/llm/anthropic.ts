import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import {
  LlmError,
  systemParts,
  type LlmContentBlock,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
  type LlmStreamPart,
  type LlmToolDefinition,
} from './llm-provider.js';

export interface AnthropicSettings {
  /** The platform's key; a request's own `apiKey` (bring your own key) takes its place. */
  apiKey: string;
  /** The default model id, e.g. `claude-sonnet-5-5`; a request's `model` overrides it. */
  model: string;
  /** Defaults to the public API; given explicitly so the SDK never falls back to `ANTHROPIC_BASE_URL`. */
  baseUrl?: string;
  /** The SDK's own retries of 408/409/429/5xx and connection errors before we see an error (SDK default 2). */
  maxRetries?: number;
  /** Per attempt, until the response headers arrive: the SDK does not time the streamed body (default 10 min). */
  timeoutMs?: number;
  /** Mark the stable prefix of every request cacheable (default true; the bench turns it off to compare). */
  promptCaching?: boolean;
}

/** Anthropic's built-in editor, which the model is trained on: sent in place of a tool marked `builtin: 'text_editor'`. */
const textEditorTool = { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' } as const;
/** Clients kept for tenants' own keys; the oldest is dropped past this many. */
const MAX_KEY_CLIENTS = 100;
const cacheBreakpoint = { type: 'ephemeral' } as const;

type StopReason = Extract<LlmStreamPart, { type: 'finish' }>['stopReason'];

/**
 * The Anthropic Messages API as an {@link LlmProvider}, through the official SDK and its streaming endpoint.
 * The client (and so the key) is made on first use; a request with its own `apiKey` gets a client of its
 * own, kept per key (the key is never logged).
 *
 * Prompt caching: every request marks its stable prefix with `cache_control` breakpoints (at most the API's
 * four): the end of each of the last two system parts (tools + our prompt, then the project's files), and the
 * end of the last two user messages (the previous round's prefix, read back; the new one, written).
 *
 * A tool marked `builtin: 'text_editor'` is offered as Anthropic's own text editor
 * (`str_replace_based_edit_tool`); its calls come back under the tool's own name, so the rest of the
 * platform never sees the vendor's.
 *
 * What `stream()` throws:
 * - an {@link LlmError}, classified `retryable` (429, 5xx, overloaded, connection errors, a stream that broke
 *   off) or not (400, 401, 403, 404, …), once the SDK's own retries are exhausted;
 * - on abort, an `Error` named `AbortError` (with the signal's reason as `cause`), wherever the abort hit:
 *   the SDK itself throws `APIUserAbortError` before the response and ends the iteration silently after it.
 *
 * A tool call whose input is not valid JSON (e.g. cut off by `max_tokens`) is yielded with input `{}`: the
 * tool's own validation then rejects it and the model is told, which beats failing the whole turn.
 */
export function createAnthropic(settings: AnthropicSettings): LlmProvider {
  const clients = new Map<string, Anthropic>();
  const getClient = (apiKey: string | undefined): Anthropic => {
    const key = apiKey || settings.apiKey;
    if (!key) throw new LlmError('The Anthropic API key is not set.', { retryable: false, code: 'MODEL_AUTH_FAILED' });
    let client = clients.get(key);
    if (!client) {
      client = new Anthropic({
        apiKey: key,
        baseURL: settings.baseUrl ?? 'https://api.anthropic.com',
        ...(settings.maxRetries === undefined ? {} : { maxRetries: settings.maxRetries }),
        ...(settings.timeoutMs === undefined ? {} : { timeout: settings.timeoutMs }),
      });
      if (clients.size >= MAX_KEY_CLIENTS) clients.delete(clients.keys().next().value as string);
      clients.set(key, client);
    }
    return client;
  };
  const caching = settings.promptCaching ?? true;

  return {
    name: 'anthropic',
    model: settings.model,
    async *stream(request: LlmRequest): AsyncIterable<LlmStreamPart> {
      const { signal } = request;
      const editorName = request.tools.find((tool) => tool.builtin === 'text_editor')?.name;
      let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
      try {
        events = await getClient(request.apiKey).messages.create(
          { ...toParams(request, editorName, caching), model: request.model || settings.model, max_tokens: request.maxOutputTokens, stream: true },
          { signal },
        );
      } catch (error) {
        throw toLlmError(error, signal, 'request');
      }

      // Tool calls being streamed, by content block index: their input arrives as pieces of JSON.
      const toolCalls = new Map<number, { id: string; name: string; json: string }>();
      let inputTokens = 0;
      let outputTokens = 0;
      let cacheWriteTokens = 0;
      let cacheReadTokens = 0;
      let stopReason: string | null = null;
      let stopped = false;
      try {
        for await (const event of events) {
          switch (event.type) {
            case 'message_start':
              inputTokens = event.message.usage.input_tokens;
              outputTokens = event.message.usage.output_tokens;
              cacheWriteTokens = event.message.usage.cache_creation_input_tokens ?? 0;
              cacheReadTokens = event.message.usage.cache_read_input_tokens ?? 0;
              break;
            case 'content_block_start':
              if (event.content_block.type === 'tool_use') {
                const { id, name } = event.content_block;
                toolCalls.set(event.index, { id, name: name === textEditorTool.name && editorName ? editorName : name, json: '' });
              }
              break;
            case 'content_block_delta':
              if (event.delta.type === 'text_delta') {
                yield { type: 'text-delta', text: event.delta.text };
              } else if (event.delta.type === 'input_json_delta') {
                const toolCall = toolCalls.get(event.index);
                if (toolCall) toolCall.json += event.delta.partial_json;
              }
              break;
            case 'content_block_stop': {
              const toolCall = toolCalls.get(event.index);
              if (toolCall) {
                toolCalls.delete(event.index);
                yield { type: 'tool-call', id: toolCall.id, name: toolCall.name, input: parseToolInput(toolCall.json) };
              }
              break;
            }
            case 'message_delta':
              stopReason = event.delta.stop_reason ?? stopReason;
              // A running total, not an increment: the last one is the answer's whole output.
              outputTokens = event.usage.output_tokens;
              break;
            case 'message_stop':
              stopped = true;
              break;
          }
        }
      } catch (error) {
        throw toLlmError(error, signal, 'stream');
      }
      // The SDK ends the iteration without an error when the signal aborts mid-body: tell the caller.
      if (signal.aborted) throw abortError(signal);
      if (!stopped) {
        throw new LlmError('The model stream broke off: it ended before message_stop.', { retryable: true });
      }
      yield { type: 'finish', stopReason: toStopReason(stopReason), usage: { inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens } };
    },
  };
}

/** The request's system, messages and tools as the API takes them, with the cache breakpoints when caching. */
function toParams(request: LlmRequest, editorName: string | undefined, caching: boolean) {
  const system: Anthropic.TextBlockParam[] = systemParts(request.system).map((text) => ({ type: 'text', text }));
  const messages = request.messages.map((message) => toMessageParam(message, editorName));
  const tools = request.tools.map(toTool);
  if (caching) {
    // Tools come before the system prompt in the cached prefix, so a system breakpoint covers them too.
    for (const block of system.slice(-2)) block.cache_control = cacheBreakpoint;
    const userTurns = messages.filter((message) => message.role === 'user' && Array.isArray(message.content) && message.content.length > 0);
    for (const message of userTurns.slice(-2)) {
      const content = message.content as Anthropic.ContentBlockParam[];
      const last = content[content.length - 1] as { cache_control?: Anthropic.CacheControlEphemeral | null };
      last.cache_control = cacheBreakpoint;
    }
  }
  return {
    ...(system.length > 0 ? { system } : {}),
    messages,
    ...(tools.length > 0 ? { tools } : {}),
  };
}

function toMessageParam(message: LlmMessage, editorName: string | undefined): Anthropic.MessageParam {
  return { role: message.role, content: message.content.map((block) => toContentBlockParam(block, editorName)) };
}

function toContentBlockParam(block: LlmContentBlock, editorName: string | undefined): Anthropic.ContentBlockParam {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return { type: 'image', source: { type: 'base64', media_type: block.mediaType, data: block.data } };
    case 'tool_call':
      return { type: 'tool_use', id: block.id, name: block.name === editorName ? textEditorTool.name : block.name, input: block.input };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.toolCallId,
        content: block.content,
        ...(block.isError ? { is_error: true } : {}),
      };
  }
}

function toTool(tool: LlmToolDefinition): Anthropic.ToolUnion {
  if (tool.builtin === 'text_editor') return { ...textEditorTool };
  // Our schema is any JSON Schema object; the API requires `type: 'object'` at the top, as tools declare.
  return { name: tool.name, description: tool.description, input_schema: tool.inputSchema as Anthropic.Tool.InputSchema };
}

function parseToolInput(json: string): unknown {
  // A tool without parameters streams no JSON at all.
  if (json.trim() === '') return {};
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function toStopReason(stopReason: string | null): StopReason {
  switch (stopReason) {
    case 'end_turn':
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
      return stopReason;
    default:
      return 'other'; // pause_turn, refusal, model_context_window_exceeded, …
  }
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('The model request was aborted.', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/** Error types the API sends in an `event: error` mid-stream that are worth another try. */
const retryableStreamErrorTypes = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/** `phase` says whether the error came before the response (`request`) or while reading its body (`stream`). */
function toLlmError(error: unknown, signal: AbortSignal, phase: 'request' | 'stream'): Error {
  if (signal.aborted || error instanceof APIUserAbortError) return abortError(signal);
  if (error instanceof LlmError) return error;
  if (error instanceof APIConnectionError) {
    // Includes APIConnectionTimeoutError; the SDK has already retried these.
    return new LlmError(`Could not reach the Anthropic API: ${describe(error)}`, { retryable: true, cause: error });
  }
  if (error instanceof APIError && error.status === undefined) {
    // An `event: error` after a 200: the SDK throws it with the body's type and no status.
    const type = error.type ?? 'unknown_error';
    return new LlmError(`The model stream reported an error (${type}): ${error.apiMessage ?? error.message}`, {
      retryable: retryableStreamErrorTypes.has(type),
      cause: error,
    });
  }
  if (error instanceof APIError) {
    const status = error.status as number;
    // The same policy as the SDK's retries, which have been used up by now; the API may overrule it.
    const shouldRetry = error.headers?.get('x-should-retry');
    const retryable =
      shouldRetry === 'true' || shouldRetry === 'false'
        ? shouldRetry === 'true'
        : status === 408 || status === 409 || status === 429 || status >= 500;
    return new LlmError(`Anthropic API error ${status}: ${error.apiMessage ?? error.message}`, {
      retryable: status === 401 ? false : retryable,
      status,
      // The key (the platform's or a tenant's own) was refused: another attempt would be refused too.
      ...(status === 401 ? { code: 'MODEL_AUTH_FAILED' } : {}),
      cause: error,
    });
  }
  // Anything else: before the response, a client-side failure (not retried); during the body, a broken
  // connection or an unreadable event (undici says "terminated"), worth another try.
  return phase === 'stream'
    ? new LlmError(`The model stream broke off: ${describe(error)}`, { retryable: true, cause: error })
    : new LlmError(`The Anthropic request failed: ${describe(error)}`, { retryable: false, cause: error });
}

/** The message with its cause's, as undici hides the reason ("terminated") in the cause ("other side closed"). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
