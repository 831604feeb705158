import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { queueDepth } from '@everjust/core';
import type { RequestContext, Services } from './context.js';
import { useConsoleSignIn } from './console/use-console-sign-in.js';
import { createErrorMasker } from './errors.js';
import { attachGraphQLWebSocket } from './graphql-websocket.js';
import { useConsoleStatic } from './console/static.js';
import { useAuthentication } from './plugins/use-authentication.js';
import { useMetrics } from './plugins/use-metrics.js';
import { useRequestLog } from './plugins/use-request-log.js';
import { useQueryCost } from './plugins/use-query-cost.js';
import { useQueryLimits } from './plugins/use-query-limits.js';
import { useRateLimits } from './plugins/use-rate-limits.js';
import { useRequestId } from './plugins/use-request-id.js';
import { useArchiveDownload } from './plugins/use-archive-download.js';
import { useScreenshots } from './plugins/use-screenshots.js';
import { useUploads } from './plugins/use-uploads.js';
import { useWidgetAccess, widgetCors } from './plugins/use-widget-access.js';
import { createPreview } from './preview/preview.js';
import { createRouteLimiter } from './services/request-limits.js';
import { schema } from './schema/index.js';

const PLAYGROUND_QUERY = `# Welcome to the EverJust API.
# Put your secret key in the Headers tab: {"Authorization": "Bearer ej_test_sk_…"}
query Viewer {
  viewer { id name tier mode limits { projects concurrentSessions generationsPerDay } }
  projects(first: 5) { edges { node { id name createdAt } } pageInfo { hasNextPage endCursor } }
}
`;

