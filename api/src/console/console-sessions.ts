import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  API_KEY_SCOPES,
  AuthenticationError,
  CsrfError,
  hashSecret,
  ValidationError,
  type KeyMode,
  type Logger,
  type PrismaClient,
  type PubSub,
  type Tenant,
} from '@everjust/core';
import { TENANT_CHANGED_CHANNEL } from '../auth/api-key-authenticator.js';
import { grantedScopes } from '../auth/scopes.js';
import { TtlCache } from '../auth/ttl-cache.js';
import type { Caller } from '../context.js';

/** The console's session cookie: its value is the session's secret (the database keeps its SHA-256). */
export const CONSOLE_COOKIE = 'ej_console';
/** The header every console request that changes or reads through the API carries (see `csrfTokenFor`). */
export const CSRF_HEADER = 'x-everjust-csrf';
/** `live` (the default) or `test`: which world the console looks at, like Stripe's toggle. */
export const MODE_HEADER = 'x-everjust-mode';
/**
 * Published when console sessions are revoked, so every instance drops them from its cache at once:
 * `session:<id>` for one, `tenant:<id>` for all of a tenant's.
 */
export const CONSOLE_SESSIONS_REVOKED_CHANNEL = 'everjust:console-sessions-revoked';

const COOKIE_VALUE_PATTERN = /^ej_cs_[A-Za-z0-9_-]{43}$/;
/** Sessions remembered at most per instance (the least recently used go first). */
const MAX_CACHED_SESSIONS = 10_000;
/** Every scope a full-scope secret key has: the console acts as the tenant. */
const CONSOLE_SCOPES = grantedScopes(API_KEY_SCOPES);

export interface ConsoleSession {
  id: string;
  tenantId: string;
  /** The tenant as of when the session was cached (tenant changes drop it). */
  tenant: Tenant;
  expiresAt: Date;
}

export interface ConsoleSessionsOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  /** EVERJUST_SECRET: keys the CSRF tokens. */
  secret: string;
  /** The API's public address: its origin is the console's own. */
  publicUrl: string;
  sessionTtlMs: number;
  cacheTtlMs: number;
  now?: () => number;
}

/**
 * Console sign-ins: cookie sessions that act as their tenant. A session is found by the SHA-256 of the
 * cookie's value and cached for the auth cache's TTL; revoking one (sign out) or all of a tenant's
 * (sign out everywhere) drops them on every instance at once through pub/sub, as key revocation does.
 * The cookie alone is never enough for the API: a request also carries the session's CSRF token (an
 * HMAC of the cookie value, which only the console's own page can read, from `/console/api/session`)
 * and, when the browser says where it comes from (`Origin`), it must be the API's own origin.
 */
export class ConsoleSessions {
  private readonly cache: TtlCache<ConsoleSession>;
  private readonly now: () => number;
  /** Bumped by every revocation or tenant change heard here (see ApiKeyAuthenticator.generation). */
  private generation = 0;
  private unsubscribe?: () => Promise<void>;
  private readonly ownOrigin: string;

  constructor(private readonly options: ConsoleSessionsOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new TtlCache({ ttlMs: options.cacheTtlMs, max: MAX_CACHED_SESSIONS, now: this.now });
    this.ownOrigin = new URL(options.publicUrl).origin;
  }

  async start(): Promise<void> {
    const revoked = await this.options.pubsub.subscribe(CONSOLE_SESSIONS_REVOKED_CHANNEL, (message) => this.dropRevoked(message));
    const changed = await this.options.pubsub.subscribe(TENANT_CHANGED_CHANNEL, (tenantId) => this.forget((session) => session.tenantId === tenantId));
    // Revocations broadcast while Redis was away never arrived: every cached session is read again.
    const reconnected = this.options.pubsub.onReconnect(() => this.forget(() => true));
    this.unsubscribe = async () => {
      reconnected();
      await revoked();
      await changed();
    };
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.cache.clear();
  }

