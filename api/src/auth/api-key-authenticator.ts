import {
  AuthenticationError,
  hashSecret,
  hashesEqual,
  parseSecretKey,
  type Logger,
  type PrismaClient,
  type PubSub,
} from '@everjust/core';
import type { Caller } from '../context.js';
import { TtlCache } from './ttl-cache.js';
import { grantedScopes } from './scopes.js';

/** Published when a key is revoked, so every instance drops it from its cache at once. */
export const API_KEY_REVOKED_CHANNEL = 'everjust:api-key-revoked';
/** Published when a tenant changes (name, tier, origins, limits), so cached copies are dropped. */
export const TENANT_CHANGED_CHANNEL = 'everjust:tenant-changed';

/** A caller authenticated by a secret key: its key is known. */
export type KeyCaller = Caller & { apiKeyId: string };

interface CacheEntry {
  caller: KeyCaller;
  hash: string;
}

/** Keys remembered at most per instance (the least recently used go first). */
const MAX_CACHED_KEYS = 10_000;

export interface ApiKeyAuthenticatorOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  cacheTtlMs: number;
  lastUsedIntervalMs: number;
  now?: () => number;
}

/**
 * Turns a bearer secret into a `Caller`. Keys are looked up by their SHA-256 (the secret is never
 * stored), the hash is compared in constant time, and the result is cached for `cacheTtlMs`.
 * Revocation drops the cache entry on every instance through pub/sub; `lastUsedAt` is written at most
 * once per `lastUsedIntervalMs` per key.
 */
export class ApiKeyAuthenticator {
  private readonly cache: TtlCache<CacheEntry>;
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly revocationListeners = new Set<(apiKeyId: string) => void>();
  /**
   * Bumped by every revocation or tenant change heard here. A lookup that sees it move read a row that
   * may predate the change (the revocation committed and was broadcast while the lookup was in flight):
   * it reads again rather than cache that row for a whole TTL.
   */
  private generation = 0;
  private unsubscribe?: () => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new TtlCache({ ttlMs: options.cacheTtlMs, max: MAX_CACHED_KEYS, now: this.now });
  }

  /** Listens for revocations and tenant changes published by any instance (this one included). */
  async start(): Promise<void> {
    const revoked = await this.options.pubsub.subscribe(API_KEY_REVOKED_CHANNEL, (apiKeyId) => this.dropKey(apiKeyId));
    const changed = await this.options.pubsub.subscribe(TENANT_CHANGED_CHANNEL, (tenantId) => this.forget((entry) => entry.caller.tenantId === tenantId));
    // Revocations broadcast while Redis was away never arrived: every cached key is read again.
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
    this.revocationListeners.clear();
  }

  /**
   * Calls `listener` with the id of every key revoked on any instance (the graphql-ws server closes
   * that key's sockets). It may hear one revocation more than once. Returns the function that stops it.
   */
  onRevoked(listener: (apiKeyId: string) => void): () => void {
    this.revocationListeners.add(listener);
    return () => void this.revocationListeners.delete(listener);
  }

  async authenticate(authorization: string | null | undefined): Promise<KeyCaller> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new AuthenticationError();
    const secret = match[1];
    if (!parseSecretKey(secret)) throw new AuthenticationError('Malformed API key: expected ej_live_sk_… or ej_test_sk_…');
    const hash = hashSecret(secret);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && hashesEqual(cached.hash, hash)) {
      this.touch(cached.caller.apiKeyId, now);
      return cached.caller;
    }
    const { key, current } = await this.lookUp(hash);
    if (!key || !hashesEqual(key.hash, hash) || key.revokedAt) {
      this.cache.delete(hash);
      throw new AuthenticationError(key?.revokedAt ? 'This API key has been revoked' : 'Unknown API key');
    }
    const caller: KeyCaller = {
      tenantId: key.tenantId,
      mode: key.mode,
      apiKeyId: key.id,
      scopes: grantedScopes(key.scopes),
      tenant: key.tenant,
    };
    if (current) this.cache.set(hash, { caller, hash });
    this.touch(key.id, now);
    return caller;
  }

  /**
   * The key row (with its tenant: `viewer` and the limits read it from here, not from another query),
   * read again while a revocation or tenant change arrives during the read. `current` is false when
   * changes kept arriving: that row answers this request but is not cached.
   */
  private async lookUp(hash: string) {
    for (let attempt = 1; ; attempt++) {
      const generation = this.generation;
      const key = await this.options.prisma.apiKey.findUnique({ where: { hash }, include: { tenant: true } });
      if (generation === this.generation) return { key, current: true };
      if (attempt === 3) return { key, current: false };
    }
  }

  /** Drops a revoked key here, then tells every other instance. */
  async revoked(apiKeyId: string): Promise<void> {
    this.dropKey(apiKeyId);
    await this.broadcast(API_KEY_REVOKED_CHANNEL, apiKeyId);
  }

  /** Drops cached copies of a tenant that changed, here and on every other instance. */
  async tenantChanged(tenantId: string): Promise<void> {
    this.forget((entry) => entry.caller.tenantId === tenantId);
    await this.broadcast(TENANT_CHANGED_CHANNEL, tenantId);
  }

  private async broadcast(channel: string, id: string): Promise<void> {
    try {
      await this.options.pubsub.publish(channel, id);
    } catch (error) {
      // Other instances still drop it when their cache entry expires.
      this.options.logger.warn({ err: error, channel, id }, 'could not broadcast a cache invalidation');
    }
  }

  private dropKey(apiKeyId: string): void {
    this.forget((entry) => entry.caller.apiKeyId === apiKeyId);
    for (const listener of this.revocationListeners) {
      try {
        listener(apiKeyId);
      } catch (error) {
        this.options.logger.warn({ err: error, apiKeyId }, 'a revocation listener failed');
      }
    }
  }

  private forget(matches: (entry: CacheEntry) => boolean): void {
    this.generation++;
    this.cache.deleteWhere(matches);
  }

  /** Records use without slowing the request: at most once per interval, checked here and in SQL. */
  private touch(apiKeyId: string, now: number): void {
    const interval = this.options.lastUsedIntervalMs;
    const last = this.lastUsedWrites.get(apiKeyId);
    if (last !== undefined && now - last < interval) return;
    this.lastUsedWrites.set(apiKeyId, now);
    const threshold = new Date(now - interval);
    // The WHERE clause keeps the once-per-interval promise across instances too.
    this.options.prisma.apiKey
      .updateMany({
        where: { id: apiKeyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: threshold } }] },
        data: { lastUsedAt: new Date(now) },
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, apiKeyId }, 'could not record lastUsedAt'));
  }
}
