/**
 * Where the preview origin's requests are: every preview URL is `<EVERJUST_PREVIEW_URL>/<token>/<path>`.
 * With a path prefix (the embedded default, `http://HOST:PORT/preview`) the API's own origin serves it
 * on any host name; with an origin of its own (`https://preview.example.com`, routed to the same API
 * service) every request for that host is a preview request, so none of the API's routes answer there.
 */
export interface PreviewRoute {
  token: string;
  /** The path after the token, with its leading slash; '' when the URL stops at the token. */
  path: string;
}

export interface PreviewOrigin {
  /** The path every preview URL starts with, without a trailing slash ('' for an origin of its own). */
  prefix: string;
  /** Reads a request's URL: its preview route, or null when it is not a preview request. */
  match(url: URL | string, host?: string | null): PreviewRoute | null;
  /** The path of a token's reporter script (injected into its HTML pages). */
  reporterPath(token: string): string;
}

/** Reserved under each token: the reporter script and its error beacons. */
export const REPORTER_FILE = '/__everjust/reporter.js';
export const ERRORS_ENDPOINT = '/__everjust/errors';

export function previewOrigin(previewUrl: string): PreviewOrigin {
  const base = new URL(previewUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)(/.*)?$`);
  return {
    prefix,
    match(url, host) {
      const parsed = typeof url === 'string' ? new URL(url, base) : url;
      if (prefix === '' && (host ?? parsed.host).toLowerCase() !== base.host.toLowerCase()) return null;
      const found = pattern.exec(parsed.pathname);
      if (!found) return prefix === '' ? { token: '', path: parsed.pathname } : null;
      return { token: found[1]!, path: found[2] ?? '' };
    },
    reporterPath: (token) => `${prefix}/${token}${REPORTER_FILE}`,
  };
}
