import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret, SecretBoxError } from './secret-box.js';

const MASTER = 'a-master-secret-of-at-least-32-characters!';

describe('secret box (AES-256-GCM, HKDF-derived key)', () => {
  it('opens what it sealed, in a versioned format, with a fresh IV each time', () => {
    const sealed = sealSecret(MASTER, 'ghp_secret_token', 'github-token:tenant:1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain('ghp_secret_token');
    expect(openSecret(MASTER, sealed, 'github-token:tenant:1')).toBe('ghp_secret_token');
    expect(sealSecret(MASTER, 'ghp_secret_token', 'github-token:tenant:1')).not.toBe(sealed);
    expect(openSecret(MASTER, sealSecret(MASTER, 'ünïcødé ✓', 'c'), 'c')).toBe('ünïcødé ✓');
  });

  it('refuses another context, another master secret, altered bytes and unknown versions', () => {
    const sealed = sealSecret(MASTER, 'whsec_abc', 'webhook-secret:tenant:1');
    expect(() => openSecret(MASTER, sealed, 'webhook-secret:tenant:2')).toThrow(SecretBoxError);
    expect(() => openSecret(`${MASTER}x`, sealed, 'webhook-secret:tenant:1')).toThrow(SecretBoxError);
    const [version, iv, ciphertext, tag] = sealed.split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() => openSecret(MASTER, [version, iv, flipped.toString('base64url'), tag].join('.'), 'webhook-secret:tenant:1')).toThrow(SecretBoxError);
    expect(() => openSecret(MASTER, ['v2', iv, ciphertext, tag].join('.'), 'webhook-secret:tenant:1')).toThrow(/version/);
    expect(() => openSecret(MASTER, 'plain text', 'webhook-secret:tenant:1')).toThrow(SecretBoxError);
  });
});
