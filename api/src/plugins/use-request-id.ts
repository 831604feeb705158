import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';

export interface RequestIdOptions {
  header?: string;
}

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id: the client's `X-Request-Id` when it is sane, else a new one. It is in the
 * context (for logs), in the response header, and in every error's extensions.
 */
export function useRequestId(options: RequestIdOptions = {}): Plugin<{ requestId: string }> {
  const header = options.header ?? 'x-request-id';
  const ids = new WeakMap<Request, string>();
  const idOf = (request: Request) => {
    let id = ids.get(request);
    if (!id) {
      const fromClient = request.headers.get(header);
      id = fromClient && CLIENT_ID_PATTERN.test(fromClient) ? fromClient : randomUUID();
      ids.set(request, id);
    }
    return id;
  };
  return {
    onRequest({ request }) {
      idOf(request);
    },
    onContextBuilding({ context, extendContext }) {
      // A WebSocket operation has no HTTP request of its own: each gets a new id.
      extendContext({ requestId: context.request ? idOf(context.request) : randomUUID() });
    },
    onResultProcess({ request, result, setResult }) {
      const requestId = idOf(request);
      const withId = (value: { errors?: readonly unknown[] }) =>
        value.errors
          ? {
              ...value,
              errors: value.errors.map((error) =>
                error instanceof GraphQLError
                  ? new GraphQLError(error.message, {
                      nodes: error.nodes,
                      source: error.source,
                      positions: error.positions,
                      path: error.path,
                      originalError: error.originalError,
                      extensions: { ...error.extensions, requestId },
                    })
                  : error,
              ),
            }
          : value;
      if (Array.isArray(result)) setResult(result.map(withId) as never);
      else if (result && typeof result === 'object' && 'errors' in result) setResult(withId(result as never) as never);
    },
    onResponse({ request, response }) {
      response.headers.set('X-Request-Id', idOf(request));
    },
  };
}
