import { ConnectionError, createApiError } from './errors.js';
import type { AbortSignalLike } from './fetch-types.js';
import { GetSessionResultDocument, SessionEventsDocument, type SessionEventFieldsFragment } from './generated/graphql.js';
import { retryDelay, sleep, type PersistedOperation, type RequestOptions, type RequestSender, type TypedDocument } from './request-sender.js';
import { readServerSentEvents } from './server-sent-events.js';
import type { DoneEvent, PreviewReadyEvent, SessionEvent, SessionResult } from './types.js';

/** Options of `sessions.stream`. */
export interface SessionStreamOptions {
  /** Start after this seq (0, the default: from the first event). Resume a stream another process read with its `lastSeq`. */
  afterSeq?: number;
  /** Aborting it ends the stream, as `abort()` does. */
  signal?: AbortSignalLike;
  /**
   * How many times in a row the stream may drop, or fail to connect (network error, timeout, 429, 5xx),
   * without a new event before it gives up with that error. Default 5; each event resets the count.
   * Reconnections back off exponentially with jitter (or as `Retry-After` says).
   */
  maxReconnects?: number;
  /** Reconnect when nothing, not even a keep-alive (the API sends one every 12 s), arrived for this long. Default 45,000 ms. */
  idleTimeoutMs?: number;
}

const DEFAULT_MAX_RECONNECTS = 5;
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  promise.catch(() => undefined); // nobody has to ask for the result
  return { promise, resolve, reject };
}

/** The variables of every `sessionEvents` operation. */
type SessionEventsVariables = { sessionId: string; afterSeq: number };

/** What the resume loop needs besides the session: where to start, when to stop, how hard to try. */
export interface FollowSessionOptions extends Omit<SessionStreamOptions, 'signal'> {
  signal?: AbortSignalLike;
  /** Told before each reconnection, with the last seq delivered and how many times in a row it dropped. */
  onReconnect?(afterSeq: number, attempt: number): void;
}

/**
 * The resume-after-seq loop, for any `sessionEvents` operation (the SDK's document, or the widget's
 * persisted one): follows the session over GraphQL-over-SSE, and when the connection drops (a stream
 * that ends without `complete`), reconnects with `afterSeq` set to the last seq it yielded, backing off
 * as every SDK retry does, so each event comes once and in order. It yields the events as the operation
 * selects them, ends after `done` (or the API's `complete`), and ends quietly when `signal` aborts,
 * delivering nothing read after that.
 */
