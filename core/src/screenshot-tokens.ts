import { openTokenFields, signTokenFields } from './signed-tokens.js';

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

export function signScreenshotToken(secret: string, claims: ScreenshotClaims): string {
  return signTokenFields('screenshot', secret, { s: claims.sessionId, e: claims.expiresAt });
}

/** The token's claims, or null when it is malformed, forged or expired. */
export function verifyScreenshotToken(secret: string, token: string, now = Date.now()): ScreenshotClaims | null {
  const opened = openTokenFields('screenshot', secret, token);
  if (!opened.ok) return null;
  const parsed = opened.fields as { s?: unknown; e?: unknown };
  if (typeof parsed.s !== 'string' || typeof parsed.e !== 'number' || parsed.e * 1000 <= now) return null;
  return { sessionId: parsed.s, expiresAt: parsed.e };
}

/** A session's screenshot link, signed for `ttlSeconds` from now. */
export function screenshotUrlFor(publicUrl: string, secret: string, sessionId: string, ttlSeconds = SCREENSHOT_TTL_SECONDS, now = Date.now()): string {
  const token = signScreenshotToken(secret, { sessionId, expiresAt: Math.floor(now / 1000) + ttlSeconds });
  return `${publicUrl}/v1/screenshots/${token}.png`;
}
