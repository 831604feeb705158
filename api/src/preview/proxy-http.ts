import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { STATIC_FILE_HEADER } from './asset-cache.js';

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
  'strict-transport-security', 'alt-svc', STATIC_FILE_HEADER,
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
  /** Sends a request upstream; resolves with its response, or null when the sandbox did not answer. */
  open(request: { method: string; url: URL; headers: Record<string, string | string[]>; body?: Readable | null }): Promise<IncomingMessage | null>;
  /** One preview request as the Yoga plugin has it, answered whole or as a stream. */
  forward(input: UpstreamRequest): Promise<UpstreamAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** The request headers the sandbox gets: the browser's minus {@link DROPPED_REQUEST_HEADERS}, plus the sandbox's own (its token). */
export function upstreamHeaders(entries: Iterable<[string, string | string[] | undefined]>, extra: Record<string, string>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of entries) {
    if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
  }
  return Object.assign(headers, extra);
}

/** The response headers a browser may see: the sandbox's minus {@link DROPPED_RESPONSE_HEADERS}, a redirect kept under the token. */
export function browserHeaders(incoming: IncomingMessage, upstream: URL, mount: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined || DROPPED_RESPONSE_HEADERS.has(name)) continue;
    if (name === 'location') headers.push([name, rewriteLocation(String(value), upstream, mount)]);
    else for (const one of Array.isArray(value) ? value : [value]) headers.push([name, one]);
  }
  return headers;
}

/** The largest HTML page read whole to get the reporter; a larger one (said by its length) streams as it is. */
export const HTML_MAX_BYTES = 8 * 1024 * 1024;

/** Whether a response's body is to be read whole: HTML (to be rewritten) up to its cap, or a known, modest size. */
export function readsWhole(incoming: IncomingMessage): boolean {
  const length = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (isHtml(incoming)) return !Number.isFinite(length) || length <= HTML_MAX_BYTES;
  return Number.isFinite(length) && length <= BUFFERED_BODY_BYTES;
}

export const isHtml = (incoming: IncomingMessage) => (incoming.headers['content-type'] ?? '').startsWith('text/html');

/** The whole body of a response, or null when it broke off or passed `limit` bytes (then it is dropped). */
export function readBody(incoming: IncomingMessage, limit = HTML_MAX_BYTES): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.destroy();
        return resolve(null);
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => resolve(Buffer.concat(chunks)));
    incoming.on('error', () => resolve(null));
    incoming.on('aborted', () => resolve(null));
  });
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
  const open: UpstreamClient['open'] = ({ method, url, headers, body }) =>
    new Promise((resolve) => {
      const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
      const outgoing = (protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, agent: agents[protocol] });
      outgoing.on('error', () => resolve(null));
      outgoing.on('response', resolve);
      if (body) body.on('error', () => outgoing.destroy()).pipe(outgoing);
      else outgoing.end();
    });
  return {
    open,
    async forward(input) {
      const url = upstreamTarget(input.upstreamUrl, input.path, input.search);
      const method = input.request.method;
      const body = method !== 'GET' && method !== 'HEAD' && input.request.body ? Readable.fromWeb(input.request.body as never) : null;
      const incoming = await open({ method, url, headers: upstreamHeaders(input.request.headers.entries(), input.headers), body });
      if (!incoming) return { ok: false };
      const headers = new Headers();
      for (const [name, value] of browserHeaders(incoming, url, input.mount)) headers.append(name, value);
      const status = incoming.statusCode ?? 502;
      const html = isHtml(incoming);
      if (method === 'HEAD' || status === 204 || status === 304) {
        incoming.resume();
        return { ok: true, status, headers, body: null, html };
      }
      if (readsWhole(incoming)) {
        const whole = await readBody(incoming);
        return whole ? { ok: true, status, headers, body: whole, html } : { ok: false };
      }
      // Open-ended (an event stream, a large download): streamed through.
      return { ok: true, status, headers, body: Readable.toWeb(incoming) as unknown as ReadableStream<Uint8Array>, html };
    },
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
