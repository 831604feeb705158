import { ApiError, followSessionEvents, RequestSender, type FetchFunction, type PersistedOperation } from '@everjust/sdk';
import { WIDGET_OPERATION_IDS, type WidgetOperationName, type WidgetSessionEvent } from './operations.js';

/**
 * The widget's transport, made of the SDK's pieces: its request sender (persisted operations, a token
 * source instead of a key, one retry policy), its error classes, and its resume-after-seq loop over
 * GraphQL-over-SSE. Only the operation ids and the token callbacks are the widget's own.
 */

export { ApiError };

/** An error of the widget itself (configuration, tokens), in the same shape as the API's. */
export function widgetError(code: string, message: string): ApiError {
  return new ApiError({ code, message });
}

export interface ApiClientOptions {
  /** The API's base URL (`https://api.everjust.dev`); GraphQL is at `/graphql`. */
  apiUrl: string;
  /** The current token. */
  getToken(): Promise<string>;
  /** A fresh token, after the API refused the current one (expired, revoked key). */
  refreshToken(): Promise<string>;
  fetch?: FetchFunction;
}

export interface FollowOptions {
  afterSeq?: number;
  signal?: AbortSignal;
  onEvent(event: WidgetSessionEvent): void;
  /** Told before each reconnection, with the last seq seen. */
  onReconnect?(afterSeq: number, attempt: number): void;
  /** Drops in a row, without a new event, before giving up (the SDK's default otherwise). */
  maxReconnects?: number;
}

/** The widget's operations, sent by id only (the documents stay on the server). */
const operation = (name: WidgetOperationName): PersistedOperation => ({ sha256Hash: WIDGET_OPERATION_IDS[name] });

export function createApiClient(options: ApiClientOptions) {
  const sender = new RequestSender({
    apiKey: { getToken: options.getToken, refreshToken: options.refreshToken },
    endpoint: `${options.apiUrl.replace(/\/+$/, '')}/graphql`,
    maxRetries: 2,
    timeoutMs: 60_000,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    headers: {},
  });

  const base = options.apiUrl.replace(/\/+$/, '');

  return {
    /**
     * Downloads a ZIP (`/v1/projects/<id>/archive.zip`, `/v1/sessions/<id>/archive.zip`) with the
     * widget's token (a new one once, after a 401); the API's error, if any, as an ApiError.
     */
    async download(path: string, signal?: AbortSignal): Promise<{ blob: Blob; filename: string }> {
      const get = async (token: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
      let response = await get(await options.getToken()).catch((error: unknown) => {
        throw new ApiError({ code: 'CONNECTION_ERROR', message: `Could not reach the API: ${(error as Error).message}`, cause: error });
      });
      if (response.status === 401) response = await get(await options.refreshToken());
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { errors?: Array<{ message: string; extensions?: { code?: string } }> } | null;
        const error = body?.errors?.[0];
        throw new ApiError({ code: error?.extensions?.code ?? `HTTP_${response.status}`, message: error?.message ?? `The download failed (HTTP ${response.status})`, status: response.status, extensions: error?.extensions ?? {} });
      }
      const filename = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'app.zip';
      return { blob: await response.blob(), filename };
    },

    /** Runs a query or mutation of the widget and returns its `data`. */
    request<T>(name: WidgetOperationName, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
      // Mutations are retried only when refused (429, before anything ran); reads after any passing failure.
      const policy = name === 'startSession' || name === 'cancelSession' || name === 'startPreview' ? 'refused' : 'any';
      return sender.request<T, Record<string, unknown>>(operation(name), variables, { signal }, policy);
    },

    /**
     * Follows a session's events until `done` (or the server completes the stream), resuming after the
     * last event seen whenever the stream drops. Errors that retrying cannot fix (NOT_FOUND, FORBIDDEN,
     * …) are thrown; an abort ends it quietly.
     */
    async followSession(sessionId: string, follow: FollowOptions): Promise<void> {
      const events = followSessionEvents<WidgetSessionEvent>(sender, operation('sessionEvents'), sessionId, follow);
      for await (const event of events) follow.onEvent(event);
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
