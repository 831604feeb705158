import { WebhookSignatureError } from '../errors.js';
import type { WebhookEvent } from '../types.js';

/** What `webhooks.verify` takes besides the request. */
export interface WebhookVerifyOptions {
  /** Seconds the signed timestamp may be away from now, either way (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default the clock). */
  now?: number;
}

/** The header a webhook request carries its signature in. */
export const WEBHOOK_SIGNATURE_HEADER = 'EverJust-Signature';

// Web Crypto, typed by hand so the package's types need no DOM lib.
interface SubtleLike {
  importKey(format: 'raw', key: Uint8Array, algorithm: { name: 'HMAC'; hash: 'SHA-256' }, extractable: false, usages: ['sign']): Promise<unknown>;
  sign(algorithm: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleLike } }).crypto?.subtle;
  if (!subtle) throw new TypeError('EverJust: webhooks.verify needs Web Crypto (globalThis.crypto.subtle)');
  const encoder = new TextEncoder();
  const key = await subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await subtle.sign('HMAC', key, encoder.encode(message)));
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Equal-length strings compared without an early exit. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

/**
 * Checks a webhook request's `EverJust-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256>`) and returns
 * its parsed event; throws a WebhookSignatureError saying why it is refused.
 */
export async function verifyWebhook<TData = Record<string, unknown>>(
  payload: string,
  signatureHeader: string | null | undefined,
  secret: string,
  options: WebhookVerifyOptions = {},
): Promise<WebhookEvent<TData>> {
  if (!signatureHeader) throw new WebhookSignatureError('missing-header', `No ${WEBHOOK_SIGNATURE_HEADER} header`);
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of signatureHeader.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new WebhookSignatureError('malformed-header', `${WEBHOOK_SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>`);
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError('timestamp-outside-tolerance', `The signature's timestamp is more than ${tolerance} s away from now`);
  }
  const expected = await hmacSha256Hex(secret, `${timestamp}.${payload}`);
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const signature of signatures) if (constantTimeEqual(signature, expected)) matched = true;
  if (!matched) throw new WebhookSignatureError('no-matching-signature', 'No signature matches the payload and secret');
  return JSON.parse(payload) as WebhookEvent<TData>;
}

/** Webhooks: check the signature of a delivery your endpoint received. */
export class Webhooks {
  /**
   * Verifies a webhook request and returns its parsed event. `payload` must be the raw body as received
   * (not re-serialised JSON), `signatureHeader` the `EverJust-Signature` header, `secret` the endpoint's
   * `whsec_…` secret. Any `v1` signature may match (several are sent while a secret rotates). Throws a
   * WebhookSignatureError (`reason`: `missing-header`, `malformed-header`,
   * `timestamp-outside-tolerance`, `no-matching-signature`). Also available without a client as
   * `Webhooks.verify`.
   */
  verify<TData = Record<string, unknown>>(payload: string, signatureHeader: string | null | undefined, secret: string, options?: WebhookVerifyOptions): Promise<WebhookEvent<TData>> {
    return verifyWebhook<TData>(payload, signatureHeader, secret, options);
  }

  /** `webhooks.verify` without a client (a receiver needs no API key). */
  static verify = verifyWebhook;
}
