/**
 * The offline generator: a deterministic stand-in for a model, honest about what it is. It "builds" a
 * small dependency-free web app (index.html, styles.css, app.js) from templates chosen by keywords in
 * the prompt, and plays the part of a model in a tool loop: explain, call `write_file`, then summarize
 * the tool results. Used when no Anthropic key is set and always for test-mode keys.
 */
import { systemParts, type LlmProvider, type LlmRequest, type LlmStreamPart, type LlmUsage } from './llm-provider.js';
import { replyTo, type OfflineReply } from './offline-reply.js';

export interface OfflineSettings {
  /** Milliseconds between streamed parts, so a benchmark sees a model's pace; 0 (the default) means no waiting. */
  deltaIntervalMs?: number;
  /** The model id recorded on the session. */
  model?: string;
}

/** The model id the offline provider reports unless told otherwise. */
export const offlineModel = 'everjust-offline-1';

/** Words per text delta: a few at a time, as a model streams. */
const wordsPerDelta = 3;

/** The usual rough rule for English text and code: about four characters a token. */
function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}

/** Cuts text into deltas of a few words; joined again they give back the text exactly. */
export function splitIntoDeltas(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? [];
  const deltas: string[] = [];
  for (let index = 0; index < words.length; index += wordsPerDelta) {
    deltas.push(words.slice(index, index + wordsPerDelta).join(''));
  }
  return deltas;
}

function abortError(signal: AbortSignal): Error {
  const error = new Error('The offline generation was aborted', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/**
 * Waits between two parts. Even with no interval it yields to the event loop, so a consumer that
 * cancels on another event (a cancel message, a timer) gets to run between parts.
 */
function pause(intervalMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      clearImmediate(immediate);
      reject(abortError(signal));
    };
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(abortError(signal));
      else resolve();
    };
    const timer = intervalMs > 0 ? setTimeout(done, intervalMs) : undefined;
    const immediate = intervalMs > 0 ? undefined : setImmediate(done);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The characters the model "read": the system prompt, the messages and the tool definitions. */
function inputCharacters(request: LlmRequest): number {
  return systemParts(request.system).join('\n\n').length + JSON.stringify(request.messages).length + JSON.stringify(request.tools).length;
}

/** A part's share of the output, for usage and for `maxOutputTokens`. */
function outputCharacters(part: LlmStreamPart): number {
  if (part.type === 'text-delta') return part.text.length;
  if (part.type === 'tool-call') return JSON.stringify(part.input).length;
  return 0;
}

function partsOf(reply: OfflineReply): LlmStreamPart[] {
  return [
    ...splitIntoDeltas(reply.text).map((text): LlmStreamPart => ({ type: 'text-delta', text })),
    ...reply.toolCalls.map((call): LlmStreamPart => ({ type: 'tool-call', id: call.id, name: call.name, input: call.input })),
  ];
}

async function* streamReply(request: LlmRequest, deltaIntervalMs: number): AsyncGenerator<LlmStreamPart> {
  const { signal } = request;
  if (signal.aborted) throw abortError(signal);

  const reply = replyTo(request);
  const inputTokens = estimateTokens(inputCharacters(request));
  // Like a model, stop at the output budget: a part that would go over it is not sent.
  const budget = Number.isFinite(request.maxOutputTokens) && request.maxOutputTokens > 0 ? request.maxOutputTokens : Infinity;
  let writtenCharacters = 0;
  let stopReason: 'end_turn' | 'tool_use' | 'max_tokens' = reply.stopReason;

  let first = true;
  for (const part of partsOf(reply)) {
    if (!first) await pause(deltaIntervalMs, signal);
    first = false;
    const characters = outputCharacters(part);
    if (estimateTokens(writtenCharacters + characters) > budget) {
      stopReason = 'max_tokens';
      break;
    }
    writtenCharacters += characters;
    yield part;
  }

  await pause(deltaIntervalMs, signal);
  // No prompt cache offline: every input token is a plain one.
  const usage: LlmUsage = { inputTokens, outputTokens: estimateTokens(writtenCharacters), cacheWriteTokens: 0, cacheReadTokens: 0 };
  yield { type: 'finish', stopReason, usage };
}

/**
 * Makes the offline provider (`name` is `offline`). The same request always streams the same parts:
 * nothing depends on the clock or on randomness.
 */
export function createOffline(settings: OfflineSettings = {}): LlmProvider {
  const deltaIntervalMs = Math.max(0, settings.deltaIntervalMs ?? 0);
  return {
    name: 'offline',
    model: settings.model ?? offlineModel,
    stream: (request) => streamReply(request, deltaIntervalMs),
  };
}
