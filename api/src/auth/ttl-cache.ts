import { LRUCache } from 'lru-cache';

/**
 * The authenticators' caches: bounded (the least recently used entry goes first once `max` are held,
 * so a flood of new keys or Origin headers, which clients choose, cannot grow memory or empty the
 * cache for everyone), and each entry expires `ttlMs` after it was set. A `ttlMs` of 0 keeps nothing,
 * as `EVERJUST_AUTH_CACHE_TTL_MS=0` means. `now` is the clock tests may replace.
 */
export class TtlCache<V extends {}> extends LRUCache<string, V> {
  readonly #keeps: boolean;

  constructor(options: { ttlMs: number; max: number; now?: () => number }) {
    super({ max: options.max, ttl: Math.max(options.ttlMs, 1), ...(options.now ? { perf: { now: options.now } } : {}) });
    this.#keeps = options.ttlMs > 0;
  }

  override set(key: string, value: V, setOptions?: LRUCache.SetOptions<string, V, unknown>): this {
    return this.#keeps ? super.set(key, value, setOptions) : this;
  }

  /** Drops every entry `matches` picks (collected first: the cache is not changed while it is walked). */
  deleteWhere(matches: (value: V) => boolean): void {
    const doomed = [...this.entries()].filter(([, value]) => matches(value)).map(([key]) => key);
    for (const key of doomed) this.delete(key);
  }
}
