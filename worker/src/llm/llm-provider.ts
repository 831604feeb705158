/**
 * The narrow interface between the generation pipeline and a model (v1). The pipeline never imports a
 * vendor SDK: each vendor lives in its own file (`anthropic.ts`, `offline.ts`), made by a
 * `create<Vendor>(settings)` factory and chosen once from config.
 */
import { WorkerError } from '../worker-error.js';

/** A tool the model may call; `inputSchema` is a JSON Schema object. */
export interface LlmToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /**
   * The tool is a text editor of the common shape (`command`: view, str_replace, create, insert; `path`,
   * `old_str`, `new_str`, `file_text`, `insert_line`, `view_range`): a provider whose model was trained on
   * a built-in editor of that shape may offer its own instead and map the calls back to `name`.
   */
  builtin?: 'text_editor';
}

/** The image types a prompt may carry. */
export type LlmImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

export type LlmContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; mediaType: LlmImageMediaType; /** base64 */ data: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean };

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: LlmContentBlock[];
}

export interface LlmRequest {
  /**
   * The system prompt; as parts, most stable first (our prompt, then the project's files), so a provider
   * that caches prompt prefixes can cache each part's prefix on its own.
   */
  system: string | string[];
  messages: LlmMessage[];
  tools: LlmToolDefinition[];
  maxOutputTokens: number;
  /** Aborting stops the stream at once (a cancelled session). */
  signal: AbortSignal;
  /** Overrides the provider's default model for this request. */
  model?: string;
  /** A tenant's own key for this request (bring your own key); never logged. */
  apiKey?: string;
}

export interface LlmUsage {
  /** Input tokens billed at the full price: what was neither read from nor written to the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens written to the prompt cache (billed above the input price). */
  cacheWriteTokens: number;
  /** Input tokens read from the prompt cache (billed at a fraction of it). */
  cacheReadTokens: number;
}

/** What a stream yields, in order: text deltas and whole tool calls as they complete, then one finish. */
export type LlmStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; id: string; name: string; input: unknown }
  | { type: 'finish'; stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'other'; usage: LlmUsage };

export interface LlmProvider {
  /** `anthropic` or `offline`. */
  readonly name: string;
  /** The model id recorded on the session. */
  readonly model: string;
  stream(request: LlmRequest): AsyncIterable<LlmStreamPart>;
}

/** A model failure, classified: the job loop reads `code` and `retryable` (see WorkerError). */
export class LlmError extends WorkerError {
  constructor(
    message: string,
    readonly options: { retryable: boolean; status?: number; code?: string; cause?: unknown },
  ) {
    super(options.code ?? (options.retryable ? 'MODEL_UNAVAILABLE' : 'MODEL_ERROR'), message, options.retryable, { cause: options.cause });
    this.name = 'LlmError';
  }
}

/** The system prompt's parts, empty ones dropped (a provider without caching joins them). */
export function systemParts(system: LlmRequest['system']): string[] {
  return (typeof system === 'string' ? [system] : system).filter((part) => part.trim() !== '');
}
