import type { Logger } from '@everjust/core';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * The fixed windows the API counts in, each named after the limit it enforces (TierLimits' names
 * where there is one), with its length in seconds.
 */
export const BUCKET_SECONDS = {
  burstPerSecond: 1,
  requestsPerHour: 3600,
  queryCostPerMinute: 60,
  unauthenticatedPerMinute: 60,
  /** Static preview responses per client IP (a page and its assets: each file is one). */
  previewPerMinute: 60,
} as const;
export type BucketName = keyof typeof BUCKET_SECONDS;

/** Points to take from one counter (`key`: a tenant and mode, or an IP) and the limit they are held to. */
export interface Take {
  bucket: BucketName;
  key: string;
  points: number;
  limit: number;
}

/** A counter after a take. */
export interface BucketCount {
  take: Take;
  /** Points taken in this window, this take included. */
  consumed: number;
  remaining: number;
  msBeforeReset: number;
  /** This take went over the limit (a take of 0 points only reads, and is never refused). */
  refused: boolean;
}

export interface RateLimits {
  /** Takes every take at once (one round trip to Redis) and says which went over their limit. */
  take(takes: readonly Take[]): Promise<BucketCount[]>;
  /** Gives points back: a refused request is not charged. */
  giveBack(takes: readonly Take[]): Promise<void>;
  /** Where counts go now: `redis-unavailable` means each instance counts in memory until Redis returns. */
  readonly store: 'memory' | 'redis' | 'redis-unavailable';
  close(): Promise<void>;
}

export interface RateLimitsOptions {
  /** Counters in Redis, shared by every instance with the same prefix; in this process's memory without it. */
  redisUrl?: string;
  prefix: string;
  /** How long one Redis call may take before the in-memory insurance answers instead. */
  redisTimeoutMs: number;
  logger: Logger;
}

/**
 * Limits differ per tenant (tiers and per-tenant overrides) while a rate-limiter-flexible limiter
 * has one `points` value, so each window is one uncapped counter and the caller's own limit is
 * compared here (`consumed > limit` is the library's own test). A tenant's new limit thus applies to
 * its current window at once, and there is one limiter per window, not one per limit value.
 */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

/**
 * The rate-limit counters. With Redis, each limiter has an in-memory insurance limiter that answers
 * whenever Redis does not: not connected (`rejectIfRedisNotReady`, no offline queue, so nothing
 * waits for a dead Redis) or not answering within `redisTimeoutMs` (a hung server). The fallback is
 * per call, so counts go back to Redis as soon as the client has reconnected.
 */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const { logger } = options;
  const redis = options.redisUrl ? connect(options.redisUrl, options.redisTimeoutMs, logger) : undefined;
  const limiters = Object.fromEntries(
    (Object.keys(BUCKET_SECONDS) as BucketName[]).map((bucket) => {
      const common = { keyPrefix: `${options.prefix}:rate:${bucket}`, points: UNCAPPED, duration: BUCKET_SECONDS[bucket] };
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({ ...common, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(common) })
        : new RateLimiterMemory(common);
      return [bucket, limiter];
    }),
  ) as Record<BucketName, RateLimiterAbstract>;

  const takeOne = async (take: Take): Promise<BucketCount> => {
    let result: RateLimiterRes;
    try {
      result = await limiters[take.bucket].consume(take.key, take.points);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) {
        // Only when the insurance itself fails: let the request through rather than fail it.
        logger.warn({ err: error, bucket: take.bucket }, 'rate limit counter failed; request let through');
        return { take, consumed: take.points, remaining: take.limit, msBeforeReset: BUCKET_SECONDS[take.bucket] * 1000, refused: false };
      }
      result = error;
    }
    const consumed = result.consumedPoints;
    return {
      take,
      consumed,
      remaining: Math.max(take.limit - consumed, 0),
      msBeforeReset: Math.max(result.msBeforeNext, 0),
      refused: take.points > 0 && consumed > take.limit,
    };
  };

  return {
    take: (takes) => Promise.all(takes.map(takeOne)),
    async giveBack(takes) {
      await Promise.all(
        takes
          .filter((take) => take.points > 0)
          .map((take) =>
            limiters[take.bucket].reward(take.key, take.points).catch((error: unknown) => {
              logger.warn({ err: error, bucket: take.bucket }, 'could not give rate limit points back');
            }),
          ),
      );
    },
    get store() {
      if (!redis) return 'memory';
      return redis.status === 'ready' ? 'redis' : 'redis-unavailable';
    },
    async close() {
      redis?.disconnect();
    },
  };
}

function connect(url: string, timeoutMs: number, logger: Logger): Redis {
  const redis = new Redis(url, {
    // docs/toolchain.md: with the offline queue, calls to a dead Redis wait for it forever.
    enableOfflineQueue: false,
    // A call to a server that accepts but never answers (stopped, overloaded) gives up after this…
    commandTimeout: timeoutMs,
    // …and a connection with no reply for a while is dropped and reconnected, so the calls after it
    // go straight to the insurance (not ready) instead of each waiting `commandTimeout`.
    socketTimeout: Math.max(timeoutMs * 5, 1_000),
    maxRetriesPerRequest: 0,
    // A request's counters are taken in the same tick: one write to Redis for all of them.
    enableAutoPipelining: true,
  });
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  redis.on('ready', () => {
    if (state === 'down') logger.info('rate limits: Redis is back; counting in Redis again');
    state = 'up';
  });
  // ioredis reports every failed reconnect; one line per outage is enough.
  redis.on('error', (error: Error) => {
    if (state !== 'down') logger.warn({ err: error }, 'rate limits: Redis unavailable; each instance counts in memory until it returns');
    state = 'down';
  });
  return redis;
}
