import type { ApiKeyScope, Config, Database, KeyMode, Metrics, PrismaClient, PubSub, Tenant } from '@everjust/core';
import type { ApiKeyAuthenticator } from './auth/api-key-authenticator.js';
import type { WidgetTokenAuthenticator } from './auth/widget-token-authenticator.js';
import type { ConsoleSessions } from './console/console-sessions.js';
import type { RateLimits } from './services/rate-limits.js';
import type { Logger } from '@everjust/core';

/** Who is calling: resolved once per request by the authentication plugin. */
export interface Caller {
  tenantId: string;
  mode: KeyMode;
  /** The secret key calling (or the one that minted the widget token); absent for a console session. */
  apiKeyId?: string;
  scopes: ReadonlySet<ApiKeyScope>;
  /** The tenant as of when the key was cached (at most the auth cache TTL old; changes drop it). */
  tenant: Tenant;
  /**
   * Set when the caller is a widget token (then `apiKeyId` is the key that minted it): every read and
   * write is narrowed to this project and end user by the visibility helpers of the schema modules.
   */
  widget?: WidgetGrant;
  /**
   * Set when the caller is a signed-in console (cookie `ej_console`, api/src/console/): it acts as the
   * tenant with every scope of the mode it picked, like a full-scope secret key of that mode.
   */
  console?: { sessionId: string };
}

/** What a widget token grants: one project, one end user, from one origin, until it expires. */
export interface WidgetGrant {
  /** Database id of the project. */
  projectId: string;
  externalUserId: string;
  origin: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** What the token may do beyond building (chosen when it was minted): `deploy` lets the widget deploy its project. */
  permissions: ReadonlySet<WidgetPermission>;
}

/** Extra rights a widget token may carry (`createWidgetToken(input: { permissions })`). */
export type WidgetPermission = 'deploy';

/** Long-lived dependencies, made once in the composition root and shared by every request. */
export interface Services {
  config: Config;
  database: Database;
  prisma: PrismaClient;
  pubsub: PubSub;
  authenticator: ApiKeyAuthenticator;
  /** Verifies widget tokens (`ej_wt_…`) and holds their signing key. */
  widgetTokens: WidgetTokenAuthenticator;
  /** The web console's cookie sessions (sign-in, CSRF, sign-out everywhere). */
  consoleSessions: ConsoleSessions;
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
