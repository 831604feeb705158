import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring preview tokens for the `static` preview: the API serves a project's files at
 * `/preview/<token>/…` to whoever holds the URL until it expires. HMAC-SHA256 with EVERJUST_SECRET;
 * the token names the project and its mode, nothing else.
 */
export interface PreviewClaims {
  projectId: string;
  mode: 'live' | 'test';
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

const sign = (secret: string, body: string) => createHmac('sha256', `preview:${secret}`).update(body).digest('base64url');

export function signPreviewToken(secret: string, claims: PreviewClaims): string {
  const body = Buffer.from(JSON.stringify({ p: claims.projectId, m: claims.mode, e: claims.expiresAt })).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

export type PreviewTokenCheck = { ok: true; claims: PreviewClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyPreviewToken(secret: string, token: string, now = Date.now()): PreviewTokenCheck {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  let parsed: { p?: unknown; m?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof parsed.p !== 'string' || (parsed.m !== 'live' && parsed.m !== 'test') || typeof parsed.e !== 'number') return { ok: false, reason: 'malformed' };
  if (parsed.e * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { projectId: parsed.p, mode: parsed.m, expiresAt: parsed.e } };
}

/** The URL of a project's static preview (with a trailing slash, so relative links resolve). */
export function staticPreviewUrl(publicUrl: string, secret: string, claims: PreviewClaims): string {
  return `${publicUrl}/preview/${signPreviewToken(secret, claims)}/`;
}
