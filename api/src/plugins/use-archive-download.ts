import { strToU8, Zip, ZipDeflate } from 'fflate';
import type { Plugin } from 'graphql-yoga';
import { decodeIdOf, EverJustError, HTTP_STATUS_BY_CODE, isSessionEnded, NotFoundError, type PrismaClient } from '@everjust/core';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { authenticateRequest } from '../auth/authenticate-request.js';
import type { WidgetTokenAuthenticator } from '../auth/widget-token-authenticator.js';
import type { ConsoleSessions } from '../console/console-sessions.js';
import { requireScope } from '../auth/scopes.js';
import type { Caller } from '../context.js';
import type { RouteLimiter } from '../services/request-limits.js';

export interface ArchiveDownloadOptions {
  prisma: PrismaClient;
  authenticator: ApiKeyAuthenticator;
  /**
   * Widget tokens may download their own project and their end user's sessions (the widget's Download
   * buttons), from their origin only; CORS is the API's (widgetCors).
   */
  widgetTokens?: WidgetTokenAuthenticator;
  /** The console's cookie sessions: with their CSRF header (a `fetch`, not a plain link), like GraphQL. */
  consoleSessions?: ConsoleSessions;
  /** Files read from the database per step of the stream. */
  batchSize?: number;
  /** Rate limits (absent with EVERJUST_RATE_LIMITS=off): a download is one request of the caller's tenant; a refused credential counts per IP. */
  limiter?: RouteLimiter;
}

interface ArchiveFile {
  path: string;
  content: string;
  /** `content` is the bytes in base64. */
  binary: boolean;
  modifiedAt: Date;
}

type NextBatch = () => Promise<ArchiveFile[] | null>;

const ROUTE = /^\/v1\/(projects|sessions)\/([A-Za-z0-9_-]{1,200})\/archive\.zip$/;

/**
 * ZIP downloads, outside GraphQL: `GET /v1/projects/<project id>/archive.zip` (its current files) and
 * `GET /v1/sessions/<session id>/archive.zip` (the files as that session left them). A secret key in
 * `Authorization: Bearer …` with `projects:read`; tenant- and mode-scoped like every read, so another
 * tenant's or the other mode's id is a 404. A widget token (from its origin) gets its own project and
 * its end user's sessions, nothing else; a console session (cookie and CSRF header) what its mode holds. The archive streams: files are read in batches and
 * compressed as the client reads, so a large project never sits whole in memory. Rate-limited like a
 * GraphQL request (the tenant's burst and hourly buckets, `RateLimit-*` headers, 429 `RATE_LIMITED`
 * with `Retry-After`); a request whose key is refused counts against its IP, and past that limit
 * gets 429 instead of 401.
 */
export function useArchiveDownload(options: ArchiveDownloadOptions): Plugin {
  const batchSize = options.batchSize ?? 50;
  return {
    async onRequest({ url, request, endResponse, fetchAPI, serverContext }) {
      const match = ROUTE.exec(url.pathname);
      if (!match) return;
      // Errors in the shape GraphQL clients already read: `errors[0].extensions.code`.
      const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}, details: Record<string, unknown> = {}) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code, ...details } }] }), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
          }),
        );
      if (request.method !== 'GET') return fail(405, 'METHOD_NOT_ALLOWED', 'Only GET', { allow: 'GET' });
      let limitHeaders: Record<string, string> = {};
      try {
        const caller = await authenticateRequest(request, options).catch(async (error: unknown) => {
          const limit = error instanceof EverJustError && error.code === 'UNAUTHENTICATED' ? await options.limiter?.forClient('unauthenticatedPerMinute', request, serverContext) : undefined;
          limitHeaders = limit?.headers ?? {};
          throw limit?.refusal ?? error;
        });
        const limit = await options.limiter?.forCaller(caller);
        limitHeaders = limit?.headers ?? {};
        if (limit?.refusal) throw limit.refusal;
        requireScope(caller, 'projects:read');
        const archive = match[1] === 'projects' ? await projectArchive(options.prisma, caller, match[2], batchSize) : await sessionArchive(options.prisma, caller, match[2], batchSize);
        return endResponse(
          new fetchAPI.Response(zipStream(archive.nextBatch), {
            status: 200,
            headers: {
              'content-type': 'application/zip',
              'content-disposition': contentDisposition(archive.filename),
              'cache-control': 'private, no-store',
              'x-content-type-options': 'nosniff',
              ...limitHeaders,
            },
          }),
        );
      } catch (error) {
        if (error instanceof EverJustError) {
          const status = error.code === 'NOT_FOUND' ? 404 : (HTTP_STATUS_BY_CODE[error.code] ?? 400);
          const headers: Record<string, string> = { ...limitHeaders };
          if (error.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer';
          if (error.code === 'RATE_LIMITED') headers['retry-after'] = String(error.details.retryAfter);
          return fail(status, error.code, error.message, headers, error.details);
        }
        if (error instanceof ArchiveConflict) return fail(409, 'CONFLICT', error.message, limitHeaders);
        throw error;
      }
    },
  };
}

