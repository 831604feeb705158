import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { LeaseLostError, leaseHeld, toEvent, type InsertedRow, type Lease } from '../events/event-log.js';
import type { SessionEvent } from '../events/event-types.js';

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
 * control characters, backslashes or colons. Anything else is BAD_USER_INPUT, so a path can never leave
 * the project (nor a sandbox folder later), nor the folder a ZIP of it is extracted to: a colon is a
 * drive (`C:/…`) or an alternate data stream (`a:b`) to Windows extractors.
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
            : path.includes(':')
              ? 'contains a colon (a drive letter or a stream name on Windows)'
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
  const list = prepareFiles(files, limits);
  if (list.length === 0) return [];
  const existing = await client.projectFile.findMany({ where: { projectId }, select: { path: true } });
  const paths = new Set(existing.map((file) => file.path));
  for (const file of list) paths.add(file.path);
  if (paths.size > limits.projectMaxFiles) throw tooManyFiles(limits, paths.size);
  const { blobs, upsert } = storeFilesSql(projectId, list);
  await client.$executeRaw`WITH blobs AS (${blobs}) ${upsert}`;
  return list.map(({ path, sha, size }) => ({ path, sha, size }));
}

/** Paths normalized and checked, sizes within the limit, contents hashed; a path given twice keeps its last content. */
function prepareFiles(files: ReadonlyArray<{ path: string; content: string }>, limits: FileLimits): Array<StoredFile & { content: string }> {
  const prepared = new Map<string, StoredFile & { content: string }>();
  for (const file of files) {
    const path = normalizeProjectPath(file.path);
    // PostgreSQL text cannot hold U+0000: refused here, as the writer's mistake, not left to fail the statement.
    if (file.content.includes('\u0000')) throw new ValidationError(`File ${path} contains a NUL character (U+0000): files are text`, { path });
    const size = Buffer.byteLength(file.content, 'utf8');
    if (size > limits.fileMaxBytes) {
      throw new ValidationError(`File ${path} is ${size} bytes; the limit is ${limits.fileMaxBytes}`, { path, size, limit: limits.fileMaxBytes });
    }
    prepared.set(path, { path, content: file.content, sha: sha256(file.content), size });
  }
  return [...prepared.values()];
}

function tooManyFiles(limits: FileLimits, count: number): ValidationError {
  return new ValidationError(`A project holds at most ${limits.projectMaxFiles} files (this would make ${count})`, { limit: limits.projectMaxFiles });
}

/**
 * Storing files as two statements for the CTEs of one, written only when `onlyIf` holds: contents
 * once by sha, a blob already there kept (`blobs`), then the paths pointing at them (`upsert`).
 */
function storeFilesSql(
  projectId: string,
  files: ReadonlyArray<StoredFile & { content: string }>,
  onlyIf: Prisma.Sql = Prisma.sql`true`,
): { blobs: Prisma.Sql; upsert: Prisma.Sql } {
  const shas = files.map((file) => file.sha);
  const sizes = files.map((file) => file.size);
  return {
    blobs: Prisma.sql`
      INSERT INTO file_blobs (sha, content, size)
      SELECT * FROM unnest(${shas}::text[], ${files.map((file) => file.content)}::text[], ${sizes}::int[]) WHERE ${onlyIf}
      ON CONFLICT (sha) DO NOTHING`,
    upsert: Prisma.sql`
      INSERT INTO project_files (project_id, path, sha, size, updated_at)
      SELECT ${projectId}::uuid, path, sha, size, now()
      FROM unnest(${files.map((file) => file.path)}::text[], ${shas}::text[], ${sizes}::int[]) AS f(path, sha, size) WHERE ${onlyIf}
      ON CONFLICT (project_id, path) DO UPDATE SET sha = excluded.sha, size = excluded.size, updated_at = excluded.updated_at`,
  };
}

/**
 * writeProjectFileFenced: a worker's write of one file and its `file_written` event in ONE statement,
 * only while `lease` is held (LeaseLostError otherwise) and only if the project stays within its file
 * count (ValidationError otherwise, nothing written): what a transaction around writeProjectFiles and
 * appendFencedEvent does, in one round trip instead of five.
 */
export async function writeProjectFileFenced(
  client: Client,
  options: { sessionId: string; lease: Lease; projectId: string; file: { path: string; content: string }; limits: FileLimits },
): Promise<{ stored: StoredFile; event: SessionEvent<'file_written'> }> {
  const { sessionId, lease, projectId, limits } = options;
  const [file] = prepareFiles([options.file], limits);
  const stored: StoredFile = { path: file.path, sha: file.sha, size: file.size };
  const event = { type: 'file_written' as const, payload: stored };
  const { blobs, upsert } = storeFilesSql(projectId, [file], Prisma.sql`EXISTS (SELECT 1 FROM go)`);
  const rows = await client.$queryRaw<Array<{ held: boolean; files: bigint; seq: number | null; created_at: Date | null }>>`
    WITH lease AS (${leaseHeld(lease)}),
    counted AS (
      SELECT count(*) AS files FROM (SELECT path FROM project_files WHERE project_id = ${projectId}::uuid UNION SELECT ${file.path}::text) AS paths
    ),
    go AS (SELECT 1 FROM lease, counted WHERE counted.files <= ${limits.projectMaxFiles}),
    blobs AS (${blobs}),
    upsert AS (${upsert}),
    next AS (
      UPDATE sessions SET last_seq = last_seq + 1, updated_at = now() WHERE id = ${sessionId}::uuid AND EXISTS (SELECT 1 FROM go) RETURNING last_seq
    ),
    appended AS (
      INSERT INTO session_events (session_id, seq, type, payload, attempt, created_at)
      SELECT ${sessionId}::uuid, last_seq, ${event.type}, ${JSON.stringify(event.payload)}::jsonb, ${lease.attempt}, now() FROM next
      RETURNING seq, created_at
    )
    SELECT EXISTS (SELECT 1 FROM lease) AS held, counted.files, appended.seq, appended.created_at
    FROM counted LEFT JOIN appended ON true`;
  const row = rows[0];
  if (!row?.held) throw new LeaseLostError(lease.jobId);
  if (row.seq === null || row.created_at === null) throw tooManyFiles(limits, Number(row.files));
  return { stored, event: toEvent(sessionId, event, row as InsertedRow) as SessionEvent<'file_written'> };
}

