import { createMetrics, resolveSecret, type Config, type Database, type Logger, type Metrics, type PubSub } from '@everjust/core';
import { ApiKeyAuthenticator } from './auth/api-key-authenticator.js';
import { WidgetTokenAuthenticator } from './auth/widget-token-authenticator.js';
import { ConsoleSessions } from './console/console-sessions.js';
import type { Services } from './context.js';
import { createRateLimits } from './services/rate-limits.js';
import { createApiHandler } from './server.js';

export interface AppDependencies {
  config: Config;
  database: Database;
  pubsub: PubSub;
  logger: Logger;
  /** The process's metrics (shared with an in-process worker); made here when not given. */
  metrics?: Metrics;
}

/**
 * Wires the API's parts from the process-level dependencies. `main.ts` (the composition root) and the
 * tests build the same app from the same function, so tests run the real plugin chain.
 */
export async function createApp(dependencies: AppDependencies) {
  const { config, database, pubsub, logger } = dependencies;
  const authenticator = new ApiKeyAuthenticator({
    prisma: database.prisma,
    pubsub,
    logger,
    cacheTtlMs: config.auth.cacheTtlMs,
    lastUsedIntervalMs: config.auth.lastUsedIntervalMs,
  });
  await authenticator.start();
  // Each app its own Redis connection; apps with the same prefix share the counters.
  const rateLimits = config.rateLimits.enabled
    ? createRateLimits({ redisUrl: config.redisUrl, prefix: config.rateLimits.prefix, redisTimeoutMs: config.rateLimits.redisTimeoutMs, logger })
    : undefined;
  const metrics = dependencies.metrics ?? createMetrics({ collectDefaults: false });
  const secret = resolveSecret(config);
  const widgetTokens = new WidgetTokenAuthenticator({ prisma: database.prisma, pubsub, logger, secret, embedded: config.embedded, cacheTtlMs: config.auth.cacheTtlMs });
  await widgetTokens.start();
  const consoleSessions = new ConsoleSessions({
    prisma: database.prisma,
    pubsub,
    logger,
    secret,
    publicUrl: config.publicUrl,
    sessionTtlMs: config.console.sessionTtlMs,
    cacheTtlMs: config.auth.cacheTtlMs,
  });
  await consoleSessions.start();
  const services: Services = { config, database, prisma: database.prisma, pubsub, authenticator, widgetTokens, consoleSessions, logger, secret, rateLimits, metrics };
  const handler = createApiHandler(services);
  return {
    services,
    handler,
    /** Answers a request without a socket (`yoga.fetch`), as tests do. */
    fetch: (input: string, init?: RequestInit) => handler.yoga.fetch(new Request(input, init)),
    async stop() {
      handler.startDraining();
      handler.closePreview();
      await authenticator.stop();
      await widgetTokens.stop();
      await consoleSessions.stop();
      await rateLimits?.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
