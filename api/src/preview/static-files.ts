import { extname } from 'node:path';
import { normalizeProjectPath, SESSION_END_STATUSES, type PrismaClient } from '@everjust/core';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  // Binary files (imports keep them).
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

/** `body`: the text, or the bytes of a binary file (an imported image, a font: stored as base64). */
export type StaticFile = { status: 200; body: string | Uint8Array<ArrayBuffer>; contentType: string; etag: string } | { status: 400 | 404 };

/**
 * The `static` preview's files: the project's current files, read from the database (nothing runs on
 * the server). `path` is the part of the URL after the token; a folder means its index.html.
 */
export async function readStaticFile(prisma: PrismaClient, project: { id: string; mode: 'live' | 'test' }, urlPath: string, sessionId?: string): Promise<StaticFile> {
  let path: string;
  try {
    const raw = decodeURIComponent(urlPath.slice(1));
    path = normalizeProjectPath(raw === '' || raw.endsWith('/') ? `${raw}index.html` : raw);
  } catch {
    return { status: 400 };
  }
  // A version's preview reads the session's snapshot (a session of this project that has ended).
  const file = sessionId
    ? await prisma.sessionFile.findFirst({
        where: { sessionId, path, session: { projectId: project.id, status: { in: [...SESSION_END_STATUSES] }, project: { mode: project.mode, deletedAt: null } } },
        include: { blob: true },
      })
    : await prisma.projectFile.findFirst({
        where: { projectId: project.id, path, project: { mode: project.mode, deletedAt: null } },
        include: { blob: true },
      });
  if (!file) return { status: 404 };
  const body = file.blob.binary ? new Uint8Array(Buffer.from(file.blob.content, 'base64')) : file.blob.content;
  return { status: 200, body, contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', etag: `"${file.sha}"` };
}
