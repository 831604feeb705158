import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { encodeId, EverJustError, HTTP_STATUS_BY_CODE, type PrismaClient } from '@everjust/core';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { requireScope } from '../auth/scopes.js';
import type { RouteLimiter } from '../services/request-limits.js';

export interface UploadsOptions {
  prisma: PrismaClient;
  authenticator: ApiKeyAuthenticator;
  /** The largest body taken, in bytes (EVERJUST_UPLOAD_MAX_BYTES). */
  maxBytes: number;
  /** How long an upload is kept (EVERJUST_UPLOAD_TTL_MS). */
  ttlMs: number;
  limiter?: RouteLimiter;
}

const ROUTE = '/v1/uploads';

/** An upload as the route answers it (REST-shaped, as Stripe's files). */
export interface UploadJson {
  id: string;
  object: 'upload';
  filename: string | null;
  contentType: string | null;
  size: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
}

class PayloadTooLarge extends Error {}

/**
 * `POST /v1/uploads`: an archive for `importProject(input: { source: { archiveUploadId } })`, as the raw
 * request body (`Content-Type: application/zip`; `?filename=app.zip` names it) or as the part `file`
 * of a `multipart/form-data` body (`curl -F file=@app.zip`). A secret key with
 * `projects:write`, rate-limited as a GraphQL request. The body is read as a stream and counted: a
 * declared or actual size over the limit is 413 `PAYLOAD_TOO_LARGE` as soon as it is known, without
 * reading (or keeping) the rest. Uploads belong to the key's tenant and mode and expire after the
 * TTL; expired ones are deleted by later uploads. Answers 201 with the upload (its `id` is a global id).
 */
export function useUploads(options: UploadsOptions): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      if (url.pathname !== ROUTE) return;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers } }));
      // Errors in the shape GraphQL clients already read: `errors[0].extensions.code`.
      const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) =>
        json(status, { errors: [{ message, extensions: { code, ...details } }] }, headers);
      if (request.method !== 'POST') return fail(405, 'METHOD_NOT_ALLOWED', 'Only POST', { allow: 'POST' });
      let limitHeaders: Record<string, string> = {};
      try {
        const caller = await options.authenticator.authenticate(request.headers.get('authorization')).catch(async (error: unknown) => {
          const limit = error instanceof EverJustError && error.code === 'UNAUTHENTICATED' ? await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext) : undefined;
          limitHeaders = limit?.headers ?? {};
          throw limit?.refusal ?? error;
        });
        const limit = await options.limiter?.forCaller(caller);
        limitHeaders = limit?.headers ?? {};
        if (limit?.refusal) throw limit.refusal;
        requireScope(caller, 'projects:write');

        const declared = Number(request.headers.get('content-length') ?? NaN);
        if (Number.isFinite(declared) && declared > options.maxBytes) throw new PayloadTooLarge();
        const received = await readLimited(request.body, options.maxBytes);
        let bytes = received;
        let filename = cleanFilename(url.searchParams.get('filename'));
        let contentType = request.headers.get('content-type')?.split(';')[0]?.trim().slice(0, 100) || null;
        if (contentType === 'multipart/form-data') {
          // `curl -F file=@app.zip`: the part named `file` (already counted against the limit as part of the body).
          const form = await new fetchAPI.Response(received, { headers: { 'content-type': request.headers.get('content-type')! } }).formData().catch(() => null);
          const file = form?.get('file');
          if (!file || typeof file === 'string') return fail(400, 'BAD_USER_INPUT', 'A multipart upload needs its archive in a part named "file"', limitHeaders);
          bytes = new Uint8Array(await file.arrayBuffer());
          filename ??= cleanFilename(file.name);
          contentType = file.type.slice(0, 100) || null;
        }
        if (bytes.byteLength === 0) return fail(400, 'BAD_USER_INPUT', 'The upload is empty: send the archive as the request body', limitHeaders);
        const now = Date.now();
        // Expired uploads go as new ones arrive (indexed by expiry): nothing else needs to sweep them.
        await options.prisma.upload.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
        const upload = await options.prisma.upload.create({
          data: {
            tenantId: caller.tenantId,
            mode: caller.mode,
            filename,
            contentType,
            size: bytes.byteLength,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            data: bytes,
            expiresAt: new Date(now + options.ttlMs),
          },
          select: { id: true, filename: true, contentType: true, size: true, sha256: true, createdAt: true, expiresAt: true },
        });
        const body: UploadJson = {
          id: encodeId('Upload', upload.id),
          object: 'upload',
          filename: upload.filename,
          contentType: upload.contentType,
          size: upload.size,
          sha256: upload.sha256,
          createdAt: upload.createdAt.toISOString(),
          expiresAt: upload.expiresAt.toISOString(),
        };
        return json(201, body, limitHeaders);
      } catch (error) {
        if (error instanceof PayloadTooLarge) {
          // The rest of the body is not read; the connection is closed so the client stops sending.
          return fail(413, 'PAYLOAD_TOO_LARGE', `The upload is over the ${options.maxBytes}-byte limit`, { ...limitHeaders, connection: 'close' }, { limit: options.maxBytes });
        }
        if (error instanceof EverJustError) {
          const status = HTTP_STATUS_BY_CODE[error.code] ?? 400;
          const headers: Record<string, string> = { ...limitHeaders };
          if (error.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
          if (error.code === 'RATE_LIMITED') headers['retry-after'] = String(error.details.retryAfter);
          return fail(status, error.code, error.message, headers, error.details);
        }
        throw error;
      }
    },
  };
}

/** The body, counted as it streams; PayloadTooLarge (and the stream cancelled) once it passes `maxBytes`. */
async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!body) return new Uint8Array(new ArrayBuffer(0));
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A name for people: its last path segment, printable, at most 255 characters; never used as a path. */
function cleanFilename(name: string | null): string | null {
  const base = name?.split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return base || null;
}
