import { ApiError, ConnectionError, createApiError, RateLimitError } from './errors.js';
import type { AbortSignalLike, FetchFunction, FetchResponse, PlatformAbortSignal } from './fetch-types.js';

/**
 * A GraphQL document with its result and variables types: what `graphql-codegen` makes (a
 * `TypedDocumentString`), or any `TypedDocumentNode` parsed with its source (`loc.source.body`, as
 * `graphql`'s `parse` and `graphql-tag` keep it). Structural, so it needs no `graphql` package.
 */
export interface TypedDocument<TResult = any, TVariables = Record<string, unknown>> {
  /** Never set: it carries the types only. */
  __apiType?: (variables: TVariables) => TResult;
}

/** Per-call options, accepted by every method as its last argument. */
export interface RequestOptions {
  /** Aborts the call (and its retries); the call then rejects with the signal's reason. */
  signal?: AbortSignalLike;
  /** Overrides the client's `timeoutMs` for this call (per attempt). */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call, e.g. `X-Request-Id` to choose the request id yourself. */
  headers?: Record<string, string>;
}

/**
 * Which failures a call may be retried after. `any`: network errors, timeouts, 429 and 5xx (reads,
 * and writes that are idempotent or carry an idempotency key). `refused`: only a 429, which the API
 * answers before running anything (writes that must never run twice, such as `createApiKey`).
 */
export type RetryPolicy = 'any' | 'refused';

/**
 * A persisted operation: the API runs the document it registered under this id (SHA-256 of the
 * document, hex), so only the id travels (`extensions.persistedQuery`). The widget sends only these.
 */
export interface PersistedOperation<TResult = any, TVariables = Record<string, unknown>> extends TypedDocument<TResult, TVariables> {
  readonly sha256Hash: string;
}

/**
 * Where the bearer token comes from when it is not a fixed key (the widget's short-lived tokens):
 * `getToken` for each request, and `refreshToken` once when the API refused the token as
 * UNAUTHENTICATED (expired, its minting key revoked); the request is then sent again with the new one.
 */
export interface TokenSource {
  getToken(): Promise<string>;
  refreshToken(): Promise<string>;
}

export interface SenderSettings {
  /** A fixed secret key, or a token source. */
  apiKey: string | TokenSource;
  /** The GraphQL endpoint, e.g. `https://api.example.com/graphql`. */
  endpoint: string;
  maxRetries: number;
  timeoutMs: number;
  fetch: FetchFunction;
  headers: Record<string, string>;
}

const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
/** A `Retry-After` longer than this is not waited out: the caller gets the RateLimitError at once. */
const MAX_RETRY_AFTER_S = 60;
const JSON_ACCEPT = 'application/graphql-response+json, application/json;q=0.9';

/**
 * The one way requests leave the SDK: headers, a timeout per attempt, and one retry decision with
 * exponential backoff and jitter (or the API's `Retry-After`), as stripe-node's `RequestSender`.
 */
export class RequestSender {
  constructor(readonly settings: SenderSettings) {}

  /** Sends one GraphQL operation and returns its `data`, or throws the ApiError its first error maps to. */
  request<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables> | PersistedOperation<TResult, TVariables> | string,
    variables: TVariables | undefined,
    options: RequestOptions = {},
    policy: RetryPolicy = 'any',
  ): Promise<TResult> {
    const body = requestBody(document, variables);
    return this.withRetries(options, policy, false, async (signal) => readData<TResult>(await this.post(body, JSON_ACCEPT, signal, options)));
  }

  /**
   * POSTs bytes to a REST route beside `/graphql` (`/v1/uploads`) with the same credentials, timeout
   * and retries, and returns its JSON; an answer with `errors` throws the ApiError the first maps to.
   */
  postBytes<TResult>(path: string, bytes: Uint8Array, headers: Record<string, string>, options: RequestOptions = {}): Promise<TResult> {
    const url = `${this.settings.endpoint.replace(/\/graphql$/, '')}${path}`;
    return this.withRetries(options, 'any', false, async (signal) => {
      const credentials = this.settings.apiKey;
      const token = typeof credentials === 'string' ? credentials : await credentials.getToken();
      const response = await this.settings.fetch(url, {
        method: 'POST',
        headers: { accept: 'application/json', authorization: `Bearer ${token}`, ...this.settings.headers, ...headers, ...options.headers },
        // An ArrayBuffer fits every runtime's fetch (and every TypeScript lib's BodyInit).
        body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        signal,
      });
      const info = responseInfo(response);
      const text = await response.text();
      let body: { errors?: unknown } | null = null;
      try {
        body = JSON.parse(text);
      } catch {
        throw createApiError({ message: `The API answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}` }, info);
      }
      if (Array.isArray(body?.errors) && body.errors.length > 0) throw createApiError(body.errors[0], info);
      if (!response.ok || !body) throw createApiError({ message: `The API answered HTTP ${response.status}` }, info);
      return body as TResult;
    });
  }

  /**
   * Opens a GraphQL-over-SSE stream and returns the response once its headers arrive (retrying the
   * connection as `request` does). Aborting `options.signal` ends the stream.
   */
  openStream<TResult, TVariables>(document: TypedDocument<TResult, TVariables> | PersistedOperation<TResult, TVariables>, variables: TVariables, options: RequestOptions = {}): Promise<FetchResponse> {
    const body = requestBody(document, variables);
    return this.withRetries(options, 'any', true, async (signal) => {
      const response = await this.post(body, 'text/event-stream', signal, options);
      if (response.ok && response.body && (response.headers.get('content-type') ?? '').includes('text/event-stream')) return response;
      await readData(response); // throws the error the body carries
      throw createApiError({ message: `The API answered HTTP ${response.status} instead of an event stream` }, responseInfo(response));
    });
  }

  /** One POST; with a token source, a 401 is answered once more with a fresh token (before any retry decision). */
  private async post(body: string, accept: string, signal: PlatformAbortSignal, options: RequestOptions): Promise<FetchResponse> {
    const credentials = this.settings.apiKey;
    const send = (token: string) =>
      this.settings.fetch(this.settings.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}`, ...this.settings.headers, ...options.headers },
        body,
        signal,
      });
    if (typeof credentials === 'string') return send(credentials);
    const response = await send(await credentials.getToken());
    if (response.status !== 401) return response;
    await response.body?.getReader().cancel().catch(() => undefined);
    return send(await credentials.refreshToken());
  }

  /**
   * Runs `attempt` until it succeeds, fails in a way not worth retrying, or the retries are used up.
   * `linger` keeps the caller's signal wired to a successful attempt (a stream outlives the attempt).
   */
  private async withRetries<T>(options: RequestOptions, policy: RetryPolicy, linger: boolean, attempt: (signal: PlatformAbortSignal) => Promise<T>): Promise<T> {
    const maxRetries = options.maxRetries ?? this.settings.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    for (let retry = 0; ; retry++) {
      try {
        return await runAttempt(attempt, options.signal, timeoutMs, linger);
      } catch (error) {
        const delayMs = retry < maxRetries ? retryDelay(error, retry, policy) : undefined;
        if (delayMs === undefined) throw error;
        await sleep(delayMs, options.signal);
      }
    }
  }
}

/** One attempt under its own timeout, also aborted by the caller's signal. */
async function runAttempt<T>(attempt: (signal: PlatformAbortSignal) => Promise<T>, parent: AbortSignalLike | undefined, timeoutMs: number, linger: boolean): Promise<T> {
  if (parent?.aborted) throw parent.reason;
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let succeeded = false;
  try {
    const result = await attempt(controller.signal);
    succeeded = true;
    return result;
  } catch (error) {
    // The caller's abort is passed on as it is, and never retried.
    if (parent?.aborted) throw parent.reason;
    if (timedOut) throw new ConnectionError({ code: 'TIMEOUT', message: `The API did not answer within ${timeoutMs} ms`, cause: error });
    if (error instanceof ApiError) throw error;
    throw new ConnectionError({ code: 'CONNECTION_ERROR', message: `Could not reach the API: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  } finally {
    clearTimeout(timer);
    if (!(linger && succeeded)) parent?.removeEventListener('abort', onAbort);
  }
}

