import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Key generation and hashing, shared by the API and the operator CLI. */

export type KeyMode = 'live' | 'test';

export const API_KEY_SCOPES = [
  'projects:read',
  'projects:write',
  'sessions:read',
  'sessions:write',
  'usage:read',
  'keys:write',
  'webhooks:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const SECRET_PATTERN = /^ej_(live|test)_sk_[A-Za-z0-9]{40}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface GeneratedKey {
  /** The whole secret: shown once, never stored. */
  secret: string;
  /** What people see to tell keys apart: `ej_live_sk_` and 4 more characters. */
  prefix: string;
  hash: string;
}

/** A new secret key: 40 base62 characters (≈238 bits) after the mode prefix. */
export function generateSecretKey(mode: KeyMode): GeneratedKey {
  // Rejection sampling keeps the characters uniform (256 is not a multiple of 62).
  let body = '';
  while (body.length < 40) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < 40) body += ALPHABET[byte % 62];
    }
  }
  const secret = `ej_${mode}_sk_${body}`;
  return { secret, prefix: secret.slice(0, `ej_${mode}_sk_`.length + 4), hash: hashSecret(secret) };
}

/** SHA-256 hex: enough for high-entropy secrets, and lets a key be found by an indexed lookup. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The mode a secret claims, or null when it is not shaped like one of our secret keys. */
export function parseSecretKey(secret: string): { mode: KeyMode } | null {
  const match = SECRET_PATTERN.exec(secret);
  return match ? { mode: match[1] as KeyMode } : null;
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}
