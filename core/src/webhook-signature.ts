import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of outbound webhooks, Stripe's scheme: the `EverJust-Signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The timestamp is signed too, so
 * a captured request cannot be replayed after the tolerance window.
 *
 * Self-contained (node:crypto only): the SDK bundles it as `webhooks.verify`.
 */

/** The header a receiver reads. */
export const WEBHOOK_SIGNATURE_HEADER = 'EverJust-Signature';
/** Five minutes either way, as Stripe. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookPayload = string | Uint8Array;

export type WebhookSignatureFailure = 'missing-header' | 'malformed-header' | 'timestamp-outside-tolerance' | 'no-matching-signature';

export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: WebhookSignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

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

export interface VerifyWebhookOptions {
  /** Seconds the timestamp may be away from now (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (tests). */
  now?: number;
}

/**
 * Checks a webhook request: `payload` must be the raw body as received (not re-serialised JSON),
 * `header` the `EverJust-Signature` value. Throws a WebhookSignatureError saying why it is refused;
 * returns the signed timestamp. Any `v1` entry may match (several are sent while a secret rotates);
 * comparisons are constant-time.
 */
export function verifyWebhookSignature(
  payload: WebhookPayload,
  header: string | null | undefined,
  secret: string,
  options: VerifyWebhookOptions = {},
): { timestamp: number } {
  if (!header) throw new WebhookSignatureError('missing-header', `No ${WEBHOOK_SIGNATURE_HEADER} header`);
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new WebhookSignatureError('malformed-header', `${WEBHOOK_SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex>`);
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookSignatureError('timestamp-outside-tolerance', `The signature's timestamp is more than ${tolerance} s away from now`);
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, payload), 'hex');
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const signature of signatures) {
    if (signature.length === expected.length && timingSafeEqual(signature, expected)) matched = true;
  }
  if (!matched) throw new WebhookSignatureError('no-matching-signature', 'No signature matches the payload and secret');
  return { timestamp };
}

/** Verifies, then parses the body: what a receiver usually wants (`webhooks.verify` in the SDK). */
export function constructWebhookEvent<T = unknown>(payload: WebhookPayload, header: string | null | undefined, secret: string, options: VerifyWebhookOptions = {}): T {
  verifyWebhookSignature(payload, header, secret, options);
  return JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8')) as T;
}
