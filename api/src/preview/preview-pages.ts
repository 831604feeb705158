/** The headers of every preview response: an opaque origin, no framing limits of ours, no referrer. */
export const PREVIEW_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals';

export const PREVIEW_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PREVIEW_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // The page's own scripts load with `crossorigin` (so their errors are not hidden as "Script error."):
  // from an opaque origin that is a CORS request. Anyone holding the URL can read the files anyway.
  'access-control-allow-origin': '*',
};

/** What an expired, revoked or forged link shows: a small page, the same for every reason, never a stack. */
export const NOT_FOUND_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Preview not found</title>' +
  '<p style="font:16px system-ui,sans-serif;margin:2rem">This preview link is not valid, has expired, or its app has stopped. Start the preview again for a new link.</p>\n';

export const UPSTREAM_DOWN_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Preview unavailable</title>' +
  '<p style="font:16px system-ui,sans-serif;margin:2rem">The app is not answering right now. It may be restarting; try again in a moment.</p>\n';
