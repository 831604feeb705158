import type { Plugin } from 'graphql-yoga';

export interface HealthRoutesOptions {
  /** `/readyz` answers 200 only while this resolves true (database reachable, not shutting down). */
  isReady: () => Promise<boolean>;
}

/** `/healthz`: the process answers. `/readyz`: it can serve traffic. Neither needs a key. */
export function useHealthRoutes(options: HealthRoutesOptions): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/healthz') {
        endResponse(new fetchAPI.Response(JSON.stringify({ status: 'ok' }), { headers: { 'content-type': 'application/json' } }));
      } else if (url.pathname === '/readyz') {
        const ready = await options.isReady().catch(() => false);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? 'ready' : 'unavailable' }), {
            status: ready ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
  };
}