export async function* followSessionEvents<TEvent extends { seq: number; type: string }>(
  sender: RequestSender,
  operation: TypedDocument<any, SessionEventsVariables> | PersistedOperation<any, SessionEventsVariables>,
  sessionId: string,
  options: FollowSessionOptions = {},
): AsyncGenerator<TEvent> {
  const maxReconnects = options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
  const signal = options.signal;
  let lastSeq = options.afterSeq ?? 0;
  let drops = 0;
  for (;;) {
    let dropped: unknown;
    try {
      // One attempt per connection: failing to connect counts against maxReconnects like a drop does.
      const response = await sender.openStream(operation, { sessionId, afterSeq: lastSeq }, { signal, maxRetries: 0 });
      for await (const message of readServerSentEvents(response.body!, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS)) {
        if (signal?.aborted) return;
        // The API completes the stream after `done`; a complete without it (resuming after the end) means nothing more will come.
        if (message.event === 'complete') return;
        if (message.event !== 'next') continue;
        const payload = JSON.parse(message.data) as { data?: { sessionEvents?: TEvent }; errors?: unknown[] };
        if (payload.errors?.length) throw createApiError(payload.errors[0] as object, { status: response.status });
        const event = payload.data?.sessionEvents;
        if (!event || event.seq <= lastSeq) continue; // already delivered (the API does not repeat; this keeps it so)
        lastSeq = event.seq;
        drops = 0;
        yield event;
        // Aborted while the caller held this event: deliver nothing more, even what is already read.
        if (signal?.aborted || event.type === 'done') return;
      }
      // A stream that ends without `complete` dropped: resume after the last seq.
      dropped = new ConnectionError({ code: 'CONNECTION_ERROR', message: 'The event stream ended before the session did' });
    } catch (error) {
      if (signal?.aborted) return;
      // A dropped connection, a network error, a 5xx or a 429: resume. Anything else is final.
      if (retryDelay(error, drops, 'any') === undefined) throw error;
      dropped = error;
    }
    const delayMs = drops < maxReconnects ? retryDelay(dropped, drops, 'any') : undefined;
    if (delayMs === undefined) throw dropped;
    drops++;
    options.onReconnect?.(lastSeq, drops);
    try {
      await sleep(delayMs, signal);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
  }
}

/**
 * The events of one session, as an async iterable: `for await (const event of stream)`. It follows
 * the session live and, when the connection drops (a stream that ends without `complete`), resumes
 * by itself after the last seq it delivered, so every event arrives exactly once and in order. It
 * ends after the `done` event.
 *
 * It can be iterated once. `finalResult()` waits for the end (iterating by itself if you do not) and
 * returns the status, usage, files and preview URL; `abort()` stops it.
 */
export class SessionStream implements AsyncIterable<SessionEvent> {
  readonly sessionId: string;
  #sender: RequestSender;
  #options: SessionStreamOptions;
  #lastSeq: number;
  #controller = new AbortController();
  #iterating = false;
  #ended = deferred<void>();
  #result: Promise<SessionResult> | undefined;
  #done: DoneEvent | undefined;
  #preview: PreviewReadyEvent | undefined;

  /** @internal Made by `sessions.stream`. */
  constructor(sender: RequestSender, sessionId: string, options: SessionStreamOptions = {}) {
    this.#sender = sender;
    this.sessionId = sessionId;
    this.#options = options;
    this.#lastSeq = options.afterSeq ?? 0;
    if (options.signal?.aborted) this.abort(options.signal.reason);
    else options.signal?.addEventListener('abort', () => this.abort(options.signal?.reason), { once: true });
  }

  /** The seq of the last event delivered (or `afterSeq`): where a later stream would resume. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  [Symbol.asyncIterator](): AsyncIterator<SessionEvent> {
    if (this.#iterating) throw new Error('EverJust: a SessionStream can be iterated once (call sessions.stream again, with afterSeq, for another)');
    this.#iterating = true;
    return this.#events();
  }

  /** Stops the stream: iteration ends, and `finalResult()` rejects with the abort reason (an AbortError by default). */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  /**
   * Waits for the session to end and returns what it left: status, usage, files (with content) and
   * the preview URL. Iterates the stream by itself if nobody else does.
   */
  finalResult(options: RequestOptions = {}): Promise<SessionResult> {
    if (!this.#iterating) {
      void (async () => {
        for await (const _event of this);
      })().catch(() => undefined); // its failure reaches us through #ended
    }
    return (this.#result ??= this.#ended.promise.then(() => this.#loadResult(options)));
  }

  async *#events(): AsyncGenerator<SessionEvent> {
    const signal = this.#controller.signal;
    try {
      const wireEvents = followSessionEvents<SessionEventFieldsFragment>(this.#sender, SessionEventsDocument, this.sessionId, { ...this.#options, afterSeq: this.#lastSeq, signal });
      for await (const wire of wireEvents) {
        const event = toEvent(wire);
        this.#lastSeq = event.seq;
        if (event.type === 'preview_ready') this.#preview = event;
        if (event.type === 'preview_failed') this.#preview = undefined;
        if (event.type === 'done') this.#done = event;
        yield event;
      }
      // An abort ends the iteration quietly; finalResult() rejects with its reason.
      if (signal.aborted) this.#ended.reject(signal.reason);
      else this.#ended.resolve();
    } catch (error) {
      this.#ended.reject(error);
      throw error;
    } finally {
      // Left early (a `break` in the caller's loop): a result only if `done` came.
      if (this.#done) this.#ended.resolve();
      else this.#ended.reject(new Error('EverJust: the stream was closed before the session ended'));
    }
  }

  async #loadResult(options: RequestOptions): Promise<SessionResult> {
    const { session } = await this.#sender.request(GetSessionResultDocument, { id: this.sessionId }, options);
    const { files, project, ...rest } = session;
    const sandbox = project.sandbox?.previewUrl ? project.sandbox : undefined;
    return {
      session: { ...rest, project: { id: project.id } },
      status: this.#done?.status ?? session.status,
      usage: this.#done?.usage ?? session.usage,
      error: this.#done ? this.#done.error : session.error,
      files,
      previewUrl: this.#preview?.url ?? sandbox?.previewUrl ?? null,
      previewExpiresAt: this.#preview ? this.#preview.expiresAt : (sandbox?.previewExpiresAt ?? null),
      result: this.#done?.result ?? null,
    };
  }
}

/** The wire form (with `__typename`, StatusEvent's `message` and QuestionEvent's `expiresAt` aliased) to the public event. */
function toEvent(wire: SessionEventFieldsFragment): SessionEvent {
  const { __typename, ...event } = wire as SessionEventFieldsFragment & { statusMessage?: string | null; questionExpiresAt?: string };
  if ('statusMessage' in event) {
    const { statusMessage, ...rest } = event;
    return { ...rest, message: statusMessage ?? null } as SessionEvent;
  }
  if ('questionExpiresAt' in event) {
    const { questionExpiresAt, ...rest } = event;
    return { ...rest, expiresAt: questionExpiresAt } as SessionEvent;
  }
  return event as unknown as SessionEvent;
}
