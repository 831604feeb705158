import { describe, expect, it } from 'vitest';
import { generateSecretKey, hashesEqual, hashSecret, parseSecretKey } from './keys.js';

describe('secret keys', () => {
  it('are shaped by mode, unique, and hashed', () => {
    const live = generateSecretKey('live');
    const test = generateSecretKey('test');
    expect(live.secret).toMatch(/^ej_live_sk_[A-Za-z0-9]{40}$/);
    expect(test.secret).toMatch(/^ej_test_sk_[A-Za-z0-9]{40}$/);
    expect(live.secret.startsWith(live.prefix)).toBe(true);
    expect(live.hash).toBe(hashSecret(live.secret));
    expect(live.hash).not.toContain(live.secret);
    const many = new Set(Array.from({ length: 1000 }, () => generateSecretKey('live').secret));
    expect(many.size).toBe(1000);
  });

  it('parse only what looks like one of ours', () => {
    expect(parseSecretKey(generateSecretKey('test').secret)).toEqual({ mode: 'test' });
    for (const bad of ['', 'ej_live_sk_', 'ej_prod_sk_' + 'a'.repeat(40), 'ej_live_sk_' + 'a'.repeat(39), 'ej_live_sk_' + 'a'.repeat(40) + '!']) {
      expect(parseSecretKey(bad)).toBeNull();
    }
  });

  it('compare hashes exactly', () => {
    const hash = hashSecret('x');
    expect(hashesEqual(hash, hashSecret('x'))).toBe(true);
    expect(hashesEqual(hash, hashSecret('y'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(2))).toBe(false);
  });
});
