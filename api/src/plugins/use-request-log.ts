import type { Logger } from '@everjust/core';
import type { Plugin } from 'graphql-yoga';

export interface RequestLogOptions {
  logger: Logger;
}

/**
 * One structured log line per request: request id, tenant, operation, status and time. Never a
 * header or a body (secrets travel there).
 */
export function useRequestLog(options: RequestLogOptions): Plugin<{ requestId?: string; caller?: { tenantId: string; mode: string } }> {
  const seen = new WeakMap<Request, { started: number; tenantId?: string; mode?: string; operation?: string }>();
  return {
    onRequest({ request }) {
      seen.set(request, { started: performance.now() });
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; caller?: { tenantId: string; mode: string } };
      const entry = context.request && seen.get(context.request);
      if (entry) Object.assign(entry, { tenantId: context.caller?.tenantId, mode: context.caller?.mode, operation: args.operationName ?? undefined });
    },
    onResponse({ request, response }) {
      const entry = seen.get(request);
      const url = new URL(request.url);
      if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/metrics') return;
      options.logger.info(
        {
          requestId: response.headers.get('x-request-id') ?? undefined,
          tenantId: entry?.tenantId,
          mode: entry?.mode,
          operation: entry?.operation,
          method: request.method,
          path: url.pathname.startsWith('/preview/') ? '/preview/…' : url.pathname,
          status: response.status,
          ms: entry ? Math.round(performance.now() - entry.started) : undefined,
        },
        'request',
      );
    },
  };
}
