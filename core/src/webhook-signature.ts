import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of outbound webhooks, Stripe's scheme: the `EverJust-Signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The timestamp is signed too, so
 * a captured request cannot be replayed after the tolerance window.
 *
 * Only the signing side lives here (the worker's deliverer signs); the one verifier is the SDK's
 * `webhooks.verify` (Web Crypto, any runtime), which its tests check against this signer.
 */

/** The header a receiver reads. */
export const WEBHOOK_SIGNATURE_HEADER = 'EverJust-Signature';
export type WebhookPayload = string | Uint8Array;

function hmacHex(secret: string, timestamp: number, payload: WebhookPayload): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`, 'utf8');
  hmac.update(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload);
  return hmac.digest('hex');
}

/** The header value for `payload` (the exact bytes sent) at `timestamp` (unix seconds; now by default). */
export function signWebhookPayload(secret: string, payload: WebhookPayload, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, payload)}`;
}