/** The HTTP face of the API: GraphQL at /graphql (with the GraphiQL playground), health routes. */
export function createApiHandler(services: Services) {
  let draining = false;
  // The routes outside GraphQL (previews, ZIP archives) count in the same buckets as its operations.
  const routeLimiter = services.rateLimits
    ? createRouteLimiter({
        rateLimits: services.rateLimits,
        unauthenticatedPerMinute: services.config.rateLimits.unauthenticatedPerMinute,
        previewPerMinute: services.config.rateLimits.previewPerMinute,
        clientIpHeader: services.config.rateLimits.clientIpHeader,
      })
    : undefined;
  // The preview origin: its HTTP requests through its plugin below, its WebSocket upgrades in `listen`.
  const preview = createPreview(services, routeLimiter);
  const yoga = createYoga<{}, RequestContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Liveness is Yoga's own health check, here at /healthz (the process answers; 200, no key).
    healthCheckEndpoint: '/healthz',
    graphiql: { title: 'EverJust API', defaultQuery: PLAYGROUND_QUERY, headers: '{"Authorization": "Bearer "}' },
    logging: false,
    maskedErrors: { maskError: createErrorMasker(services.logger) },
    // CORS only where a widget may run: a widget token's own origin; secret keys get none.
    cors: widgetCors(services.widgetTokens),
    // requestId and caller are added by their plugins before any resolver runs.
    context: () => ({ services }) as RequestContext,
    // Order matters: the request id first (every later error carries it), health routes and
    // previews before authentication (probes and iframes have no key), shape limits and cost before execution.
    plugins: [
      useRequestId(),
      useRequestLog({ logger: services.logger }),
      useMetrics({
        metrics: services.metrics,
        token: services.config.metricsToken,
        beforeScrape: async () => {
          const depth = await queueDepth(services.prisma);
          for (const [state, count] of Object.entries(depth)) services.metrics.queueDepth.set({ state }, count);
        },
      }),
      // Readiness is Yoga's own check: 200 while the database answers and the process is not draining, 503 otherwise.
      useReadinessCheck({
        endpoint: '/readyz',
        check: async ({ fetchAPI }) => {
          const ready = !draining && (await services.database.ping().catch(() => false));
          return fetchAPI.Response.json({ status: ready ? 'ready' : 'unavailable' }, { status: ready ? 200 : 503 });
        },
      }),
      // Every preview URL (EVERJUST_PREVIEW_URL): static files, proxied sandboxes, the error reporter.
      preview.plugin,
      // ZIP downloads authenticate themselves (a REST route, not a GraphQL operation).
      useArchiveDownload({ prisma: services.prisma, authenticator: services.authenticator, widgetTokens: services.widgetTokens, consoleSessions: services.consoleSessions, limiter: routeLimiter }),
      // Preview check screenshots: a signed link, no key (an <img> shows it), like a preview.
      useScreenshots({ prisma: services.prisma, secret: services.secret, limiter: routeLimiter }),
      // Archive uploads for importProject: also a REST route, with its own body limit (read as it streams).
      useUploads({
        prisma: services.prisma,
        authenticator: services.authenticator,
        maxBytes: services.config.imports.uploadMaxBytes,
        ttlMs: services.config.imports.uploadTtlMs,
        limiter: routeLimiter,
      }),
      // The console's sign-in routes (/console/login, /console/api/*): they set and read its cookie.
      useConsoleSignIn({ prisma: services.prisma, sessions: services.consoleSessions, limiter: routeLimiter }),
      // The console's page and assets (/console/, /console/assets/*): no key, like the playground.
      useConsoleStatic({ publicUrl: services.config.publicUrl, previewUrl: services.config.previewUrl, logger: services.logger }),
      // Widget tokens: checked, then held to the widget's persisted operations, before any parsing.
      useWidgetAccess({ widgetTokens: services.widgetTokens }),
      useAuthentication({ authenticator: services.authenticator, widgetTokens: services.widgetTokens, consoleSessions: services.consoleSessions }),
      ...useQueryLimits({
        maxDepth: services.config.limits.maxQueryDepth,
        maxAliases: services.config.limits.maxAliases,
        maxTokens: services.config.limits.maxTokens,
        maxDirectives: services.config.limits.maxDirectives,
      }),
      useQueryCost({ maxCost: services.config.limits.maxQueryCost }),
      // Rate limits after authentication (they count the caller's tenant; a request it refuses
      // counts per IP) and after the cost plugin (they charge the cost it computed, to operations
      // within maxCost). Health routes and GraphiQL answer earlier, in onRequest: never limited; previews and
      // archives, also earlier, count through routeLimiter.
      ...(services.rateLimits
        ? [useRateLimits({
            rateLimits: services.rateLimits,
            unauthenticatedPerMinute: services.config.rateLimits.unauthenticatedPerMinute,
            clientIpHeader: services.config.rateLimits.clientIpHeader,
          })]
        : []),
    ],
  });
  return {
    yoga,
    services,
    previewUpgrades: preview.upgrades,
    servePreview: preview.serveNode,
    /** Closes the preview proxy's upstream connections (the app is stopping). */
    closePreview: preview.close,
    /** Readiness goes false first on shutdown, so load balancers stop sending traffic. */
    startDraining() {
      draining = true;
    },
  };
}

export interface RunningServer {
  server: Server;
  url: string;
  close(graceMs?: number): Promise<void>;
}

export async function listen(handler: ReturnType<typeof createApiHandler>, port: number, host: string): Promise<RunningServer> {
  // Proxied preview assets are answered before Yoga (api/src/preview/proxy-node.ts); everything else,
  // and whatever that path hands on, goes through Yoga and its plugins.
  const server = createServer((request, response) => {
    handler.servePreview(request, response, () => void handler.yoga(request, response)).catch(() => {
      if (!response.headersSent) void handler.yoga(request, response);
      else response.destroy();
    });
  });
  const webSockets = attachGraphQLWebSocket(handler);
  // One upgrade listener: the preview origin's WebSockets (a dev server's hot reload) are proxied,
  // /graphql is graphql-ws, anything else is refused.
  server.on('upgrade', (request, socket, head) => {
    if (handler.previewUpgrades.handles(request)) return handler.previewUpgrades.upgrade(request, socket, head);
    if (new URL(request.url ?? '/', 'http://api.invalid').pathname === '/graphql') return webSockets.upgrade(request, socket, head);
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    /**
     * Graceful: readiness goes false, WebSocket clients are told to reconnect (1012), new connections
     * are refused, and open HTTP requests get `graceMs` to finish; streams still open then are cut
     * (an SSE stream that ends without `complete` means: resume with afterSeq).
     */
    close: async (graceMs = 0) => {
      handler.startDraining();
      await webSockets.close();
      handler.previewUpgrades.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