class ArchiveConflict extends Error {}

async function projectArchive(prisma: PrismaClient, caller: Caller, globalId: string, batchSize: number) {
  const id = safeDecode('Project', globalId);
  const widgetOnly = caller.widget ? { id: caller.widget.projectId } : {};
  const project = id ? await prisma.project.findFirst({ where: { AND: [{ id, tenantId: caller.tenantId, mode: caller.mode, deletedAt: null }, widgetOnly] }, select: { id: true, name: true } }) : null;
  if (!project) throw new NotFoundError('Project', globalId);
  let after: string | undefined;
  const nextBatch: NextBatch = async () => {
    const rows = await prisma.projectFile.findMany({
      where: { projectId: project.id, ...(after !== undefined ? { path: { gt: after } } : {}) },
      include: { blob: { select: { content: true, binary: true } } },
      orderBy: { path: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return null;
    after = rows.at(-1)!.path;
    return rows.map((row) => ({ path: row.path, content: row.blob.content, binary: row.blob.binary, modifiedAt: row.updatedAt }));
  };
  return { filename: `${project.name}.zip`, nextBatch };
}

async function sessionArchive(prisma: PrismaClient, caller: Caller, globalId: string, batchSize: number) {
  const id = safeDecode('Session', globalId);
  const session = id
    ? await prisma.session.findFirst({
        where: {
          id,
          tenantId: caller.tenantId,
          mode: caller.mode,
          project: { deletedAt: null },
          ...(caller.widget ? { projectId: caller.widget.projectId, externalUserId: caller.widget.externalUserId } : {}),
        },
        select: { id: true, status: true, endedAt: true, project: { select: { name: true } } },
      })
    : null;
  if (!session) throw new NotFoundError('Session', globalId);
  if (!isSessionEnded(session.status)) throw new ArchiveConflict('This session has not ended yet: its snapshot is taken when it ends');
  const modifiedAt = session.endedAt ?? new Date();
  let after: string | undefined;
  const nextBatch: NextBatch = async () => {
    const rows = await prisma.sessionFile.findMany({
      where: { sessionId: session.id, ...(after !== undefined ? { path: { gt: after } } : {}) },
      include: { blob: { select: { content: true, binary: true } } },
      orderBy: { path: 'asc' },
      take: batchSize,
    });
    if (rows.length === 0) return null;
    after = rows.at(-1)!.path;
    return rows.map((row) => ({ path: row.path, content: row.blob.content, binary: row.blob.binary, modifiedAt }));
  };
  return { filename: `${session.project.name}-${globalId.slice(-8)}.zip`, nextBatch };
}

/** A malformed id is as good as absent here (a 404, like another tenant's id). */
function safeDecode(typename: string, globalId: string): string | null {
  try {
    return decodeIdOf(typename, globalId);
  } catch {
    return null;
  }
}

/** fflate's streaming Zip behind a pull-based stream: one batch of files per pull, so the client's pace sets ours. */
function zipStream(nextBatch: NextBatch): ReadableStream<Uint8Array> {
  let zip: Zip;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      zip = new Zip((error, chunk, final) => {
        if (error) return controller.error(error);
        controller.enqueue(chunk);
        if (final) controller.close();
      });
    },
    async pull() {
      const batch = await nextBatch();
      if (!batch) return zip.end();
      for (const file of batch) {
        const entry = new ZipDeflate(file.path, { level: 6 });
        // ZIP times start in 1980; older (never, in practice) would not encode.
        entry.mtime = file.modifiedAt.getTime() < Date.UTC(1980, 1, 1) ? new Date() : file.modifiedAt;
        zip.add(entry);
        entry.push(file.binary ? new Uint8Array(Buffer.from(file.content, 'base64')) : strToU8(file.content), true);
      }
    },
    cancel() {
      zip.terminate();
    },
  });
}

function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'project.zip';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
