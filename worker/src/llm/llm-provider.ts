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
}

export type LlmContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean };

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: LlmContentBlock[];
}

export interface LlmRequest {
  system: string;
  messages: LlmMessage[];
  tools: LlmToolDefinition[];
  maxOutputTokens: number;
  /** Aborting stops the stream at once (a cancelled session). */
  signal: AbortSignal;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
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
