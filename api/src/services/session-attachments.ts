import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import {
  detectImageType,
  MAX_ATTACHMENT_BYTES,
  MAX_SESSION_ATTACHMENTS,
  refusedAddressReason,
  ValidationError,
  type SessionAttachmentInput,
} from '@everjust/core';

/** What startSession's `attachments` hold: one image each, as base64 or as an https URL. */
export interface AttachmentInput {
  data?: string | null;
  url?: string | null;
}

const MAX_URL_CHARS = 2048;
/** The base64 of the largest image allowed, with slack for padding: anything longer is refused before decoding. */
const MAX_BASE64_CHARS = Math.ceil(MAX_ATTACHMENT_BYTES / 3) * 4 + 4;
const dataUrlPrefix = /^data:[a-z]+\/[a-z0-9.+-]+;base64,/i;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(path: Array<string | number>, message: string): never {
  throw new ValidationError(`${path.join('.')}: ${message}`, { issues: [{ path, message }] });
}

/**
 * Checks startSession's attachments and returns them ready to store: at most 5; each exactly one of
 * `data` (base64, or a `data:` URL) or `url`. Base64 is decoded here: at most 5 MB, and a PNG, JPEG, WebP
 * or GIF by its magic bytes (whatever type a `data:` URL claims). A URL must be https without
 * credentials, and one naming a private address outright (an IP literal, localhost) is refused now;
 * names are resolved, checked and fetched by the worker through the webhook SSRF guard. With private
 * targets allowed (development and tests only) http and private hosts pass.
 */
export function parseSessionAttachments(inputs: readonly AttachmentInput[] | null | undefined, options: { allowPrivate: boolean }): SessionAttachmentInput[] {
  if (!inputs || inputs.length === 0) return [];
  if (inputs.length > MAX_SESSION_ATTACHMENTS) invalid(['input', 'attachments'], `at most ${MAX_SESSION_ATTACHMENTS} images (got ${inputs.length})`);
  return inputs.map((input, index) => {
    const path = ['input', 'attachments', index];
    const hasData = input.data != null && input.data !== '';
    const hasUrl = input.url != null && input.url !== '';
    if (hasData === hasUrl) invalid(path, 'give exactly one of `data` (base64) or `url`');
    return hasData ? parseData(input.data!, [...path, 'data']) : { url: parseUrl(input.url!.trim(), [...path, 'url'], options.allowPrivate) };
  });
}

function parseData(value: string, path: Array<string | number>): SessionAttachmentInput {
  const base64 = value.replace(dataUrlPrefix, '').replace(/\s+/g, '');
  if (base64.length > MAX_BASE64_CHARS) invalid(path, `the image is larger than ${MAX_ATTACHMENT_BYTES} bytes (5 MB)`);
  if (!base64Pattern.test(base64) || base64.length % 4 === 1) invalid(path, 'is not base64');
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) invalid(path, 'is empty');
  if (bytes.length > MAX_ATTACHMENT_BYTES) invalid(path, `the image is ${bytes.length} bytes; at most ${MAX_ATTACHMENT_BYTES} (5 MB)`);
  const mediaType = detectImageType(bytes);
  if (!mediaType) invalid(path, 'is not a PNG, JPEG, WebP or GIF image (judged by its bytes)');
  // Stored in canonical form: the same image sent with or without line breaks is one blob.
  return { mediaType, data: bytes.toString('base64') };
}

function parseUrl(value: string, path: Array<string | number>, allowPrivate: boolean): string {
  if (value.length > MAX_URL_CHARS) invalid(path, `at most ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid(path, 'is not a URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) invalid(path, 'must be an https:// URL');
  if (url.username || url.password) invalid(path, 'must not contain credentials');
  if (!allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const reason = isIP(host) ? refusedAddressReason(host) : /(^|\.)localhost$/i.test(host) ? 'loopback' : null;
    if (reason) invalid(path, `images are fetched from public addresses only (${host} is ${reason})`);
  }
  url.hash = '';
  return url.toString();
}

/** What an idempotency key stands for, of the attachments: each image's hash or its URL (not megabytes of base64). */
export function attachmentsFingerprint(attachments: readonly SessionAttachmentInput[]): string[] {
  return attachments.map((attachment) => ('url' in attachment ? `url:${attachment.url}` : `sha256:${createHash('sha256').update(attachment.data).digest('hex')}`));
}
