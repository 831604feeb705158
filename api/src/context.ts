import type { ApiKeyScope, Config, Database, KeyMode, Metrics, PrismaClient, PubSub, Tenant } from '@everjust/core';
import type { ApiKeyAuthenticator } from './auth/api-key-authenticator.js';
import type { RateLimits } from './services/rate-limits.js';
import type { Logger } from '@everjust/core';

/** Who is calling: resolved once per request by the authentication plugin. */
export interface Caller {
  tenantId: string;
  mode: KeyMode;
  apiKeyId: string;
  scopes: ReadonlySet<ApiKeyScope>;
  /** The tenant as of when the key was cached (at most the auth cache TTL old; changes drop it). */
  tenant: Tenant;
}

/** Long-lived dependencies, made once in the composition root and shared by every request. */
export interface Services {
  config: Config;
  database: Database;
  prisma: PrismaClient;
  pubsub: PubSub;
  authenticator: ApiKeyAuthenticator;
  /** EVERJUST_SECRET (or the embedded one): signs preview links and widget tokens. */
  secret: string;
  metrics: Metrics;
  logger: Logger;
  /** Rate-limit counters (Redis when configured); absent with EVERJUST_RATE_LIMITS=off. */
  rateLimits?: RateLimits;
}

/** The GraphQL context of one request. */
export interface RequestContext {
  requestId: string;
  services: Services;
  /** Set by `useAuthentication` before any resolver runs; every operation requires it. */
  caller: Caller;
}
