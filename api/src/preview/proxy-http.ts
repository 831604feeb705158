/**
 * Forwards one preview request to its sandbox (a localhost port, a Daytona preview URL with its token
 * in a header) and answers what it answered, minus what must not reach a browser: cookies
 * (`Set-Cookie`), framing limits (`X-Frame-Options`), the upstream's own CSP (ours replaces it).
 */

/** Request headers not forwarded: hop-by-hop ones, and credentials of ours that the app must not see. */
const DROPPED_REQUEST_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'cookie', 'authorization', 'accept-encoding', 'content-length', 'origin', 'referer',
]);

/** Response headers not passed on. `content-encoding` and `content-length`: fetch has decoded the body. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'set-cookie', 'x-frame-options', 'content-security-policy', 'content-security-policy-report-only',
  'connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length', 'access-control-allow-origin',
  'strict-transport-security', 'alt-svc',
]);

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

export type UpstreamAnswer = { ok: true; response: Response; headers: Headers } | { ok: false };

export async function forwardToUpstream(input: UpstreamRequest): Promise<UpstreamAnswer> {
  const upstream = upstreamTarget(input.upstreamUrl, input.path, input.search);
  const headers = new Headers();
  input.request.headers.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.has(name)) headers.set(name, value);
  });
  for (const [name, value] of Object.entries(input.headers)) headers.set(name, value);
  const hasBody = input.request.method !== 'GET' && input.request.method !== 'HEAD';
  let response: Response;
  try {
    response = await fetch(upstream, {
      method: input.request.method,
      headers,
      body: hasBody ? input.request.body : undefined,
      redirect: 'manual',
      signal: input.request.signal,
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch {
    return { ok: false };
  }
  const answer = new Headers();
  response.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) answer.set(name, value);
  });
  const location = response.headers.get('location');
  if (location) answer.set('location', rewriteLocation(location, upstream, input.mount));
  return { ok: true, response, headers: answer };
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
