import type { Plugin } from 'graphql-yoga';
import { verifyScreenshotToken, type PrismaClient } from '@everjust/core';
import type { RouteLimit, RouteLimiter } from '../services/request-limits.js';

export interface ScreenshotsOptions {
  prisma: PrismaClient;
  secret: string;
  /** Rate limits (absent with EVERJUST_RATE_LIMITS=off): each response counts per client IP like a preview file; a bad link also as an unauthenticated request. */
  limiter?: RouteLimiter;
}

const ROUTE = /^\/v1\/screenshots\/([A-Za-z0-9_.-]{1,1000})\.png$/;

/**
 * Preview check screenshots, outside GraphQL: `GET /v1/screenshots/<token>.png` answers the PNG of the
 * token's session (core/src/screenshot-tokens.ts) to whoever holds the link, until it expires, like a
 * preview link; it needs no key, so an `<img>` can show it. An expired or forged token, or a session
 * without a screenshot, is a 404 that says nothing more.
 */
export function useScreenshots(options: ScreenshotsOptions): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      const match = ROUTE.exec(url.pathname);
      if (!match) return;
      let limitHeaders: Record<string, string> = {};
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string>) =>
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status, headers: { 'x-content-type-options': 'nosniff', ...limitHeaders, ...headers } }));
      const refused = (limit: RouteLimit | undefined): boolean => {
        limitHeaders = limit?.headers ?? limitHeaders;
        if (!limit?.refusal) return false;
        const retryAfter = String(limit.refusal.details.retryAfter);
        respond(429, `Too many requests; retry after ${retryAfter} s.`, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': retryAfter });
        return true;
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      if (refused(await options.limiter?.forClient('previewPerMinute', request, serverContext))) return;
      const notFound = () => respond(404, 'Not found', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      const claims = verifyScreenshotToken(options.secret, match[1]!);
      if (!claims) {
        if (refused(await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext))) return;
        return notFound();
      }
      const screenshot = await options.prisma.sessionScreenshot.findUnique({ where: { sessionId: claims.sessionId }, select: { png: true } });
      if (!screenshot) return notFound();
      return respond(200, Buffer.from(screenshot.png), {
        'content-type': 'image/png',
        'content-length': String(screenshot.png.byteLength),
        'cache-control': 'private, max-age=300',
        'content-security-policy': "default-src 'none'",
      });
    },
  };
}
