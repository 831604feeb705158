import { describe, expect, it } from 'vitest';
import { signPreviewToken } from './preview-tokens.js';
import { screenshotUrlFor, signScreenshotToken, verifyScreenshotToken } from './screenshot-tokens.js';

const SECRET = 'screenshot-test-secret-'.padEnd(64, 'x');
const NOW = Date.UTC(2026, 0, 1);
const SESSION = '0190a0f0-0000-7000-8000-000000000001';

describe('screenshot tokens', () => {
  it('sign a session and an expiry that verify until then, in a link under /v1/screenshots/', () => {
    const url = screenshotUrlFor('https://api.example.com', SECRET, SESSION, 60, NOW);
    const token = /^https:\/\/api\.example\.com\/v1\/screenshots\/([^/]+)\.png$/.exec(url)![1]!;
    expect(verifyScreenshotToken(SECRET, token, NOW)).toEqual({ sessionId: SESSION, expiresAt: NOW / 1000 + 60 });
    expect(verifyScreenshotToken(SECRET, token, NOW + 59_999)).not.toBeNull();
    expect(verifyScreenshotToken(SECRET, token, NOW + 60_000)).toBeNull();
  });

  it('refuse another secret, a changed body, a preview token and garbage', () => {
    const token = signScreenshotToken(SECRET, { sessionId: SESSION, expiresAt: NOW / 1000 + 60 });
    const [, signature] = token.split('.');
    expect(verifyScreenshotToken('another-secret-'.padEnd(64, 'y'), token, NOW)).toBeNull();
    const otherBody = Buffer.from(JSON.stringify({ s: '0190a0f0-0000-7000-8000-000000000002', e: NOW / 1000 + 60 })).toString('base64url');
    expect(verifyScreenshotToken(SECRET, `${otherBody}.${signature}`, NOW)).toBeNull();
    // Same secret, same shape, another key: a preview link does not open a screenshot.
    expect(verifyScreenshotToken(SECRET, signPreviewToken(SECRET, { projectId: SESSION, mode: 'test', expiresAt: NOW / 1000 + 60 }), NOW)).toBeNull();
    for (const bad of ['', 'a', 'a.b.c', `${token}.x`, `!!.${signature}`]) expect(verifyScreenshotToken(SECRET, bad, NOW)).toBeNull();
  });
});
