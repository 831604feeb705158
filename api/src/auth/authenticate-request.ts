import { CONSOLE_COOKIE, cookieOf, type ConsoleSessions } from '../console/console-sessions.js';
import type { Caller } from '../context.js';
import type { ApiKeyAuthenticator } from './api-key-authenticator.js';
import type { WidgetTokenAuthenticator } from './widget-token-authenticator.js';
import { bearerOf, isWidgetToken } from './widget-tokens.js';

/** The credentials a request may carry; each authenticator absent means that kind is refused. */
export interface RequestCredentials {
  authenticator: ApiKeyAuthenticator;
  /** Widget tokens (`Bearer ej_wt_…`); without it they are refused like any unknown key. */
  widgetTokens?: WidgetTokenAuthenticator;
  /** Console cookie sessions; without it the cookie is ignored. */
  consoleSessions?: ConsoleSessions;
}

/**
 * The caller of an HTTP request, for GraphQL and the routes beside it (archives): a secret key or a
 * widget token (told apart by its `ej_wt_` prefix, accepted only from its own origin) in
 * `Authorization: Bearer …`, which always wins; without that header, the console's session cookie,
 * but only with its CSRF header and from the API's own origin (else CSRF_FAILED, 403). A missing,
 * malformed, unknown, expired or revoked credential is UNAUTHENTICATED (401).
 */
export async function authenticateRequest(request: Request, credentials: RequestCredentials): Promise<Caller> {
  const authorization = request.headers.get('authorization');
  if (authorization === null && credentials.consoleSessions) {
    const cookie = cookieOf(request.headers.get('cookie'), CONSOLE_COOKIE);
    if (cookie !== undefined) return credentials.consoleSessions.authenticateRequest(request, cookie);
  }
  const bearer = bearerOf(authorization);
  return credentials.widgetTokens && bearer && isWidgetToken(bearer)
    ? credentials.widgetTokens.authenticateRequest(request)
    : credentials.authenticator.authenticate(authorization);
}
