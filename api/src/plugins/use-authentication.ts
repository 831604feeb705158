import type { Plugin } from 'graphql-yoga';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import type { WidgetTokenAuthenticator } from '../auth/widget-token-authenticator.js';
import { bearerOf, isWidgetToken } from '../auth/widget-tokens.js';
import { CONSOLE_COOKIE, cookieOf, type ConsoleSessions } from '../console/console-sessions.js';
import type { Caller } from '../context.js';

export interface AuthenticationOptions {
  authenticator: ApiKeyAuthenticator;
  /** Widget tokens (`Bearer ej_wt_…`); without it they are refused like any unknown key. */
  widgetTokens?: WidgetTokenAuthenticator;
  /** Console cookie sessions; without it the cookie is ignored. */
  consoleSessions?: ConsoleSessions;
}

/**
 * Every GraphQL operation needs a credential in `Authorization: Bearer …`: a secret key, or a widget
 * token (told apart by its `ej_wt_` prefix, and accepted only from its own origin). The caller lands
 * in the context before any resolver runs. A missing, malformed, unknown, expired or revoked
 * credential is UNAUTHENTICATED (HTTP 401); a widget token from another origin is FORBIDDEN (403).
 * Without an Authorization header (which always wins), the console's session cookie is one too, but
 * only with its CSRF header and from the API's own origin (else CSRF_FAILED, 403).
 */
export function useAuthentication(options: AuthenticationOptions): Plugin<{ caller: Caller }> {
  return {
    async onContextBuilding({ context, extendContext }) {
      // graphql-ws authenticates every operation itself (graphql-websocket.ts) and hands the caller in.
      if ((context as { caller?: Caller }).caller) return;
      const { request } = context;
      const authorization = request.headers.get('authorization');
      const consoleCookie = authorization === null && options.consoleSessions ? cookieOf(request.headers.get('cookie'), CONSOLE_COOKIE) : undefined;
      if (consoleCookie !== undefined) {
        extendContext({ caller: await options.consoleSessions!.authenticateRequest(request, consoleCookie) });
        return;
      }
      const bearer = bearerOf(authorization);
      const caller =
        options.widgetTokens && bearer && isWidgetToken(bearer)
          ? await options.widgetTokens.authenticateRequest(request)
          : await options.authenticator.authenticate(authorization);
      extendContext({ caller });
    },
  };
}