  /** Starts a session for a tenant: the cookie value (shown to the browser only) and when it ends. */
  async create(tenantId: string): Promise<{ cookieValue: string; session: { id: string; expiresAt: Date } }> {
    const cookieValue = `ej_cs_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(this.now() + this.options.sessionTtlMs);
    const session = await this.options.prisma.consoleSession.create({
      data: { tenantId, hash: hashSecret(cookieValue), expiresAt },
      select: { id: true, expiresAt: true },
    });
    return { cookieValue, session };
  }

  /** The live session a cookie value names, or null (unknown, expired, revoked, malformed). */
  async find(cookieValue: string | undefined): Promise<ConsoleSession | null> {
    if (!cookieValue || !COOKIE_VALUE_PATTERN.test(cookieValue)) return null;
    const hash = hashSecret(cookieValue);
    // Keyed by the hash itself: a hit is this cookie's session.
    const cached = this.cache.get(hash);
    if (cached) return this.unexpired(cached);
    for (let attempt = 1; ; attempt++) {
      const generation = this.generation;
      const row = await this.options.prisma.consoleSession.findUnique({ where: { hash }, include: { tenant: true } });
      if (!row || row.revokedAt) return null;
      const session: ConsoleSession = { id: row.id, tenantId: row.tenantId, tenant: row.tenant, expiresAt: row.expiresAt };
      // A revocation heard during the read may postdate the row: read again rather than cache it.
      if (generation === this.generation) {
        this.cache.set(hash, session);
        return this.unexpired(session);
      }
      if (attempt === 3) return this.unexpired(session);
    }
  }

  private unexpired(session: ConsoleSession): ConsoleSession | null {
    return session.expiresAt.getTime() > this.now() ? session : null;
  }

  /** The CSRF token of a session: derived from its cookie value, so it needs no storage and dies with it. */
  csrfTokenFor(cookieValue: string): string {
    return createHmac('sha256', `console-csrf:${this.options.secret}`).update(cookieValue).digest('base64url');
  }

  /** Whether a request carries its session's CSRF token and, if it names an origin, comes from ours. */
  checkRequest(request: Request, cookieValue: string): { ok: true } | { ok: false; message: string } {
    if (!this.fromOwnOrigin(request)) {
      return { ok: false, message: 'The console session is accepted only from the console\'s own origin' };
    }
    const given = Buffer.from(request.headers.get(CSRF_HEADER) ?? '');
    const expected = Buffer.from(this.csrfTokenFor(cookieValue));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, message: `The console session needs its CSRF token in the ${CSRF_HEADER} header (from /console/api/session)` };
    }
    return { ok: true };
  }

  /**
   * True unless the request's `Origin` names another origin than the API's own: the public URL's, or
   * the one the request was addressed to (the same host behind a proxy that keeps Host). A cookie set
   * for this host is never sent with a request to another host, so a page elsewhere cannot pass this
   * check by pointing a name of its own at us.
   */
  fromOwnOrigin(request: Request): boolean {
    const origin = request.headers.get('origin');
    return origin === null || origin === this.ownOrigin || origin === new URL(request.url).origin;
  }

  /**
   * The GraphQL caller for a request with a console cookie (and no Authorization header): the tenant,
   * every scope, in the mode `X-EverJust-Mode` picks (`live` by default). Throws UNAUTHENTICATED for
   * a cookie that names no live session, CSRF_FAILED for a missing token or a foreign origin.
   */
  async authenticateRequest(request: Request, cookieValue: string): Promise<Caller> {
    const session = await this.find(cookieValue);
    if (!session) throw new AuthenticationError('The console session has ended (expired or signed out): sign in again with a new console link');
    const check = this.checkRequest(request, cookieValue);
    if (!check.ok) throw new CsrfError(check.message);
    return { tenantId: session.tenantId, tenant: session.tenant, mode: modeOf(request), scopes: CONSOLE_SCOPES, console: { sessionId: session.id } };
  }

  /** Signs one session out, here and on every instance. */
  async revoke(sessionId: string): Promise<void> {
    await this.options.prisma.consoleSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date(this.now()) } });
    await this.announce(`session:${sessionId}`);
  }

  /** Signs every console session of a tenant out, here and on every instance. */
  async revokeTenant(tenantId: string): Promise<void> {
    await this.options.prisma.consoleSession.updateMany({ where: { tenantId, revokedAt: null }, data: { revokedAt: new Date(this.now()) } });
    await this.announce(`tenant:${tenantId}`);
  }

  private async announce(message: string): Promise<void> {
    this.dropRevoked(message);
    try {
      await this.options.pubsub.publish(CONSOLE_SESSIONS_REVOKED_CHANNEL, message);
    } catch (error) {
      // Other instances still drop it when their cache entry expires.
      this.options.logger.warn({ err: error, message }, 'could not broadcast a console sign-out');
    }
  }

  private dropRevoked(message: string): void {
    const [kind, id] = message.split(':');
    if (kind === 'session') this.forget((session) => session.id === id);
    else if (kind === 'tenant') this.forget((session) => session.tenantId === id);
  }

  private forget(matches: (session: ConsoleSession) => boolean): void {
    this.generation++;
    this.cache.deleteWhere(matches);
  }
}

/** `X-EverJust-Mode`: `live` when absent; anything but live or test is BAD_USER_INPUT. */
function modeOf(request: Request): KeyMode {
  const value = request.headers.get(MODE_HEADER)?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'live') return 'live';
  if (value === 'test') return 'test';
  throw new ValidationError(`${MODE_HEADER} must be live or test`);
}

/** The value of one cookie of a Cookie header, or undefined. */
export function cookieOf(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
