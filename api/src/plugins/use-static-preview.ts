import { extname } from 'node:path';
import { normalizeProjectPath, verifyPreviewToken, type PrismaClient } from '@everjust/core';
import type { Plugin } from 'graphql-yoga';
import type { RouteLimit, RouteLimiter } from '../services/request-limits.js';

export interface StaticPreviewOptions {
  prisma: PrismaClient;
  secret: string;
  /** Rate limits (absent with EVERJUST_RATE_LIMITS=off): every response counts per client IP; a bad link also counts as an unauthenticated request. */
  limiter?: RouteLimiter;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  // Binary files (imports keep them).
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

/**
 * The `static` preview: `GET /preview/<token>/<path>` serves a project's current files to whoever
 * holds an unexpired signed URL. Nothing runs on the server, and `Content-Security-Policy: sandbox
 * allow-scripts` gives the page an opaque origin, so its scripts can reach neither our cookies nor
 * our API as us.
 *
 * Each response counts against its client IP (`EVERJUST_PREVIEW_PER_MINUTE`: a page and its files);
 * an invalid or expired link also against the IP's unauthenticated budget, so guessing links is slow.
 * Past either: 429 with `Retry-After`.
 */
export function useStaticPreview(options: StaticPreviewOptions): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      const match = /^\/preview\/([^/]+)(\/.*)?$/.exec(url.pathname);
      if (!match) return;
      let limitHeaders: Record<string, string> = {};
      const respond = (status: number, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            status,
            headers: {
              'content-security-policy': 'sandbox allow-scripts',
              'x-content-type-options': 'nosniff',
              'referrer-policy': 'no-referrer',
              'cache-control': 'private, max-age=0, must-revalidate',
              ...limitHeaders,
              ...headers,
            },
          }),
        );
      /** Answers 429 and says true when the limit refused the request. */
      const refused = (limit: RouteLimit | undefined): boolean => {
        limitHeaders = limit?.headers ?? limitHeaders;
        if (!limit?.refusal) return false;
        const retryAfter = String(limit.refusal.details.retryAfter);
        respond(429, `Too many requests; retry after ${retryAfter} s.`, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': retryAfter });
        return true;
      };
      if (refused(await options.limiter?.forClient('previewPerMinute', request, serverContext))) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', { allow: 'GET, HEAD' });
      const check = verifyPreviewToken(options.secret, match[1]);
      if (!check.ok) {
        if (refused(await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext))) return;
        return respond(check.reason === 'expired' ? 410 : 403, check.reason === 'expired' ? 'This preview link has expired.' : 'This preview link is not valid.', {
          'content-type': 'text/plain; charset=utf-8',
        });
      }
      if (!match[2]) return respond(308, '', { location: `${url.pathname}/` });
      let path: string;
      try {
        const raw = decodeURIComponent(match[2].slice(1));
        path = raw === '' || raw.endsWith('/') ? `${raw}index.html` : normalizeProjectPath(raw);
        path = normalizeProjectPath(path);
      } catch {
        return respond(400, 'Bad path', { 'content-type': 'text/plain; charset=utf-8' });
      }
      const { projectId, mode } = check.claims;
      const file = await options.prisma.projectFile.findFirst({
        where: { projectId, path, project: { mode, deletedAt: null } },
        include: { blob: true },
      });
      if (!file) return respond(404, 'Not found', { 'content-type': 'text/plain; charset=utf-8' });
      // A binary file (an imported image, a font) is stored as base64: served as its bytes.
      return respond(200, file.blob.binary ? new Uint8Array(Buffer.from(file.blob.content, 'base64')) : file.blob.content, {
        'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
        etag: `"${file.sha}"`,
      });
    },
  };
}
