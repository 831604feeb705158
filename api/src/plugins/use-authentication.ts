import type { Plugin } from 'graphql-yoga';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import type { Caller } from '../context.js';

export interface AuthenticationOptions {
  authenticator: ApiKeyAuthenticator;
}

/**
 * Every GraphQL operation needs a secret key in `Authorization: Bearer …`; the caller lands in the
 * context before any resolver runs. A missing, malformed, unknown or revoked key is UNAUTHENTICATED
 * (HTTP 401).
 */
export function useAuthentication(options: AuthenticationOptions): Plugin<{ caller: Caller }> {
  return {
    async onContextBuilding({ context, extendContext }) {
      // graphql-ws authenticates once, at connection_init, and hands the caller in.
      if ((context as { caller?: Caller }).caller) return;
      const caller = await options.authenticator.authenticate(context.request.headers.get('authorization'));
      extendContext({ caller });
    },
  };
}
