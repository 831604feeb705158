import { openTokenFields, signTokenFields } from './signed-tokens.js';

/**
 * Signed, expiring preview tokens: every preview URL is `<EVERJUST_PREVIEW_URL>/<token>/…`, served by
 * the API to whoever holds it until it expires (static files directly, `local` and `daytona` sandboxes
 * proxied). HMAC-SHA256 with EVERJUST_SECRET; the token names the project, its mode and when it was
 * issued, nothing else: the sandbox is found from the project, so a token can reach no other project's.
 */
export interface PreviewClaims {
  projectId: string;
  mode: 'live' | 'test';
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
  /**
   * When it was issued, ms since the epoch (absent from static links made before it existed). A proxied
   * preview refuses a token issued before its sandbox last started: stopping a sandbox revokes its links.
   */
  issuedAt?: number;
  /**
   * A version's preview: the files as this ended session left them (its snapshot), served statically,
   * instead of the project's current files or sandbox.
   */
  sessionId?: string;
}

export function signPreviewToken(secret: string, claims: PreviewClaims): string {
  const fields: Record<string, unknown> = { p: claims.projectId, m: claims.mode, e: claims.expiresAt };
  if (claims.issuedAt !== undefined) fields.i = claims.issuedAt;
  if (claims.sessionId !== undefined) fields.s = claims.sessionId;
  return signTokenFields('preview', secret, fields);
}

export type PreviewTokenCheck = { ok: true; claims: PreviewClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyPreviewToken(secret: string, token: string, now = Date.now()): PreviewTokenCheck {
  const opened = openTokenFields('preview', secret, token);
  if (!opened.ok) return opened;
  const parsed = opened.fields as { p?: unknown; m?: unknown; e?: unknown; i?: unknown; s?: unknown };
  if (typeof parsed.p !== 'string' || (parsed.m !== 'live' && parsed.m !== 'test') || typeof parsed.e !== 'number') return { ok: false, reason: 'malformed' };
  if (parsed.i !== undefined && typeof parsed.i !== 'number') return { ok: false, reason: 'malformed' };
  if (parsed.s !== undefined && typeof parsed.s !== 'string') return { ok: false, reason: 'malformed' };
  if (parsed.e * 1000 <= now) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    claims: { projectId: parsed.p, mode: parsed.m, expiresAt: parsed.e, ...(parsed.i === undefined ? {} : { issuedAt: parsed.i }), ...(parsed.s === undefined ? {} : { sessionId: parsed.s }) },
  };
}

/** A project's preview URL on the preview origin (with a trailing slash, so relative links resolve). */
export function previewUrlFor(previewUrl: string, secret: string, claims: PreviewClaims): string {
  return `${previewUrl}/${signPreviewToken(secret, claims)}/`;
}

/** The `sealSecret` context of a sandbox's upstream headers (the worker seals them, the preview proxy opens them). */
export const UPSTREAM_HEADERS_CONTEXT = 'sandbox-upstream-headers';
