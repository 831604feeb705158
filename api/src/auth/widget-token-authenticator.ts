import {
  AuthenticationError,
  decodeIdOf,
  PermissionError,
  type ApiKey,
  type ApiKeyScope,
  type Logger,
  type PrismaClient,
  type PubSub,
  type Tenant,
} from '@everjust/core';
import type { Caller } from '../context.js';
import { isLoopbackOrigin, isOriginAllowed } from './allowed-origins.js';
import { grantedScopes } from './scopes.js';
import { API_KEY_REVOKED_CHANNEL, TENANT_CHANGED_CHANNEL } from './api-key-authenticator.js';
import { TtlCache } from './ttl-cache.js';
import { bearerOf, verifyWidgetToken, widgetTokenKey } from './widget-tokens.js';

/**
 * What a widget token may do: its own operations only (the persisted list narrows it further). A key
 * mints a token only when it holds all of these itself; a token's scopes are also cut, at every
 * request, to those its minting key holds, so no token ever outgrows the key that minted it.
 */
export const WIDGET_SCOPES: ReadonlySet<ApiKeyScope> = new Set<ApiKeyScope>(['projects:read', 'sessions:read', 'sessions:write']);

export interface WidgetTokenAuthenticatorOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  /** EVERJUST_SECRET: the token signing key is derived from it. */
  secret: string;
  /** Embedded mode: loopback origins are allowed by default. */
  embedded: boolean;
  /** How long a minting key (with its tenant) and an origin lookup are cached. */
  cacheTtlMs: number;
  now?: () => number;
}

type MintingKey = ApiKey & { tenant: Tenant };

/** Minting keys and origins remembered at most (the least recently used go first: Origin headers are the client's to choose). */
const MAX_CACHED_KEYS = 10_000;
const MAX_CACHED_ORIGINS = 1_000;

/**
 * Turns a widget token into a `Caller` bound to one project, end user and origin. A request passes
 * when the token verifies (else UNAUTHENTICATED, 401), its `Origin` header is the token's origin and
 * the tenant still allows that origin (else FORBIDDEN, 403), and the secret key that minted it is not
 * revoked (else UNAUTHENTICATED). Minting keys and their tenants are cached like secret keys are, and
 * dropped on every instance when a key is revoked or a tenant changes.
 */
