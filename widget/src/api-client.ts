import { WIDGET_OPERATION_IDS, type WidgetOperationName, type WidgetSessionEvent } from './operations.js';

/**
 * The widget's whole transport: persisted operations over `fetch`, and session events over
 * GraphQL-over-SSE (POST, `Accept: text/event-stream`), resumed with `afterSeq` whenever a stream
 * drops before `complete`. No dependencies; the token comes from the element.
 */

/** An error as the API reports it (`extensions.code`), or NETWORK when it could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth trying again as is: the network, a rate limit, a server error. */
  get retryable(): boolean {
    return this.code === 'NETWORK' || this.code === 'RATE_LIMITED' || this.code === 'INTERNAL' || this.status >= 500;
  }

  static from(error: { message?: string; extensions?: { code?: string; reason?: string } } | undefined, status: number): ApiError {
    const code = error?.extensions?.code ?? (status >= 500 ? 'INTERNAL' : 'BAD_RESPONSE');
    return new ApiError(code, error?.message ?? `The API answered HTTP ${status}`, status, error?.extensions?.reason);
  }
}

export interface ApiClientOptions {
  /** The API's base URL (`https://api.everjust.dev`); GraphQL is at `/graphql`. */
  apiUrl: string;
  /** The current token. */
  getToken(): Promise<string>;
  /** A fresh token, after the API refused the current one (expired, revoked key). */
  refreshToken(): Promise<string>;
  fetch?: typeof fetch;
}

export interface FollowOptions {
  afterSeq?: number;
  signal?: AbortSignal;
  onEvent(event: WidgetSessionEvent): void;
  /** Told before each reconnection, with the last seq seen. */
  onReconnect?(afterSeq: number, attempt: number): void;
  /** Waits between reconnections, by attempt (the last one repeats). */
  retryDelaysMs?: readonly number[];
  /** Consecutive failed reconnections before giving up. */
  maxAttempts?: number;
}

/** A message of a `text/event-stream` body. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

const persisted = (operation: WidgetOperationName) => ({ persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS[operation] } });

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Parses a `text/event-stream` body into its messages (comments and keep-alives skipped). */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        let event = '';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event || data.length > 0) yield { event: event || 'message', data: data.join('\n') };
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** The first GraphQL error of a response that is not a success (JSON or an event stream). */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: { errors?: Array<{ message?: string; extensions?: { code?: string; reason?: string } }> } | undefined;
  try {
    body = JSON.parse(/^data: ?(.*)$/m.exec(text)?.[1] ?? text);
  } catch {
    // not JSON: described by the status alone
  }
  return ApiError.from(body?.errors?.[0], response.status);
}

export function createApiClient(options: ApiClientOptions) {
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/graphql`;
  const fetchImplementation = options.fetch ?? ((input, init) => fetch(input, init));

  /** Sends one operation with the current token; on UNAUTHENTICATED, once more with a fresh token. */
  async function send(operation: WidgetOperationName, variables: Record<string, unknown>, accept: string, signal?: AbortSignal): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = attempt === 0 ? await options.getToken() : await options.refreshToken();
      let response: Response;
      try {
        response = await fetchImplementation(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
          body: JSON.stringify({ variables, extensions: persisted(operation) }),
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new ApiError('NETWORK', 'Could not reach the EverJust API');
      }
      if (response.status === 401 && attempt === 0) {
        response.body?.cancel().catch(() => undefined);
        continue;
      }
      return response;
    }
  }

  return {
    /** Runs a query or mutation of the widget and returns its `data`. */
    async request<T>(operation: WidgetOperationName, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
      const response = await send(operation, variables, 'application/graphql-response+json, application/json', signal);
      if (!response.ok) throw await errorOf(response);
      const body = (await response.json().catch(() => null)) as { data?: T; errors?: Parameters<typeof ApiError.from>[0][] } | null;
      if (body?.errors?.length) throw ApiError.from(body.errors[0], response.status);
      if (!body?.data) throw new ApiError('BAD_RESPONSE', 'The API answered without data', response.status);
      return body.data;
    },

    /**
     * Follows a session's events until `done` (or the server completes the stream). A stream that
     * drops before that is reopened after a pause, with `afterSeq` set to the last event seen, so no
     * event is lost or repeated. Errors that retrying cannot fix (NOT_FOUND, FORBIDDEN, …) are thrown.
     */
    async followSession(sessionId: string, follow: FollowOptions): Promise<void> {
      const delays = follow.retryDelaysMs ?? [250, 500, 1_000, 2_000, 4_000, 8_000];
      const maxAttempts = follow.maxAttempts ?? 12;
      let last = follow.afterSeq ?? 0;
      let failures = 0;
      for (;;) {
        try {
          const response = await send('sessionEvents', { sessionId, afterSeq: last }, 'text/event-stream', follow.signal);
          if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) throw await errorOf(response);
          for await (const message of readServerSentEvents(response.body)) {
            // Messages already read from the network would still come after an abort: none does.
            if (follow.signal?.aborted || message.event === 'complete') return;
            if (message.event !== 'next') continue;
            const payload = JSON.parse(message.data) as { data?: { sessionEvents?: WidgetSessionEvent }; errors?: Parameters<typeof ApiError.from>[0][] };
            if (payload.errors?.length) throw ApiError.from(payload.errors[0], response.status);
            const event = payload.data?.sessionEvents;
            if (!event || event.seq <= last) continue;
            last = event.seq;
            failures = 0;
            follow.onEvent(event);
            if (event.type === 'done') return;
          }
          // Ended without `complete`: a restart or the network. Resume where it stopped.
        } catch (error) {
          if (follow.signal?.aborted) return;
          if (error instanceof ApiError && !error.retryable) throw error;
          // Otherwise the network failed mid-stream: resume below.
        }
        if (follow.signal?.aborted) return;
        failures++;
        if (failures > maxAttempts) throw new ApiError('NETWORK', 'Lost the connection to the event stream');
        follow.onReconnect?.(last, failures);
        await sleep(delays[Math.min(failures - 1, delays.length - 1)], follow.signal);
        if (follow.signal?.aborted) return;
      }
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
