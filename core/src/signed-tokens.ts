import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed link tokens (previews, screenshots): `<base64url JSON>.<HMAC-SHA256>`, keyed by EVERJUST_SECRET
 * under a purpose of their own, so a token made for one purpose never passes for another. The fields
 * are readable, not secret; what they mean is each caller's.
 */
const sign = (purpose: string, secret: string, body: string) => createHmac('sha256', `${purpose}:${secret}`).update(body).digest('base64url');

export function signTokenFields(purpose: string, secret: string, fields: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${body}.${sign(purpose, secret, body)}`;
}

/** A token's fields when its signature holds; why not otherwise. */
export function openTokenFields(purpose: string, secret: string, token: string): { ok: true; fields: Record<string, unknown> } | { ok: false; reason: 'malformed' | 'bad-signature' } {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(purpose, secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  try {
    const fields: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? { ok: true, fields: fields as Record<string, unknown> } : { ok: false, reason: 'malformed' };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
