import type { IncomingMessage } from 'node:http';
import { limitsFor, RateLimitedError } from '@everjust/core';
import type { Caller } from '../context.js';
import { BUCKET_SECONDS, type BucketCount, type RateLimits, type Take } from './rate-limits.js';

/**
 * What every rate-limited route shares: the takes of one request, the client's address, the refusal
 * and the `RateLimit-*` headers. GraphQL operations use it through `useRateLimits`; the routes outside
 * GraphQL (ZIP archives, static previews) through a `RouteLimiter`.
 */

/** One request from the caller's tenant and mode: the per-second burst and, where the tier has one, the hour. */
export function requestTakes(caller: Caller): Take[] {
  const limits = limitsFor(caller.tenant, caller.mode);
  const key = `${caller.tenantId}:${caller.mode}`;
  const takes: Take[] = [{ bucket: 'burstPerSecond', key, points: 1, limit: limits.burstPerSecond }];
  if (limits.requestsPerHour !== null) takes.push({ bucket: 'requestsPerHour', key, points: 1, limit: limits.requestsPerHour });
  return takes;
}

/**
 * The client's address: the trusted proxy's header when configured (App Platform: `do-connecting-ip`),
 * else the socket's. Served by node:http, Yoga's server context has the socket; `yoga.fetch` has none.
 */
export function clientIpOf(request: Request, serverContext: unknown, clientIpHeader?: string): string {
  const forwarded = clientIpHeader ? request.headers.get(clientIpHeader)?.split(',')[0]?.trim() : undefined;
  return forwarded || ((serverContext as { req?: IncomingMessage } | undefined)?.req?.socket.remoteAddress ?? 'local');
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** The error for refused counts: retry once the longest-waiting of them has reset. */
export function refusalOf(counts: BucketCount[]): RateLimitedError {
  const refused = counts.filter((count) => count.refused).sort((a, b) => b.msBeforeReset - a.msBeforeReset)[0];
  return new RateLimitedError(Math.max(seconds(refused.msBeforeReset), 1), { limit: refused.take.bucket, max: refused.take.limit });
}

/** `RateLimit-*` of the bucket closest to refusing (the one that refused, else the smallest share left); the policy lists all. */
export function rateLimitHeaders(counts: BucketCount[]): Record<string, string> {
  const share = (count: BucketCount) => (count.take.limit > 0 ? count.remaining / count.take.limit : 0);
  const [shown] = [...counts].sort(
    (a, b) => Number(b.refused) - Number(a.refused) || share(a) - share(b) || b.msBeforeReset - a.msBeforeReset,
  );
  const policies = new Set(counts.map((count) => `${count.take.limit};w=${BUCKET_SECONDS[count.take.bucket]}`));
  return {
    'RateLimit-Limit': String(shown.take.limit),
    'RateLimit-Remaining': String(shown.remaining),
    'RateLimit-Reset': String(seconds(shown.msBeforeReset)),
    'RateLimit-Policy': [...policies].join(', '),
  };
}

/** A route's verdict: refused (answer 429 with the error) or not; the headers go on the response either way. */
export interface RouteLimit {
  refusal?: RateLimitedError;
  headers: Record<string, string>;
}

/** Rate limits for routes outside GraphQL, which answer before `useRateLimits` would see them. */
export interface RouteLimiter {
  /** One request from the caller's tenant buckets, as a GraphQL request takes. */
  forCaller(caller: Caller): Promise<RouteLimit>;
  /** One request from a per-client-IP bucket: requests without a valid credential, or preview page loads. */
  forClient(bucket: 'unauthenticatedPerMinute' | 'previewPerMinute', request: Request, serverContext: unknown): Promise<RouteLimit>;
}

export interface RouteLimiterOptions {
  rateLimits: RateLimits;
  unauthenticatedPerMinute: number;
  previewPerMinute: number;
  clientIpHeader?: string;
}

export function createRouteLimiter(options: RouteLimiterOptions): RouteLimiter {
  const limitOf = { unauthenticatedPerMinute: options.unauthenticatedPerMinute, previewPerMinute: options.previewPerMinute };
  // A refused request is not charged: what it took is given back.
  const take = async (takes: Take[]): Promise<RouteLimit> => {
    const counts = await options.rateLimits.take(takes);
    const refused = counts.some((count) => count.refused);
    if (refused) await options.rateLimits.giveBack(takes);
    return { refusal: refused ? refusalOf(counts) : undefined, headers: rateLimitHeaders(counts) };
  };
  return {
    forCaller: (caller) => take(requestTakes(caller)),
    forClient: (bucket, request, serverContext) =>
      take([{ bucket, key: clientIpOf(request, serverContext, options.clientIpHeader), points: 1, limit: limitOf[bucket] }]),
  };
}
