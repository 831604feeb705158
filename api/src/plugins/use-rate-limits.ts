import { limitsFor, type RateLimitedError } from '@everjust/core';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Caller } from '../context.js';
import { toGraphQLError } from '../errors.js';
import type { BucketCount, RateLimits, Take } from '../services/rate-limits.js';
import { clientIpOf, rateLimitHeaders, refusalOf, requestTakes } from '../services/request-limits.js';

export interface RateLimitsPluginOptions {
  rateLimits: RateLimits;
  /** Requests per minute per client IP that come without a valid key (default 60). */
  unauthenticatedPerMinute: number;
  /**
   * A header a trusted proxy sets to the client's address (App Platform: `do-connecting-ip`); without
   * it, behind a load balancer every client would share the proxy's bucket.
   */
  clientIpHeader?: string;
}

/** What the request stage leaves in the GraphQL context for the execution stage. */
interface RateLimitState {
  /** The counters' key: tenant and mode, so one tenant, or one mode, never uses up another's. */
  key: string;
  costLimit: number;
  /** Taken from the request buckets; given back if the cost bucket refuses the operation. */
  taken: Take[];
  /** A request bucket refused: answered at execution, as a GraphQL result (HTTP and WebSocket alike). */
  refusal?: RateLimitedError;
}

interface LimitedContext {
  request?: Request;
  caller?: Caller;
  /** Set by useQueryCost before this plugin's execution stage. */
  queryCost?: number;
  rateLimit?: RateLimitState;
}

type OperationHook = Parameters<NonNullable<Plugin['onExecute']>>[0] | Parameters<NonNullable<Plugin['onSubscribe']>>[0];

/**
 * Rate limits, per tenant and mode, from the tier and the tenant's overrides:
 * - when the context is built (the caller is known), one request from the per-second burst and the
 *   hourly buckets (test mode: 1,000 an hour whatever the tier);
 * - when the operation executes (its cost is known), its cost from the per-minute cost bucket.
 * A refused operation runs no resolver and is not charged: what it took is given back. A request
 * without a valid key (UNAUTHENTICATED) counts against its client IP instead, and past that limit
 * is answered RATE_LIMITED (429) rather than 401.
 *
 * Every HTTP response to an operation carries `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds)
 * of the bucket closest to refusing: the one that refused, else the one with the smallest share left;
 * `RateLimit-Policy` lists every bucket that applied (`limit;w=seconds`). Only documents that fail to
 * parse or validate carry none: Yoga answers them before authentication. Operations that execute or
 * are refused carry `extensions.cost` `{ requested, actual, remaining }` (remaining: the minute's cost
 * bucket); subscription events do not.
 */
export function useRateLimits(options: RateLimitsPluginOptions): Plugin<LimitedContext> {
  const { rateLimits } = options;
  // Each HTTP request's bucket counts, for its response headers.
  const countsByRequest = new WeakMap<Request, BucketCount[]>();
  const record = (request: Request | undefined, counts: BucketCount[]) => {
    if (request) countsByRequest.set(request, [...(countsByRequest.get(request) ?? []), ...counts]);
  };

  /** Charges the operation's cost, or answers a refusal without running it; returns `extensions.cost`. */
  const chargeCost = async ({ args, setResultAndStopExecution }: OperationHook) => {
    const context = args.contextValue as LimitedContext;
    const state = context.rateLimit;
    if (!state) return undefined;
    const requested = context.queryCost ?? 0;
    // An operation already refused takes nothing: its take only reads what is left.
    const take: Take = { bucket: 'queryCostPerMinute', key: state.key, points: state.refusal ? 0 : requested, limit: state.costLimit };
    const [count] = await rateLimits.take([take]);
    let refusal = state.refusal;
    if (!refusal && count.refused) {
      await rateLimits.giveBack([...state.taken, take]);
      count.remaining = Math.max(take.limit - (count.consumed - take.points), 0);
      refusal = refusalOf([count]);
    }
    record(context.request, [count]);
    const cost = { requested, actual: refusal ? 0 : requested, remaining: count.remaining };
    if (refusal) {
      setResultAndStopExecution({ errors: [toGraphQLError(refusal)], extensions: { cost } });
      return undefined;
    }
    return cost;
  };

  return {
    async onContextBuilding({ context, extendContext }) {
      const { caller, request } = context as LimitedContext;
      if (!caller) return;
      const limits = limitsFor(caller.tenant, caller.mode);
      const takes = requestTakes(caller);
      const key = takes[0].key;
      const counts = await rateLimits.take(takes);
      record(request, counts);
      const refused = counts.some((count) => count.refused);
      if (refused) await rateLimits.giveBack(takes);
      extendContext({
        rateLimit: { key, costLimit: limits.queryCostPerMinute, taken: refused ? [] : takes, refusal: refused ? refusalOf(counts) : undefined },
      });
    },

    async onExecute(payload) {
      const cost = await chargeCost(payload);
      if (!cost) return;
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) setResult({ ...result, extensions: { ...result.extensions, cost } });
        },
      };
    },

    async onSubscribe(payload) {
      await chargeCost(payload);
    },

    async onResultProcess({ request, result, setResult, serverContext }) {
      // A request that reached a tenant's buckets was authenticated; only the others count per IP.
      if (countsByRequest.has(request) || Array.isArray(result) || Symbol.asyncIterator in result) return;
      const unauthenticated = result.errors?.find((error) => (error as GraphQLError).extensions?.code === 'UNAUTHENTICATED') as GraphQLError | undefined;
      if (!unauthenticated) return;
      const ip = clientIpOf(request, serverContext, options.clientIpHeader);
      const take: Take = { bucket: 'unauthenticatedPerMinute', key: ip, points: 1, limit: options.unauthenticatedPerMinute };
      const [count] = await rateLimits.take([take]);
      record(request, [count]);
      if (!count.refused) return;
      await rateLimits.giveBack([take]);
      const error = toGraphQLError(refusalOf([count]));
      // useRequestId has stamped the error this one replaces: keep its id.
      const extensions = { ...error.extensions, requestId: unauthenticated.extensions.requestId };
      setResult({ errors: [new GraphQLError(error.message, { extensions })] });
    },

    onResponse({ request, response }) {
      const counts = countsByRequest.get(request);
      if (!counts) return; // health routes, previews, GraphiQL: not limited
      for (const [name, value] of Object.entries(rateLimitHeaders(counts))) response.headers.set(name, value);
    },
  };
}
