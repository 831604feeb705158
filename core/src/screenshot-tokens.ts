import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to a session's preview screenshot (the preview check's PNG):
 * `<EVERJUST_PUBLIC_URL>/v1/screenshots/<token>.png`, served to whoever holds the link until it expires,
 * like a preview link. HMAC-SHA256 with EVERJUST_SECRET under a key of its own, so a preview token is
 * never a screenshot token nor the other way round; the token names the session and its expiry only.
 */
export interface ScreenshotClaims {
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  expiresAt: number;
}

/** How long a screenshot link is signed for. */
export const SCREENSHOT_TTL_SECONDS = 60 * 60;

const sign = (secret: string, body: string) => createHmac('sha256', `screenshot:${secret}`).update(body).digest('base64url');

export function signScreenshotToken(secret: string, claims: ScreenshotClaims): string {
  const body = Buffer.from(JSON.stringify({ s: claims.sessionId, e: claims.expiresAt })).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** The token's claims, or null when it is malformed, forged or expired. */
export function verifyScreenshotToken(secret: string, token: string, now = Date.now()): ScreenshotClaims | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let parsed: { s?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed.s !== 'string' || typeof parsed.e !== 'number' || parsed.e * 1000 <= now) return null;
  return { sessionId: parsed.s, expiresAt: parsed.e };
}

/** A session's screenshot link, signed for `ttlSeconds` from now. */
export function screenshotUrlFor(publicUrl: string, secret: string, sessionId: string, ttlSeconds = SCREENSHOT_TTL_SECONDS, now = Date.now()): string {
  const token = signScreenshotToken(secret, { sessionId, expiresAt: Math.floor(now / 1000) + ttlSeconds });
  return `${publicUrl}/v1/screenshots/${token}.png`;
}
