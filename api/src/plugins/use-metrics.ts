import type { IncomingMessage } from 'node:http';
import { metricsAccess, METRICS_UNAUTHORIZED_MESSAGE, type Metrics } from '@everjust/core';
import type { Plugin } from 'graphql-yoga';

export interface MetricsOptions {
  metrics: Metrics;
  /** Refreshes gauges that are read from elsewhere (queue depth) just before a scrape. */
  beforeScrape?: () => Promise<void>;
  /**
   * At most one `beforeScrape` per this many ms (default 5,000): scrapes in between serve the last
   * figures, so a flood of scrapes costs one queue count every few seconds, not one each.
   */
  refreshIntervalMs?: number;
  /** `EVERJUST_METRICS_TOKEN`: scrapes then need it as a bearer token; unset, only loopback clients (see `metricsAccess`). */
  token?: string;
}

const routeOf = (pathname: string) =>
  pathname === '/graphql' ? 'graphql' : pathname.startsWith('/preview/') ? 'preview' : pathname === '/healthz' || pathname === '/readyz' ? 'health' : pathname === '/metrics' ? 'metrics' : 'other';

/** Prometheus metrics: `/metrics` serves them; every response is counted and timed by route. */
export function useMetrics(options: MetricsOptions): Plugin {
  const started = new WeakMap<Request, number>();
  const refreshIntervalMs = options.refreshIntervalMs ?? 5_000;
  // The refresh in flight or last done, and when it started: concurrent scrapes share it.
  let refresh: { at: number; done: Promise<void> } | undefined;
  const refreshed = () => {
    if (!options.beforeScrape) return Promise.resolve();
    const now = performance.now();
    if (!refresh || now - refresh.at >= refreshIntervalMs) refresh = { at: now, done: options.beforeScrape().catch(() => undefined) };
    return refresh.done;
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      started.set(request, performance.now());
      if (url.pathname !== '/metrics') return;
      // Checked before the refresh: a refused scrape costs no queue count.
      const remoteAddress = (serverContext as { req?: IncomingMessage }).req?.socket.remoteAddress;
      if (metricsAccess({ token: options.token, authorization: request.headers.get('authorization'), remoteAddress }) !== 'allowed') {
        return endResponse(
          fetchAPI.Response.json({ errors: [{ message: METRICS_UNAUTHORIZED_MESSAGE, extensions: { code: 'UNAUTHENTICATED' } }] }, { status: 401, headers: { 'www-authenticate': 'Bearer' } }),
        );
      }
      await refreshed();
      endResponse(new fetchAPI.Response(await options.metrics.registry.metrics(), { headers: { 'content-type': options.metrics.registry.contentType } }));
    },
    onResponse({ request, response, serverContext }) {
      const start = started.get(request);
      const route = routeOf(new URL(request.url).pathname);
      options.metrics.httpRequests.inc({ route, status: String(response.status) });
      if (start !== undefined) options.metrics.httpDuration.observe({ route }, (performance.now() - start) / 1000);
      void serverContext;
    },
  };
}
