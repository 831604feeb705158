import { describe, expect, it } from 'vitest';
import { normalizeToken, refreshDelay } from './token-source.js';

/** How the widget reads the tokens its page's backend hands it, and when it renews them. */

/** A JWT-shaped widget token with these claims (unsigned: the widget never checks signatures). */
function tokenWith(claims: object): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `ej_wt_${part({ alg: 'HS256', typ: 'ej-widget+jwt' })}.${part(claims)}.signature`;
}

describe('tokens', () => {
  it('reads expiry, issue time and project from the claims, and renews at 80% of the life', () => {
    const token = normalizeToken({ token: tokenWith({ iat: 1_000, exp: 1_900, project: 'UHJvamVjdDox' }) });
    expect(token).toMatchObject({ expiresAt: 1_900_000, issuedAt: 1_000_000, projectId: 'UHJvamVjdDox' });
    expect(refreshDelay(token, 1_000_000)).toBe(720_000);
    expect(refreshDelay(token, 1_800_000)).toBe(1_000); // overdue: soon, not in a tight loop
    expect(normalizeToken({ token: 'opaque', expiresAt: '2030-01-01T00:00:00Z', projectId: 'p' })).toMatchObject({ expiresAt: Date.parse('2030-01-01T00:00:00Z'), projectId: 'p' });
    expect(refreshDelay(normalizeToken('opaque'))).toBe(Infinity);
    expect(() => normalizeToken({ token: '' })).toThrow(/without a token/);
    // Extra rights from the `perms` claim: none when absent; unknown (undefined) when the claims cannot be read.
    expect(token.permissions).toEqual([]);
    expect(normalizeToken(tokenWith({ exp: 1, perms: ['deploy'] })).permissions).toEqual(['deploy']);
    expect(normalizeToken('opaque').permissions).toBeUndefined();
  });
});
