import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { appendFencedEvents, LeaseLostError, type Lease } from '../events/event-log.js';
import type { SessionEvent } from '../events/event-types.js';
import type { ImportedFileContent } from './zip-archive.js';

type Client = PrismaClient | Prisma.TransactionClient;

/** A file of an import, already checked against the limits (planImport) and read (fileContentOf). */
export interface ImportedFile extends ImportedFileContent {
  path: string;
}

/**
 * writeImportedFilesFenced: a batch of an import's files and their `file_written` events, in the
 * caller's transaction, only while `lease` is held: the events first (their statement locks the job
 * row and checks the lease; a lost lease throws and the transaction writes nothing), then every blob
 * and path in one statement. Two statements per batch, whatever its size, instead of one per file.
 * Binary files are stored as base64 with `binary` set; a blob already there (the same bytes) is kept.
 */
export async function writeImportedFilesFenced(
  tx: Prisma.TransactionClient,
  options: { sessionId: string; lease: Lease; projectId: string; files: readonly ImportedFile[] },
): Promise<SessionEvent<'file_written'>[]> {
  const { sessionId, lease, projectId, files } = options;
  if (files.length === 0) return [];
  const events = await appendFencedEvents(
    tx,
    files.map((file) => ({ sessionId, lease, event: { type: 'file_written' as const, payload: { path: file.path, size: file.size, sha: file.sha } } })),
  );
  if (events.some((event) => event === null)) throw new LeaseLostError(lease.jobId);
  const shas = files.map((file) => file.sha);
  const sizes = files.map((file) => file.size);
  await tx.$executeRaw`
    WITH blobs AS (
      INSERT INTO file_blobs (sha, content, size, "binary")
      SELECT * FROM unnest(${shas}::text[], ${files.map((file) => file.content)}::text[], ${sizes}::int[], ${files.map((file) => file.binary)}::boolean[])
      ON CONFLICT (sha) DO NOTHING
    )
    INSERT INTO project_files (project_id, path, sha, size, updated_at)
    SELECT ${projectId}::uuid, path, sha, size, now()
    FROM unnest(${files.map((file) => file.path)}::text[], ${shas}::text[], ${sizes}::int[]) AS f(path, sha, size)
    ON CONFLICT (project_id, path) DO UPDATE SET sha = excluded.sha, size = excluded.size, updated_at = excluded.updated_at`;
  return events as SessionEvent<'file_written'>[];
}

/** Paths and shas the project already has (a retried import skips what its earlier attempt wrote). */
export async function projectFileShas(client: Client, projectId: string): Promise<Map<string, string>> {
  const rows = await client.projectFile.findMany({ where: { projectId }, select: { path: true, sha: true } });
  return new Map(rows.map((row) => [row.path, row.sha]));
}