export class WidgetTokenAuthenticator {
  /** The HS256 key that signs and verifies widget tokens. */
  readonly signingKey: Uint8Array;
  private readonly keys: TtlCache<MintingKey>;
  /** Whether some tenant allows an origin. */
  private readonly origins: TtlCache<{ known: boolean }>;
  /** Bumped by every revocation or tenant change heard here: a key lookup that sees it move reads again. */
  private generation = 0;
  /** One verification per HTTP request, shared by the plugins that ask (params, context, CORS). */
  private readonly byRequest = new WeakMap<Request, Promise<Caller>>();
  private unsubscribe?: () => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: WidgetTokenAuthenticatorOptions) {
    this.signingKey = widgetTokenKey(options.secret);
    this.now = options.now ?? Date.now;
    this.keys = new TtlCache({ ttlMs: options.cacheTtlMs, max: MAX_CACHED_KEYS, now: this.now });
    this.origins = new TtlCache({ ttlMs: options.cacheTtlMs, max: MAX_CACHED_ORIGINS, now: this.now });
  }

  get embedded(): boolean {
    return this.options.embedded;
  }

  async start(): Promise<void> {
    const revoked = await this.options.pubsub.subscribe(API_KEY_REVOKED_CHANNEL, (apiKeyId) => {
      this.generation++;
      this.keys.delete(apiKeyId);
    });
    const changed = await this.options.pubsub.subscribe(TENANT_CHANGED_CHANNEL, (tenantId) => {
      this.generation++;
      this.keys.deleteWhere((apiKey) => apiKey.tenantId === tenantId);
      this.origins.clear();
    });
    // What was broadcast while Redis was away never arrived: keys and origins are read again.
    const reconnected = this.options.pubsub.onReconnect(() => {
      this.generation++;
      this.keys.clear();
      this.origins.clear();
    });
    this.unsubscribe = async () => {
      reconnected();
      await revoked();
      await changed();
    };
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.keys.clear();
    this.origins.clear();
  }

  /** The caller of an HTTP request that carries a widget token; verified once per request. */
  authenticateRequest(request: Request): Promise<Caller> {
    let caller = this.byRequest.get(request);
    if (!caller) {
      caller = this.authenticate(bearerOf(request.headers.get('authorization')) ?? '', request.headers.get('origin'));
      // Callers that only peek (CORS) must not leave an unhandled rejection behind.
      caller.catch(() => undefined);
      this.byRequest.set(request, caller);
    }
    return caller;
  }

  async authenticate(token: string, origin: string | null): Promise<Caller> {
    const claims = await verifyWidgetToken(this.signingKey, token, this.now());
    if (origin !== claims.origin) {
      throw new PermissionError(
        origin
          ? `This widget token is for ${claims.origin}; this request came from ${origin}`
          : `This widget token is for ${claims.origin}; this request has no Origin header`,
        { reason: 'WRONG_ORIGIN' },
      );
    }
    const tenantId = safeDecode('Tenant', claims.tenantId);
    const projectId = safeDecode('Project', claims.projectId);
    const apiKeyId = safeDecode('ApiKey', claims.apiKeyId);
    const apiKey = await this.mintingKey(apiKeyId);
    if (!apiKey || apiKey.revokedAt) throw new AuthenticationError('The API key that minted this widget token has been revoked');
    if (apiKey.tenantId !== tenantId || apiKey.mode !== claims.mode) throw new AuthenticationError('This widget token is not valid');
    if (!isOriginAllowed(apiKey.tenant, origin, { embedded: this.options.embedded })) {
      throw new PermissionError(`${origin} is no longer among the tenant's allowed origins`, { reason: 'ORIGIN_NOT_ALLOWED' });
    }
    return {
      tenantId,
      mode: claims.mode,
      apiKeyId,
      scopes: widgetScopesOf(apiKey.scopes),
      tenant: apiKey.tenant,
      widget: { projectId, externalUserId: claims.externalUserId, origin, expiresAt: claims.expiresAt, permissions: new Set(claims.permissions ?? []) },
    };
  }

  /**
   * Whether some tenant allows `origin` (or, embedded, it is loopback). Only for CORS preflights,
   * which carry no token: the real check is per token, on the request that follows.
   */
  async isKnownOrigin(origin: string): Promise<boolean> {
    if (this.options.embedded && isLoopbackOrigin(origin)) return true;
    const cached = this.origins.get(origin);
    if (cached) return cached.known;
    const tenant = await this.options.prisma.tenant.findFirst({ where: { allowedOrigins: { has: origin } }, select: { id: true } });
    this.origins.set(origin, { known: tenant !== null });
    return tenant !== null;
  }

  private async mintingKey(apiKeyId: string): Promise<MintingKey | null> {
    const cached = this.keys.get(apiKeyId);
    if (cached) return cached;
    // A revocation heard while the row was being read may have committed after the read: read again
    // (at most three times) rather than cache a row older than the revocation for a whole TTL.
    for (let attempt = 1; ; attempt++) {
      const generation = this.generation;
      const apiKey = await this.options.prisma.apiKey.findUnique({ where: { id: apiKeyId }, include: { tenant: true } });
      if (generation !== this.generation && attempt < 3) continue;
      if (!apiKey) {
        this.keys.delete(apiKeyId);
        return null;
      }
      if (generation === this.generation) this.keys.set(apiKeyId, apiKey);
      return apiKey;
    }
  }
}

/** The widget scopes the minting key holds (all of them, for any token minted as createWidgetToken does). */
function widgetScopesOf(mintingKeyScopes: readonly string[]): ReadonlySet<ApiKeyScope> {
  const granted = grantedScopes(mintingKeyScopes);
  return new Set([...WIDGET_SCOPES].filter((scope) => granted.has(scope)));
}

/** A claim's global id as a database id; a token that verified but names nothing sane is not valid. */
function safeDecode(typename: string, globalId: string): string {
  let id: string | null = null;
  try {
    id = decodeIdOf(typename, globalId);
  } catch {
    // falls through
  }
  if (!id) throw new AuthenticationError('This widget token is not valid');
  return id;
}
