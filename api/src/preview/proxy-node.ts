import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteLimiter } from '../services/request-limits.js';
import type { AssetCache } from './asset-cache.js';
import type { PreviewAccess } from './preview-access.js';
import { PREVIEW_HEADERS, UPSTREAM_DOWN_PAGE } from './preview-pages.js';
import type { PreviewOrigin } from './preview-route.js';
import { browserHeaders, isHtml, readBody, readsWhole, upstreamHeaders, upstreamTarget, type UpstreamClient } from './proxy-http.js';
import { injectReporter } from './reporter.js';

export interface NodePreviewOptions {
  origin: PreviewOrigin;
  access: PreviewAccess;
  upstream: UpstreamClient;
  limiter?: RouteLimiter;
  /** The sandbox's static files kept in memory (null: off). */
  assets: AssetCache | null;
}

/**
 * The proxied preview's hot path, answered by the Node server before Yoga: a GET or HEAD with a valid
 * link to a running sandbox, forwarded and piped back without Request/Response conversions (a page's
 * assets are most of a preview's requests). It does what `usePreview` does for the same request (the
 * per-IP count, our headers, the reporter in HTML) and hands everything else to Yoga (`next`): other
 * methods, the reporter and beacon paths, static previews, bad links, and a refused count (the limiter
 * gives a refused take back, so Yoga counting it again refuses it the same way).
 */
export function createNodePreview(options: NodePreviewOptions) {
  return async function serve(request: IncomingMessage, response: ServerResponse, next: () => void): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const url = new URL(request.url ?? '/', 'http://preview.invalid');
    const route = options.origin.match(url, request.headers.host);
    if (!route?.token || !route.path || route.path.startsWith('/__everjust/')) return next();
    const check = await options.access.check(route.token).catch(() => null);
    if (!check?.ok || check.target.kind !== 'proxy') return next();
    // clientIpOf reads a header and the socket, as from Yoga's request and server context.
    const asRequest = { headers: { get: (name: string) => request.headers[name] ?? null } } as unknown as Request;
    const limit = await options.limiter?.forClient('previewPerMinute', asRequest, { req: request });
    if (limit?.refusal) return next();

    // Ours replace the sandbox's of the same name (the CSP, nosniff, …); its others pass.
    const ours = Object.entries({ ...PREVIEW_HEADERS, ...limit?.headers, 'x-request-id': randomUUID() }).map(([name, value]): [string, string] => [name.toLowerCase(), value]);
    const cached = options.assets?.lookup(request, { projectId: check.target.project.id, generation: check.target.generation }, route.path, url.search) ?? null;
    if (cached?.hit) {
      response.writeHead(cached.hit.status, [...cached.hit.headers, ...ours, ['content-length', String(cached.hit.body.length)]].flat());
      return void response.end(cached.hit.body);
    }

    const target = upstreamTarget(check.target.upstreamUrl, route.path, url.search);
    const incoming = await options.upstream.open({ method: request.method, url: target, headers: upstreamHeaders(Object.entries(request.headers), check.target.headers) });
    if (!incoming) return next(); // Yoga answers the 502 page
    const mount = `${options.origin.prefix}/${route.token}`;
    const replaced = new Set(ours.map(([name]) => name));
    const theirs = browserHeaders(incoming, target, mount).filter(([name]) => !replaced.has(name));
    const headers = [...theirs, ...ours];
    const status = incoming.statusCode ?? 502;
    const html = isHtml(incoming);
    if (request.method === 'HEAD' || status === 204 || status === 304) {
      incoming.resume();
      response.writeHead(status, headers.flat());
      return void response.end();
    }
    if (!readsWhole(incoming)) {
      response.writeHead(status, headers.flat());
      incoming.pipe(response);
      response.on('close', () => incoming.destroy());
      return;
    }
    let body = await readBody(incoming);
    if (!body) {
      response.writeHead(502, Object.entries({ ...PREVIEW_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).flat());
      return void response.end(UPSTREAM_DOWN_PAGE);
    }
    if (cached) options.assets!.offer(cached.key, incoming, theirs, body);
    if (html) body = Buffer.from(injectReporter(body.toString('utf8'), options.origin.reporterPath(route.token)));
    const kept = html ? headers.filter(([name]) => name !== 'etag') : headers;
    response.writeHead(status, [...kept, ['content-length', String(body.length)]].flat());
    response.end(body);
  };
}
