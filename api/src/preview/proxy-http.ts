import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * Forwards one preview request to its sandbox (a localhost port, a Daytona preview URL with its token
 * in a header) and answers what it answered, minus what must not reach a browser: cookies
 * (`Set-Cookie`), framing limits (`X-Frame-Options`), the upstream's own CSP (ours replaces it).
 */

/** Request headers not forwarded: hop-by-hop ones, and credentials of ours that the app must not see. */
const DROPPED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'cookie', 'authorization', 'accept-encoding', 'origin', 'referer',
]);

/** Response headers not passed on (`content-length` is set again for the body we send). */
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie', 'x-frame-options', 'content-security-policy', 'content-security-policy-report-only',
  'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'access-control-allow-origin',
  'strict-transport-security', 'alt-svc',
]);

/** Upstream bodies of known size up to this are read whole (one write to the browser; HTML is always read, to be rewritten). */
const BUFFERED_BODY_BYTES = 1024 * 1024;

export interface UpstreamRequest {
  request: Request;
  /** The sandbox's address (origin, maybe with a path). */
  upstreamUrl: string;
  /** The path after the token, with its leading slash, and the query. */
  path: string;
  search: string;
  /** Sent upstream with every request (Daytona's preview token, its warning-page skip). */
  headers: Record<string, string>;
  /** Where this token's pages live on the preview origin (`<prefix>/<token>`), for redirects. */
  mount: string;
}

/** What the sandbox answered: its status, the headers a browser may see, and its body. */
export type UpstreamAnswer =
  | { ok: true; status: number; headers: Headers; body: Buffer | ReadableStream<Uint8Array> | null; html: boolean }
  | { ok: false };

export interface UpstreamClient {
  forward(input: UpstreamRequest): Promise<UpstreamAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/**
 * Forwards with node:http(s) and keep-alive agents of its own, not `fetch`: on Node 20 undici's fetch
 * costs several times more per small response (measured: ~300 against ~1,350 requests/s to the same
 * local server), and static assets through the proxy are most of what a page loads.
 */
export function createUpstreamClient(): UpstreamClient {
  // noDelay: a response's small writes go out at once (Nagle would hold them for the previous ACK).
  const options = { keepAlive: true, maxSockets: 64, noDelay: true };
  const agents = { 'http:': new HttpAgent(options), 'https:': new HttpsAgent(options) };
  return {
    forward: (input) =>
      new Promise<UpstreamAnswer>((resolve) => {
        const upstream = upstreamTarget(input.upstreamUrl, input.path, input.search);
        const headers: Record<string, string> = {};
        input.request.headers.forEach((value, name) => {
          if (!DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
        });
        Object.assign(headers, input.headers);
        const protocol = upstream.protocol === 'https:' ? 'https:' : 'http:';
        const outgoing = (protocol === 'https:' ? httpsRequest : httpRequest)(upstream, { method: input.request.method, headers, agent: agents[protocol] });
        outgoing.on('error', () => resolve({ ok: false }));
        outgoing.on('response', (incoming) => {
          const answer = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue;
            for (const one of Array.isArray(value) ? value : [value]) answer.append(name, one);
          }
          const location = incoming.headers.location;
          if (location) answer.set('location', rewriteLocation(location, upstream, input.mount));
          const status = incoming.statusCode ?? 502;
          const html = (incoming.headers['content-type'] ?? '').startsWith('text/html');
          const length = Number(incoming.headers['content-length'] ?? Number.NaN);
          if (input.request.method === 'HEAD' || status === 204 || status === 304) {
            incoming.resume();
            return resolve({ ok: true, status, headers: answer, body: null, html });
          }
          if (html || (Number.isFinite(length) && length <= BUFFERED_BODY_BYTES)) {
            const chunks: Buffer[] = [];
            incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
            incoming.on('end', () => resolve({ ok: true, status, headers: answer, body: Buffer.concat(chunks), html }));
            incoming.on('error', () => resolve({ ok: false }));
            return;
          }
          // Open-ended (an event stream, a large download): streamed through.
          resolve({ ok: true, status, headers: answer, body: Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>, html });
        });
        const body = input.request.method !== 'GET' && input.request.method !== 'HEAD' ? input.request.body : null;
        if (body) Readable.fromWeb(body as never).on('error', () => outgoing.destroy()).pipe(outgoing);
        else outgoing.end();
      }),
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/** The upstream URL of a path under the token: relative to the sandbox's address. */
export function upstreamTarget(upstreamUrl: string, path: string, search: string): URL {
  const base = new URL(upstreamUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const target = new URL(path.replace(/^\/+/, ''), base);
  target.search = search;
  return target;
}

/** A redirect to the sandbox itself (absolute, or root-relative) stays on the preview origin, under the token. */
function rewriteLocation(location: string, upstream: URL, mount: string): string {
  try {
    const resolved = new URL(location, upstream);
    if (resolved.origin !== upstream.origin) return location;
    return `${mount}${resolved.pathname}${resolved.search}${resolved.hash}`;
  } catch {
    return location;
  }
}