/** How long to wait before the next attempt, or undefined when this failure is final. */
export function retryDelay(error: unknown, retry: number, policy: RetryPolicy): number | undefined {
  if (error instanceof RateLimitError) {
    if (error.retryAfter === undefined) return backoff(retry);
    return error.retryAfter <= MAX_RETRY_AFTER_S ? error.retryAfter * 1000 : undefined;
  }
  if (policy === 'refused') return undefined;
  if (error instanceof ConnectionError || (error instanceof ApiError && (error.status ?? 0) >= 500)) return backoff(retry);
  return undefined;
}

/** Exponential backoff with jitter: 250–500 ms, then 500–1000 ms, … up to 4–8 s. */
export function backoff(retry: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** retry) * (0.5 + Math.random() / 2);
}

export function sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function responseInfo(response: FetchResponse) {
  return { status: response.status, requestId: response.headers.get('x-request-id') ?? undefined, retryAfterHeader: response.headers.get('retry-after') };
}

/** The `data` of a GraphQL response, or the ApiError of its first error. */
async function readData<TResult>(response: FetchResponse): Promise<TResult> {
  const info = responseInfo(response);
  const text = await response.text();
  let body: { data?: TResult | null; errors?: unknown } | null;
  try {
    body = JSON.parse(text);
  } catch {
    throw createApiError({ message: `The API answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}` }, info);
  }
  if (Array.isArray(body?.errors) && body.errors.length > 0) throw createApiError(body.errors[0], info);
  if (!response.ok || !body?.data) throw createApiError({ message: `The API answered HTTP ${response.status} without data` }, info);
  return body.data;
}

/** The JSON body of a request: the document's text, or a persisted operation's id. */
function requestBody(document: unknown, variables: unknown): string {
  const hash = (document as Partial<PersistedOperation> | null)?.sha256Hash;
  if (typeof hash === 'string') return JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  return JSON.stringify({ query: documentText(document), variables });
}

/** The text of a document: a string, a `TypedDocumentString`, or a parsed document that kept its source. */
export function documentText(document: unknown): string {
  if (typeof document === 'string') return document;
  if (document instanceof String) return document.toString();
  const body = (document as { loc?: { source?: { body?: unknown } } } | null)?.loc?.source?.body;
  if (typeof body === 'string') return body;
  throw new TypeError('EverJust: a document must be a string, a TypedDocumentString, or a parsed document that kept its source (loc.source.body)');
}

/** Whether a document has a mutation (comments and strings aside, roughly): mutations are retried only when refused. */
export function isMutation(text: string): boolean {
  return /(^|[\s{}])mutation\b/.test(text.replace(/#[^\n]*|"""[\s\S]*?"""|"(?:\\.|[^"\\])*"/g, ''));
}

/**
 * A new idempotency key for a create call, made once per call so every retry of it carries the same
 * key and the API returns the first result instead of creating twice.
 */
export function newIdempotencyKey(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context in browsers; getRandomValues does not.
  const bytes = crypto!.getRandomValues!(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
