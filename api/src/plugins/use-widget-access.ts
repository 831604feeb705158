import { createHash } from 'node:crypto';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { AuthenticationError, PermissionError, RETIRED_WIDGET_DOCUMENTS, ValidationError, WIDGET_DOCUMENTS } from '@everjust/core';
import type { WidgetTokenAuthenticator } from '../auth/widget-token-authenticator.js';
import { bearerOf, isWidgetToken } from '../auth/widget-tokens.js';

export interface WidgetAccessOptions {
  widgetTokens: WidgetTokenAuthenticator;
}

/**
 * The widget's documents by id (and those of earlier widget releases, still deployed). The ids are
 * computed here from the documents, so a widget that sends an id whose document changed gets
 * PERSISTED_QUERY_NOT_FOUND instead of running something else.
 */
export const WIDGET_DOCUMENTS_BY_ID: ReadonlyMap<string, string> = new Map(
  [...Object.values(WIDGET_DOCUMENTS), ...RETIRED_WIDGET_DOCUMENTS].map((document) => [createHash('sha256').update(document).digest('hex'), document]),
);

const isWidgetRequest = (request: Request) => {
  const bearer = bearerOf(request.headers.get('authorization'));
  return bearer !== null && isWidgetToken(bearer);
};

const hasPersistedId = (params: GraphQLParams) => typeof (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash === 'string';

/**
 * What a widget token may run: only the widget's persisted operations (`core/src/widget-operations.ts`),
 * sent as `{ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "<id>" } }, "variables": … }`.
 * The token is checked first (UNAUTHENTICATED, or FORBIDDEN from another origin), then the document:
 *
 * - a widget token that sends a `query` → FORBIDDEN (403), `extensions.reason: PERSISTED_QUERY_ONLY`;
 * - an id not in the list → BAD_USER_INPUT, `reason: PERSISTED_QUERY_NOT_FOUND`;
 * - a widget token that sends neither → BAD_USER_INPUT, `reason: PERSISTED_QUERY_ID_REQUIRED`.
 *
 * Secret keys keep sending any document; they may send these ids too.
 */
export function useWidgetAccess(options: WidgetAccessOptions): Plugin {
  const persisted = usePersistedOperations({
    getPersistedOperation: (id) => WIDGET_DOCUMENTS_BY_ID.get(id) ?? null,
    allowArbitraryOperations: false,
    customErrors: {
      persistedQueryOnly: () =>
        new PermissionError("A widget token runs only the widget's persisted operations (extensions.persistedQuery.sha256Hash), not a query of its own", {
          reason: 'PERSISTED_QUERY_ONLY',
        }),
      notFound: () => new ValidationError('Unknown persisted operation id: this widget may be newer or older than the API', { reason: 'PERSISTED_QUERY_NOT_FOUND' }),
      keyNotFound: () => new ValidationError('Send a persisted operation id in extensions.persistedQuery.sha256Hash', { reason: 'PERSISTED_QUERY_ID_REQUIRED' }),
    },
  });
  return {
    async onParams(payload) {
      if (isWidgetRequest(payload.request)) {
        // A bad token answers as such (401/403) before anything is said about its document.
        await options.widgetTokens.authenticateRequest(payload.request);
      } else if (payload.params.query || !hasPersistedId(payload.params)) {
        return; // a secret key's own document, or no credential: as before
      }
      await persisted.onParams?.(payload as never);
    },
    onParse: persisted.onParse,
    onValidate: persisted.onValidate,
    onResponse({ request, response }) {
      // The CORS answer depends on the Origin (and the token): caches must not share it across origins.
      if (request.headers.get('origin')) response.headers.append('Vary', 'Origin');
    },
  };
}

type CorsAnswer = { origin: string; methods: string[]; allowedHeaders: string[]; exposedHeaders: string[]; maxAge: number; credentials: boolean } | false;

const corsFor = (origin: string): CorsAnswer => ({
  origin,
  methods: ['GET', 'POST', 'OPTIONS'],
  allowedHeaders: ['authorization', 'content-type', 'accept', 'x-request-id'],
  exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy', 'content-disposition'],
  maxAge: 600,
  credentials: false,
});

/**
 * Yoga's `cors` option: browsers get CORS headers only where a widget may be. Secret keys never
 * belong in a browser, so their requests get none.
 *
 * - A request with a widget token: its own origin, when the `Origin` header is that origin. A token
 *   refused (expired, revoked: UNAUTHENTICATED; used from another origin: FORBIDDEN) gets them too,
 *   for the origin it came from: the answer is only the refusal, and the widget must be able to read
 *   it to fetch a new token or to tell the page's owner that tokens are minted for another origin.
 * - A preflight (it carries no token): any origin. It grants nothing: the request that follows is
 *   decided by its token, and answers without a widget token carry no CORS headers.
 * - A request without a credential: origins that some tenant allows (plus loopback in embedded mode).
 */
export function widgetCors(widgetTokens: WidgetTokenAuthenticator) {
  return async (request: Request): Promise<CorsAnswer> => {
    const origin = request.headers.get('origin');
    if (!origin) return false;
    if (request.method.toUpperCase() === 'OPTIONS') return corsFor(origin);
    const bearer = bearerOf(request.headers.get('authorization'));
    if (!bearer) return (await widgetTokens.isKnownOrigin(origin).catch(() => false)) ? corsFor(origin) : false;
    if (!isWidgetToken(bearer)) return false;
    try {
      const caller = await widgetTokens.authenticateRequest(request);
      return caller.widget?.origin === origin ? corsFor(origin) : false;
    } catch (error) {
      return error instanceof AuthenticationError || error instanceof PermissionError ? corsFor(origin) : false;
    }
  };
}

