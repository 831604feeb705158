import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

type Client = PrismaClient | Prisma.TransactionClient;

export interface FileLimits {
  fileMaxBytes: number;
  projectMaxFiles: number;
}

export interface StoredFile {
  path: string;
  sha: string;
  size: number;
}

const MAX_PATH_LENGTH = 255;

/**
 * A project path as stored: relative, `/`-separated, no `.` or `..` segment, no empty segment, no
 * control characters or backslashes. Anything else is BAD_USER_INPUT, so a path can never leave the
 * project (nor a sandbox folder later).
 */
export function normalizeProjectPath(input: string): string {
  const path = input.trim().replace(/^\.\/+/, '');
  const problem =
    path.length === 0
      ? 'is empty'
      : path.length > MAX_PATH_LENGTH
        ? `is longer than ${MAX_PATH_LENGTH} characters`
        : path.startsWith('/')
          ? 'must be relative (no leading /)'
          : /[\\\u0000-\u001f\u007f]/.test(path)
            ? 'contains a backslash or a control character'
            : path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
              ? 'must not contain empty, "." or ".." segments'
              : null;
  if (problem) throw new ValidationError(`File path ${JSON.stringify(input.slice(0, 300))} ${problem}`, { path: input.slice(0, 300) });
  return path;
}

export function sha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * Writes files to a project (inside the caller's transaction): contents are stored once by SHA-256,
 * and the limits are checked before anything is written.
 */
export async function writeProjectFiles(
  client: Client,
  projectId: string,
  files: ReadonlyArray<{ path: string; content: string }>,
  limits: FileLimits,
): Promise<StoredFile[]> {
  const prepared = new Map<string, { path: string; content: string; sha: string; size: number }>();
  for (const file of files) {
    const path = normalizeProjectPath(file.path);
    const size = Buffer.byteLength(file.content, 'utf8');
    if (size > limits.fileMaxBytes) {
      throw new ValidationError(`File ${path} is ${size} bytes; the limit is ${limits.fileMaxBytes}`, { path, size, limit: limits.fileMaxBytes });
    }
    prepared.set(path, { path, content: file.content, sha: sha256(file.content), size });
  }
  if (prepared.size === 0) return [];
  const existing = await client.projectFile.findMany({ where: { projectId }, select: { path: true } });
  const paths = new Set(existing.map((file) => file.path));
  for (const path of prepared.keys()) paths.add(path);
  if (paths.size > limits.projectMaxFiles) {
    throw new ValidationError(`A project holds at most ${limits.projectMaxFiles} files (this would make ${paths.size})`, { limit: limits.projectMaxFiles });
  }
  const stored: StoredFile[] = [];
  for (const file of prepared.values()) {
    await client.fileBlob.upsert({ where: { sha: file.sha }, create: { sha: file.sha, content: file.content, size: file.size }, update: {} });
    await client.projectFile.upsert({
      where: { projectId_path: { projectId, path: file.path } },
      create: { projectId, path: file.path, sha: file.sha, size: file.size },
      update: { sha: file.sha, size: file.size },
    });
    stored.push({ path: file.path, sha: file.sha, size: file.size });
  }
  return stored;
}

/** Deletes one file; returns false when the project had no such file. */
export async function deleteProjectFile(client: Client, projectId: string, path: string): Promise<boolean> {
  const { count } = await client.projectFile.deleteMany({ where: { projectId, path: normalizeProjectPath(path) } });
  return count > 0;
}

export async function listProjectFiles(client: Client, projectId: string): Promise<StoredFile[]> {
  return client.projectFile.findMany({ where: { projectId }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } });
}

/** The project's files with their contents. */
export async function readProjectFiles(client: Client, projectId: string): Promise<Array<StoredFile & { content: string }>> {
  const files = await client.projectFile.findMany({ where: { projectId }, include: { blob: true }, orderBy: { path: 'asc' } });
  return files.map((file) => ({ path: file.path, sha: file.sha, size: file.size, content: file.blob.content }));
}

export async function readProjectFile(client: Client, projectId: string, path: string): Promise<string | null> {
  const file = await client.projectFile.findUnique({ where: { projectId_path: { projectId, path: normalizeProjectPath(path) } }, include: { blob: true } });
  return file?.blob.content ?? null;
}

/** Records the project's current files as the session's snapshot (replacing an earlier one). */
export async function snapshotSessionFiles(client: Client, sessionId: string, projectId: string): Promise<void> {
  await client.sessionFile.deleteMany({ where: { sessionId } });
  const files = await listProjectFiles(client, projectId);
  if (files.length > 0) await client.sessionFile.createMany({ data: files.map((file) => ({ sessionId, ...file })) });
}

/** Puts a project's files back as a session left them. */
export async function restoreSessionFiles(client: Client, sessionId: string, projectId: string): Promise<StoredFile[]> {
  const files = await client.sessionFile.findMany({ where: { sessionId }, select: { path: true, sha: true, size: true } });
  await client.projectFile.deleteMany({ where: { projectId } });
  if (files.length > 0) await client.projectFile.createMany({ data: files.map((file) => ({ projectId, ...file })) });
  return files;
}
