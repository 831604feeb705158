import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from './context.js';
import type { KeyCaller } from './auth/api-key-authenticator.js';
import type { createApiHandler } from './server.js';

/** graphql-ws's "Forbidden": what the client gets for a missing, bad or revoked key. */
const FORBIDDEN = 4403;

type SocketState = {
  /** The `Authorization` value from `connection_init`, checked again for every operation. */
  authorization?: string;
  /** The key that opened the socket: its revocation closes it. */
  apiKeyId?: string;
};

/**
 * GraphQL over WebSocket (graphql-ws) at /graphql, through the same Yoga plugins as HTTP. The key
 * comes in `connection_init` (`{ authorization: "Bearer …" }`); without a valid one the socket is
 * closed with 4403. The key is checked again for every operation, from the auth cache (which a
 * revocation or a tenant change drops on every instance), so each operation sees the tenant as it is
 * now; a revoked key's sockets are closed with 4403 on every instance as soon as the revocation is
 * heard, and an operation that still finds its key revoked closes its socket the same way.
 */
export function attachGraphQLWebSocket(handler: ReturnType<typeof createApiHandler>) {
  // No server of its own: `listen` routes the upgrades of /graphql here (the preview origin has its own).
  const webSocketServer = new WebSocketServer({ noServer: true });
  const { yoga, services } = handler;
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const forbid = (socket: WebSocket, reason: string) => socket.close(FORBIDDEN, reason);
  const stopListening = services.authenticator.onRevoked((apiKeyId) => {
    for (const socket of socketsByKey.get(apiKeyId) ?? []) forbid(socket, 'Forbidden: this API key has been revoked');
  });

  const disposable = useServer<Record<string, unknown>, SocketState>(
    {
      onConnect: async (context) => {
        const authorization = authorizationOf(context.connectionParams ?? {});
        let caller: KeyCaller;
        try {
          caller = await services.authenticator.authenticate(authorization);
        } catch {
          return false; // graphql-ws closes the socket with 4403 Forbidden
        }
        context.extra.authorization = authorization;
        context.extra.apiKeyId = caller.apiKeyId;
        const sockets = socketsByKey.get(caller.apiKeyId) ?? new Set<WebSocket>();
        sockets.add(context.extra.socket);
        socketsByKey.set(caller.apiKeyId, sockets);
        return true;
      },
      onClose: (context) => {
        const { apiKeyId, socket } = context.extra;
        const sockets = apiKeyId ? socketsByKey.get(apiKeyId) : undefined;
        sockets?.delete(socket);
        if (sockets?.size === 0) socketsByKey.delete(apiKeyId!);
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (context, _id, payload) => {
        let caller: Caller;
        try {
          caller = await services.authenticator.authenticate(context.extra.authorization);
        } catch (error) {
          // Revoked (or gone) since connection_init: the socket goes, as it would have at connect
          // (the operation's error is not sent: the socket is already closing).
          const message = error instanceof Error ? error.message : 'A valid API key is required';
          forbid(context.extra.socket, `Forbidden: ${message}`.slice(0, 120));
          return [new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          request: undefined,
          params: payload,
          caller,
        });
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies EnvelopedRoot,
        };
        const errors = validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    webSocketServer,
  );
  return {
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
      webSocketServer.handleUpgrade(request, socket, head, (client) => webSocketServer.emit('connection', client, request));
    },
    async close() {
      stopListening();
      // 1012 "service restart": graphql-ws clients reconnect (to another instance) and resume.
      for (const client of webSocketServer.clients) client.close(1012, 'Service restart: reconnect and resume with afterSeq');
      await disposable.dispose();
      await new Promise<void>((resolve) => webSocketServer.close(() => resolve()));
    },
  };
}

/** The credential of `connection_init`: `authorization` (or `Authorization`), or a bare `apiKey`. */
function authorizationOf(params: Record<string, unknown>): string | undefined {
  const authorization = params.authorization ?? params.Authorization ?? (params.apiKey ? `Bearer ${String(params.apiKey)}` : undefined);
  return typeof authorization === 'string' ? authorization : undefined;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}
