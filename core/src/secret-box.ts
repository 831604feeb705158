import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets the platform must read back (tenants' GitHub tokens, webhook signing secrets, a token
 * passed for one export) are stored sealed: AES-256-GCM under a key derived from EVERJUST_SECRET
 * with HKDF-SHA256, so the database alone reveals nothing and a changed byte is detected.
 *
 * Format (versioned, so the scheme or the derivation can change while old rows stay readable):
 * `v1.<iv>.<ciphertext>.<tag>`, each part base64url; a 12-byte random IV per seal.
 *
 * `context` is bound as additional authenticated data: a value sealed for one purpose or owner (say
 * `github-token:tenant:<id>`) does not open for another, so a row copied to another tenant's column
 * is useless there.
 */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Fixed salt and per-version info: the derived key depends only on the master secret and the version. */
const HKDF_SALT = Buffer.from('everjust/secret-box', 'utf8');
const HKDF_INFO = Buffer.from('everjust/secret-box/v1/aes-256-gcm', 'utf8');

const derivedKeys = new Map<string, Buffer>();

function keyFor(masterSecret: string): Buffer {
  if (!masterSecret) throw new SecretBoxError('No master secret to seal with');
  let key = derivedKeys.get(masterSecret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', Buffer.from(masterSecret, 'utf8'), HKDF_SALT, HKDF_INFO, 32));
    // A process has one master secret (tests a few): the cache stays tiny.
    if (derivedKeys.size > 16) derivedKeys.clear();
    derivedKeys.set(masterSecret, key);
  }
  return key;
}

/** Seals `plaintext` for `context` (e.g. `webhook-secret:tenant:<id>`). */
export function sealSecret(masterSecret: string, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(masterSecret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens what `sealSecret` made for the same context; throws SecretBoxError on any mismatch. */
export function openSecret(masterSecret: string, sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4) throw new SecretBoxError('Not a sealed secret');
  const [version, ivText, ciphertextText, tagText] = parts;
  if (version !== VERSION) throw new SecretBoxError(`Unknown sealed secret version ${JSON.stringify(version.slice(0, 10))}`);
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('Not a sealed secret');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(masterSecret), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    // Wrong key, wrong context or altered bytes: GCM cannot tell which, and neither do we.
    throw new SecretBoxError('The sealed secret does not open with this key and context');
  }
}

/** The contexts the platform seals under, named once. */
export const SEALED_CONTEXTS = {
  tenantGitHubToken: (tenantId: string) => `github-token:tenant:${tenantId}`,
  sessionGitHubToken: (sessionId: string) => `github-token:session:${sessionId}`,
  webhookSecret: (tenantId: string) => `webhook-secret:tenant:${tenantId}`,
  tenantAnthropicKey: (tenantId: string) => `anthropic-key:tenant:${tenantId}`,
  tenantDigitalOceanToken: (tenantId: string) => `digitalocean-token:tenant:${tenantId}`,
} as const;
