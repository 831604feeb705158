import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { detectImageType, MAX_ATTACHMENT_BYTES, type AttachmentMediaType } from '@everjust/core';
import { pinnedLookup, resolveTarget, TargetRefusedError, type TargetPolicy } from '../webhooks/target-guard.js';
import { TaskError } from './task.js';

/** How long one image may take, headers to last byte. */
const FETCH_TIMEOUT_MS = 15_000;
/** Redirects followed, each to a URL checked like the first. */
const MAX_REDIRECTS = 3;

/**
 * Fetches an image attachment given by URL, through the same SSRF guard as webhooks: every address the
 * host resolves to must be public (unless the platform allows private targets: development and tests),
 * and the connection goes to exactly the checked addresses, so DNS rebinding cannot reach our network.
 * Redirects are followed (at most 3), each checked again; at most {@link MAX_ATTACHMENT_BYTES} are read;
 * the type comes from the bytes. Failures are TaskErrors with a code the client sees:
 * ATTACHMENT_URL_REFUSED (a private address, a non-https redirect), ATTACHMENT_UNREACHABLE (no answer,
 * or an HTTP error; retried for a timeout, a broken connection or a 5xx), ATTACHMENT_TOO_LARGE and
 * ATTACHMENT_UNSUPPORTED_TYPE. Messages name the URL without its query (it may hold a signature).
 */
export async function fetchAttachment(
  rawUrl: string,
  options: { position: number; policy: TargetPolicy; signal: AbortSignal },
): Promise<{ mediaType: AttachmentMediaType; data: string }> {
  const label = `Attachment ${options.position + 1}`;
  let url = new URL(rawUrl);
  for (let redirects = 0; ; redirects++) {
    const shown = `${url.origin}${url.pathname}`;
    if (url.protocol !== 'https:' && !(options.policy.allowPrivate && url.protocol === 'http:')) {
      throw new TaskError('ATTACHMENT_URL_REFUSED', `${label} (${shown}): only https URLs are fetched`, false);
    }
    let response: { status: number; location?: string; body?: Buffer };
    try {
      const addresses = await resolveTarget(url.hostname, options.policy);
      response = await get(url, addresses, options.policy, options.signal);
    } catch (error) {
      if (error instanceof TaskError) throw new TaskError(error.code, `${label} (${shown}): ${error.message}`, error.retryable);
      if (error instanceof TargetRefusedError) {
        throw new TaskError('ATTACHMENT_URL_REFUSED', `${label} (${shown}): ${error.message.replace('webhooks go to', 'images are fetched from')}`, false);
      }
      if (options.signal.aborted) throw error;
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      // ENOTFOUND: the name does not exist, which another try will not change.
      throw new TaskError('ATTACHMENT_UNREACHABLE', `${label} (${shown}) could not be fetched: ${reason}`, reason !== 'ENOTFOUND');
    }
    if (response.status >= 300 && response.status < 400 && response.location) {
      if (redirects === MAX_REDIRECTS) throw new TaskError('ATTACHMENT_UNREACHABLE', `${label} (${shown}): more than ${MAX_REDIRECTS} redirects`, false);
      url = new URL(response.location, url);
      continue;
    }
    if (response.status !== 200 || !response.body) {
      throw new TaskError('ATTACHMENT_UNREACHABLE', `${label} (${shown}) answered HTTP ${response.status}`, response.status >= 500 || response.status === 429);
    }
    const mediaType = detectImageType(response.body);
    if (!mediaType) throw new TaskError('ATTACHMENT_UNSUPPORTED_TYPE', `${label} (${shown}) is not a PNG, JPEG, WebP or GIF image`, false);
    return { mediaType, data: response.body.toString('base64') };
  }
}

/** One GET to exactly `addresses`; the body is read only for a 200, and only up to the size limit. */
function get(url: URL, addresses: Awaited<ReturnType<typeof resolveTarget>>, policy: TargetPolicy, outer: AbortSignal): Promise<{ status: number; location?: string; body?: Buffer }> {
  const secure = url.protocol === 'https:';
  const lookup = pinnedLookup(url.hostname, addresses, policy);
  const agent = secure ? new HttpsAgent({ lookup, keepAlive: false }) : new HttpAgent({ lookup, keepAlive: false });
  const signal = AbortSignal.any([outer, AbortSignal.timeout(FETCH_TIMEOUT_MS)]);
  return new Promise<{ status: number; location?: string; body?: Buffer }>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', agent, signal, headers: { accept: 'image/png, image/jpeg, image/webp, image/gif', 'user-agent': 'EverJust-Attachments/1.0' } },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          response.resume();
          return resolve({ status, location: response.headers.location });
        }
        const declared = Number(response.headers['content-length']);
        if (declared > MAX_ATTACHMENT_BYTES) {
          response.destroy();
          return reject(new TaskError('ATTACHMENT_TOO_LARGE', `is ${declared} bytes; at most ${MAX_ATTACHMENT_BYTES} (5 MB) are allowed`, false));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ATTACHMENT_BYTES) {
            response.destroy();
            return reject(new TaskError('ATTACHMENT_TOO_LARGE', `is larger than ${MAX_ATTACHMENT_BYTES} bytes (5 MB)`, false));
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', (error) => reject(signal.aborted && !outer.aborted ? Object.assign(new Error(`timed out after ${FETCH_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }) : error));
    request.end();
  }).finally(() => agent.destroy());
}
