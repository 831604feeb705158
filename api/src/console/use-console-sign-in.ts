import type { Plugin } from 'graphql-yoga';
import { encodeId, type PrismaClient } from '@everjust/core';
import type { RouteLimit, RouteLimiter } from '../services/request-limits.js';
import { redeemConsoleLink } from './console-links.js';
import { CONSOLE_COOKIE, cookieOf, type ConsoleSessions } from './console-sessions.js';
import { signInRefusalPage } from './sign-in-pages.js';

export interface ConsoleSignInOptions {
  prisma: PrismaClient;
  sessions: ConsoleSessions;
  /** Rate limits (absent with EVERJUST_RATE_LIMITS=off): a refused link or cookie counts per client IP as an unauthenticated request. */
  limiter?: RouteLimiter;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * The console's sign-in routes, outside GraphQL (the console's pages and bundle are served by the
 * console package's own plugin; this one answers only these paths):
 *
 * - `GET /console/login?token=…` redeems a one-time link: a new session, its cookie
 *   (`ej_console`, HttpOnly, SameSite=Strict, Secure except on localhost) and a 303 to `/console/`.
 *   A forged, used or expired link gets a small page that says so (400 / 410) and no cookie.
 * - `GET /console/api/session`: the signed-in tenant, the session's CSRF token and when it ends (401
 *   JSON when signed out).
 * - `POST /console/api/logout` and `/console/api/logout-everywhere` (CSRF token required): end this
 *   session, or every console session of the tenant, on every instance at once (204).
 */
export function useConsoleSignIn(options: ConsoleSignInOptions): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      const path = url.pathname;
      if (path !== '/console/login' && !path.startsWith('/console/api/')) return;
      let limitHeaders: Record<string, string> = {};
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string>) =>
        endResponse(new fetchAPI.Response(body, { status, headers: { 'x-content-type-options': 'nosniff', ...limitHeaders, ...headers } }));
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => respond(status, JSON.stringify(body), { ...JSON_HEADERS, ...headers });
      const error = (status: number, code: string, message: string) => json(status, { error: { code, message } });
      /** Counts a refused request per client IP; true (and answered 429) when that is over the limit. */
      const refusedByLimit = async (): Promise<boolean> => {
        const limit: RouteLimit | undefined = await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext);
        limitHeaders = limit?.headers ?? limitHeaders;
        if (!limit?.refusal) return false;
        const retryAfter = String(limit.refusal.details.retryAfter);
        error(429, 'RATE_LIMITED', `Too many requests; retry after ${retryAfter} s`);
        return true;
      };

      if (path === '/console/login') {
        if (request.method !== 'GET') return respond(405, 'Method not allowed', { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' });
        const redeemed = await redeemConsoleLink(options.prisma, url.searchParams.get('token'));
        // The link's token is in this URL: it must not travel on as a Referer, nor be cached.
        const pageHeaders = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
        if (!redeemed.ok) {
          if (await refusedByLimit()) return;
          const page = signInRefusalPage(redeemed.reason);
          return respond(page.status, page.html, {
            ...pageHeaders,
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          });
        }
        const { cookieValue, session } = await options.sessions.create(redeemed.tenantId);
        // The new cookie replaces the browser's old one: that session would live on unseen, so it ends.
        const previous = await options.sessions.find(cookieOf(request.headers.get('cookie'), CONSOLE_COOKIE));
        if (previous) await options.sessions.revoke(previous.id);
        const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
        return respond(303, null, { ...pageHeaders, location: '/console/', 'set-cookie': sessionCookie(cookieValue, maxAge, url) });
      }

      const route = `${request.method} ${path}`;
      const known = ['GET /console/api/session', 'POST /console/api/logout', 'POST /console/api/logout-everywhere'];
      if (!known.includes(route)) {
        const pathKnown = known.some((entry) => entry.endsWith(` ${path}`));
        return pathKnown ? error(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed here`) : error(404, 'NOT_FOUND', 'No such console route');
      }
      const cookieValue = cookieOf(request.headers.get('cookie'), CONSOLE_COOKIE);
      const session = await options.sessions.find(cookieValue);
      if (!session || !cookieValue) {
        if (await refusedByLimit()) return;
        return error(401, 'UNAUTHENTICATED', 'Not signed in to the console (or the session ended): sign in with a new console link');
      }
      if (route === 'GET /console/api/session') {
        // A read of our own origin's JSON: SameSite=Strict keeps the cookie off other sites' requests,
        // and without CORS headers no other origin can read the answer; an Origin that is not ours is refused all the same.
        if (!options.sessions.fromOwnOrigin(request)) {
          return error(403, 'CSRF_FAILED', 'The console session is accepted only from the console\'s own origin');
        }
        return json(200, {
          tenant: { id: encodeId('Tenant', session.tenantId), name: session.tenant.name, tier: session.tenant.tier.toUpperCase() },
          csrfToken: options.sessions.csrfTokenFor(cookieValue),
          expiresAt: session.expiresAt.toISOString(),
        });
      }
      const check = options.sessions.checkRequest(request, cookieValue);
      if (!check.ok) return error(403, 'CSRF_FAILED', check.message);
      if (route === 'POST /console/api/logout') await options.sessions.revoke(session.id);
      else await options.sessions.revokeTenant(session.tenantId);
      return respond(204, null, { 'cache-control': 'no-store', 'set-cookie': sessionCookie('', 0, url) });
    },
  };
}

/** `Secure` everywhere but on a loopback host, where browsers run the embedded start over plain HTTP. */
function sessionCookie(value: string, maxAge: number, url: URL): string {
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  return `${CONSOLE_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${local ? '' : '; Secure'}`;
}
