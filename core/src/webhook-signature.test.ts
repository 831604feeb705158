import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constructWebhookEvent, signWebhookPayload, verifyWebhookSignature, WebhookSignatureError } from './webhook-signature.js';

const SECRET = 'whsec_test_secret';
const BODY = JSON.stringify({ id: 'evt_1', type: 'session.succeeded', data: { sessionId: 'U2Vzc2lvbjox' } });

describe('webhook signatures (t=…,v1=… as Stripe)', () => {
  it("signs HMAC-SHA256(secret, t + '.' + body) and verifies it, from a string or the raw bytes", () => {
    const header = signWebhookPayload(SECRET, BODY, 1_700_000_000);
    const expected = createHmac('sha256', SECRET).update(`1700000000.${BODY}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(verifyWebhookSignature(BODY, header, SECRET, { now: 1_700_000_010 })).toEqual({ timestamp: 1_700_000_000 });
    expect(verifyWebhookSignature(Buffer.from(BODY), header, SECRET, { now: 1_700_000_010 }).timestamp).toBe(1_700_000_000);
    expect(constructWebhookEvent<{ id: string }>(BODY, header, SECRET, { now: 1_700_000_000 }).id).toBe('evt_1');
  });

  it('accepts any matching v1 (secret rotation) and ignores unknown schemes', () => {
    const good = signWebhookPayload(SECRET, BODY, 100).split(',')[1];
    expect(() => verifyWebhookSignature(BODY, `t=100,v0=abc,v1=${'0'.repeat(64)},${good}`, SECRET, { now: 100 })).not.toThrow();
  });

  const reason = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookSignatureError);
      return (error as WebhookSignatureError).reason;
    }
    return 'accepted';
  };

  it('refuses a tampered signature, a tampered body, another secret, a missing or malformed header', () => {
    const header = signWebhookPayload(SECRET, BODY, 100);
    const tampered = header.replace(/v1=(.)/, (_, first) => `v1=${first === 'a' ? 'b' : 'a'}`);
    expect(reason(() => verifyWebhookSignature(BODY, tampered, SECRET, { now: 100 }))).toBe('no-matching-signature');
    expect(reason(() => verifyWebhookSignature(BODY.replace('succeeded', 'failed'), header, SECRET, { now: 100 }))).toBe('no-matching-signature');
    expect(reason(() => verifyWebhookSignature(BODY, header, 'whsec_other', { now: 100 }))).toBe('no-matching-signature');
    expect(reason(() => verifyWebhookSignature(BODY, undefined, SECRET, { now: 100 }))).toBe('missing-header');
    expect(reason(() => verifyWebhookSignature(BODY, 'v1=abc', SECRET, { now: 100 }))).toBe('malformed-header');
  });

  it('refuses a timestamp outside the tolerance window, either way (replays)', () => {
    const header = signWebhookPayload(SECRET, BODY, 1_000);
    expect(reason(() => verifyWebhookSignature(BODY, header, SECRET, { now: 1_000 + 301 }))).toBe('timestamp-outside-tolerance');
    expect(reason(() => verifyWebhookSignature(BODY, header, SECRET, { now: 1_000 - 301 }))).toBe('timestamp-outside-tolerance');
    expect(reason(() => verifyWebhookSignature(BODY, header, SECRET, { now: 1_000 + 300 }))).toBe('accepted');
    expect(reason(() => verifyWebhookSignature(BODY, header, SECRET, { now: 1_000 + 30, toleranceSeconds: 10 }))).toBe('timestamp-outside-tolerance');
  });
});