/** Deletes one file; returns false when the project had no such file. */
export async function deleteProjectFile(client: Client, projectId: string, path: string): Promise<boolean> {
  const { count } = await client.projectFile.deleteMany({ where: { projectId, path: normalizeProjectPath(path) } });
  return count > 0;
}

export async function listProjectFiles(client: Client, projectId: string): Promise<StoredFile[]> {
  return client.projectFile.findMany({ where: { projectId }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } });
}

/** The project's files with their contents (`binary`: the content is the bytes in base64, an imported image, say). */
export async function readProjectFiles(client: Client, projectId: string): Promise<Array<StoredFile & { content: string; binary: boolean }>> {
  // One query with the join (Prisma's `include` makes it two).
  return client.$queryRaw<Array<StoredFile & { content: string; binary: boolean }>>`
    SELECT f.path, f.sha, f.size, b.content, b."binary" FROM project_files f JOIN file_blobs b ON b.sha = f.sha
    WHERE f.project_id = ${projectId}::uuid ORDER BY f.path`;
}

/**
 * One file's text, or null when there is none. A binary file (an imported image) is BAD_USER_INPUT: it
 * has no text to read or edit (the model's tools say so instead of handing it base64).
 */
export async function readProjectFile(client: Client, projectId: string, path: string): Promise<string | null> {
  const file = await client.projectFile.findUnique({ where: { projectId_path: { projectId, path: normalizeProjectPath(path) } }, include: { blob: true } });
  if (file?.blob.binary) throw new ValidationError(`${file.path} is a binary file (${file.size} bytes): it cannot be read or edited as text`, { path: file.path });
  return file?.blob.content ?? null;
}

/** Records the project's current files as the session's snapshot (replacing an earlier one). */
export async function snapshotSessionFiles(client: Client, sessionId: string, projectId: string): Promise<void> {
  const { gone, upsert } = snapshotSessionFilesSql(sessionId, projectId);
  await client.$executeRaw`WITH gone AS (${gone}) ${upsert}`;
}

/**
 * snapshotSessionFiles as two statements for the CTEs of a larger one, written only when `onlyIf`
 * holds: the paths the project no longer has go (`gone`), the others are written or rewritten
 * (`upsert`). They touch different rows, so they can share a statement.
 */
export function snapshotSessionFilesSql(sessionId: string, projectId: string, onlyIf: Prisma.Sql = Prisma.sql`true`): { gone: Prisma.Sql; upsert: Prisma.Sql } {
  return {
    gone: Prisma.sql`
      DELETE FROM session_files WHERE session_id = ${sessionId}::uuid AND ${onlyIf}
        AND path NOT IN (SELECT path FROM project_files WHERE project_id = ${projectId}::uuid)`,
    upsert: Prisma.sql`
      INSERT INTO session_files (session_id, path, sha, size)
      SELECT ${sessionId}::uuid, path, sha, size FROM project_files WHERE project_id = ${projectId}::uuid AND ${onlyIf}
      ON CONFLICT (session_id, path) DO UPDATE SET sha = excluded.sha, size = excluded.size`,
  };
}

/** Puts a project's files back as a session left them. */
export async function restoreSessionFiles(client: Client, sessionId: string, projectId: string): Promise<StoredFile[]> {
  return replaceProjectFiles(client, projectId, await listSessionFiles(client, sessionId));
}

/** A session's snapshot: the project's files as it left them. */
export async function listSessionFiles(client: Client, sessionId: string): Promise<StoredFile[]> {
  return client.sessionFile.findMany({ where: { sessionId }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } });
}

/** A checkpoint's files. */
export async function listCheckpointFiles(client: Client, checkpointId: string): Promise<StoredFile[]> {
  return client.checkpointFile.findMany({ where: { checkpointId }, select: { path: true, sha: true, size: true }, orderBy: { path: 'asc' } });
}

/**
 * Makes `files` the project's whole file set (restore, fork). Blobs are content-addressed, so only the
 * rows that name them are written: nothing is copied.
 */
export async function replaceProjectFiles(client: Client, projectId: string, files: StoredFile[]): Promise<StoredFile[]> {
  await client.projectFile.deleteMany({ where: { projectId } });
  if (files.length > 0) await client.projectFile.createMany({ data: files.map(({ path, sha, size }) => ({ projectId, path, sha, size })) });
  return files;
}

/**
 * Bytes of file content a tenant's projects hold in a mode (each project's files counted once per path,
 * deleted projects not at all): what the storage quota counts, in the API and in the worker alike.
 */
export async function storageUsed(client: Pick<PrismaClient, '$queryRaw'> | Prisma.TransactionClient, tenantId: string, mode: 'live' | 'test'): Promise<number> {
  const rows = await client.$queryRaw<{ bytes: bigint | null }[]>`
    SELECT sum(pf.size)::bigint AS bytes FROM project_files pf JOIN projects p ON p.id = pf.project_id
    WHERE p.tenant_id = ${tenantId}::uuid AND p.mode = ${mode}::"Mode" AND p.deleted_at IS NULL`;
  return Number(rows[0]?.bytes ?? 0);
}
