import type { Plugin } from 'graphql-yoga';
import { authenticateRequest, type RequestCredentials } from '../auth/authenticate-request.js';
import type { Caller } from '../context.js';

export type AuthenticationOptions = RequestCredentials;

/**
 * Every GraphQL operation needs a credential (see `authenticateRequest`): a secret key or a widget
 * token in `Authorization: Bearer …`, or the console's session cookie with its CSRF header. The caller
 * lands in the context before any resolver runs. A missing, malformed, unknown, expired or revoked
 * credential is UNAUTHENTICATED (HTTP 401); a widget token from another origin is FORBIDDEN (403); a
 * console cookie without its CSRF token or from another origin is CSRF_FAILED (403).
 */
export function useAuthentication(options: AuthenticationOptions): Plugin<{ caller: Caller }> {
  return {
    async onContextBuilding({ context, extendContext }) {
      // graphql-ws authenticates every operation itself (graphql-websocket.ts) and hands the caller in.
      if ((context as { caller?: Caller }).caller) return;
      extendContext({ caller: await authenticateRequest(context.request, options) });
    },
  };
}
