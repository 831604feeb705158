import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookPayload } from './webhook-signature.js';

const SECRET = 'whsec_test_secret';
const BODY = JSON.stringify({ id: 'evt_1', type: 'session.succeeded', data: { sessionId: 'U2Vzc2lvbjox' } });

/** The verifier is the SDK's (`webhooks.verify`), tested against this signer in sdk/test/widget-tokens-webhooks.test.ts. */
describe('webhook signatures (t=…,v1=… as Stripe)', () => {
  it("signs HMAC-SHA256(secret, t + '.' + body), from a string or the raw bytes", () => {
    const header = signWebhookPayload(SECRET, BODY, 1_700_000_000);
    const expected = createHmac('sha256', SECRET).update(`1700000000.${BODY}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(signWebhookPayload(SECRET, Buffer.from(BODY), 1_700_000_000)).toBe(header);
  });
});
