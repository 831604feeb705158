import type { Logger, PrismaClient, PubSub } from '@everjust/core';
import type { Plugin } from 'graphql-yoga';
import { TtlCache } from '../auth/ttl-cache.js';
import type { RouteLimit, RouteLimiter } from '../services/request-limits.js';
import type { PreviewAccess } from './preview-access.js';
import { MAX_REPORT_BYTES, parseReport, recordPreviewError } from './preview-errors.js';
import { NOT_FOUND_PAGE, PREVIEW_HEADERS, UPSTREAM_DOWN_PAGE } from './preview-pages.js';
import { ERRORS_ENDPOINT, REPORTER_FILE, type PreviewOrigin } from './preview-route.js';
import type { UpstreamClient } from './proxy-http.js';
import { injectReporter, REPORTER_SCRIPT } from './reporter.js';
import { readStaticFile } from './static-files.js';

export interface PreviewOptions {
  prisma: PrismaClient;
  pubsub: PubSub;
  logger: Logger;
  origin: PreviewOrigin;
  access: PreviewAccess;
  upstream: UpstreamClient;
  /** Error reports accepted per minute per project (this instance); more answer 429. */
  errorsPerMinute: number;
  /** Rate limits (absent with EVERJUST_RATE_LIMITS=off): every response counts per client IP; a bad link also counts as an unauthenticated request. */
  limiter?: RouteLimiter;
}

const HTML = 'text/html; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

/**
 * The preview origin (`EVERJUST_PREVIEW_URL`): `<prefix>/<token>/<path>` answers with the token's
 * project, static files read from the database or, for `local` and `daytona`, proxied to the running
 * sandbox (WebSocket upgrades: proxy-websocket.ts). Every response has an opaque origin (CSP sandbox),
 * no `Set-Cookie` or `X-Frame-Options`, and HTML pages get the error reporter; under each token,
 * `__everjust/reporter.js` is that script and `__everjust/errors` takes its beacons.
 *
 * Each response counts against its client IP (`EVERJUST_PREVIEW_PER_MINUTE`: a page and its files);
 * an invalid link also against the IP's unauthenticated budget, so guessing links is slow. Past
 * either: 429 with `Retry-After`. An expired, revoked or forged link is a small 404 page.
 */
export function usePreview(options: PreviewOptions): Plugin {
  // Fixed one-minute windows per project, bounded: reports are cheap to send and each one writes.
  const reports = new TtlCache<{ count: number }>({ ttlMs: 60_000, max: 10_000 });
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      const route = options.origin.match(url, request.headers.get('host'));
      if (!route) return;
      let limitHeaders: Record<string, string> = {};
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string> | Headers = {}) => {
        const merged = new fetchAPI.Headers(headers);
        for (const [name, value] of Object.entries({ ...PREVIEW_HEADERS, ...limitHeaders })) merged.set(name, value);
        endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status, headers: merged }));
      };
      const notFound = () => respond(404, NOT_FOUND_PAGE, { 'content-type': HTML, 'cache-control': 'no-store' });
      /** Answers 429 and says true when the limit refused the request. */
      const refused = (limit: RouteLimit | undefined): boolean => {
        limitHeaders = limit?.headers ?? limitHeaders;
        if (!limit?.refusal) return false;
        const retryAfter = String(limit.refusal.details.retryAfter);
        respond(429, `Too many requests; retry after ${retryAfter} s.`, { 'content-type': TEXT, 'retry-after': retryAfter });
        return true;
      };
      if (refused(await options.limiter?.forClient('previewPerMinute', request, serverContext))) return;
      const check = route.token ? await options.access.check(route.token) : ({ ok: false, reason: 'malformed' } as const);
      if (!check.ok) {
        if (refused(await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext))) return;
        return notFound();
      }
      const { target } = check;
      if (!route.path) return respond(308, '', { location: `${url.pathname}/${url.search}` });

      if (route.path === REPORTER_FILE) {
        return respond(200, REPORTER_SCRIPT, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' });
      }
      if (route.path === ERRORS_ENDPOINT) {
        if (request.method !== 'POST') return respond(405, 'Method not allowed', { allow: 'POST', 'content-type': TEXT });
        const window = reports.get(target.project.id) ?? { count: 0 };
        if (window.count >= options.errorsPerMinute) return respond(429, 'Too many error reports', { 'content-type': TEXT, 'retry-after': '60' });
        if (window.count === 0) reports.set(target.project.id, window);
        window.count++;
        const body = await readBounded(request, MAX_REPORT_BYTES);
        if (body === null) return respond(413, 'Report too large', { 'content-type': TEXT });
        const report = parseReport(body, `${options.origin.prefix}/${route.token}`);
        if (!report) return respond(400, 'Not an error report', { 'content-type': TEXT });
        try {
          await recordPreviewError(options.prisma, options.pubsub, target.project, report);
        } catch (error) {
          options.logger.error({ err: error, projectId: target.project.id }, 'could not record a preview error');
          return respond(500, 'Not recorded', { 'content-type': TEXT });
        }
        return respond(204, null);
      }

      const mount = `${options.origin.prefix}/${route.token}`;
      const reporterPath = options.origin.reporterPath(route.token);
      if (target.kind === 'static') {
        if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', { allow: 'GET, HEAD', 'content-type': TEXT });
        const file = await readStaticFile(options.prisma, target.project, route.path, target.sessionId);
        if (file.status === 400) return respond(400, 'Bad path', { 'content-type': TEXT });
        if (file.status !== 200) return respond(404, 'Not found', { 'content-type': TEXT });
        const html = file.contentType.startsWith('text/html');
        return respond(200, html && typeof file.body === 'string' ? injectReporter(file.body, reporterPath) : file.body, {
          'content-type': file.contentType,
          'cache-control': 'private, max-age=0, must-revalidate',
          etag: file.etag,
        });
      }

      const answer = await options.upstream.forward({ request, upstreamUrl: target.upstreamUrl, path: route.path, search: url.search, headers: target.headers, mount });
      if (!answer.ok) return respond(502, UPSTREAM_DOWN_PAGE, { 'content-type': HTML, 'cache-control': 'no-store' });
      const { status, headers, body, html } = answer;
      if (html && body instanceof Buffer) {
        headers.delete('etag'); // the body is ours now
        return respond(status, injectReporter(body.toString('utf8'), reporterPath), headers);
      }
      return respond(status, body as unknown as BodyInit | null, headers);
    },
  };
}

/** The request's body as text, or null when it is longer than `limit` bytes. */
async function readBounded(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
