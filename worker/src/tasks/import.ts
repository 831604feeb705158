import {
  ArchiveRefusedError,
  extractZipEntry,
  fileContentOf,
  limitsFor,
  openSecret,
  planImport,
  projectFileShas,
  readZipDirectory,
  SEALED_CONTEXTS,
  SecretBoxError,
  storageUsed,
  type ImportedFile,
} from '@everjust/core';
import { GitProviderError, type GitProvider } from '../git/git-provider.js';
import { TaskError, type TaskContext, type TaskHandler } from './task.js';

/** What `importProject` puts in the job: where the files come from, and a token sealed for this session when one was passed. */
export type ImportJobPayload =
  | { github: { owner: string; repo: string; ref?: string; path?: string }; sealedToken?: string }
  | { uploadId: string };

export interface ImportTaskOptions {
  /** EVERJUST_SECRET: opens the sealed tokens. */
  secret: string;
  /** Makes a git provider for one token, or an anonymous one (null). */
  gitProviderFor(token: string | null, context: TaskContext): GitProvider;
}

/** Files per fenced write: two statements each, whatever the size. */
const BATCH_SIZE = 100;
/** How much of the skipped list the `done` event carries (the counts are always whole). */
const SKIPPED_LISTED = 200;

/**
 * The `import` task: a GitHub repository (its zipball, through the git provider) or an uploaded ZIP
 * becomes the project's files, with the platform's limits applied. The archive is read whole and every
 * file it keeps inflated and checked before the first is written: a refused archive (not a ZIP, a
 * zip bomb, a path that escapes, a symbolic link in an upload) writes nothing. Then one `file_written`
 * per file, in fenced batches; `done` carries `{ imported, skipped, binary, skippedFiles, source }`.
 */
export function createImportTask(options: ImportTaskOptions): TaskHandler {
  return async (context) => {
    const { writer, signal, prisma, session, job, config } = context;
    const payload = job.payload as unknown as ImportJobPayload;
    const limits = { fileMaxBytes: config.limits.fileMaxBytes, projectMaxFiles: config.limits.projectMaxFiles };
    const github = 'github' in payload ? payload.github : null;
    const uploadId = 'uploadId' in payload ? payload.uploadId : null;
    let bytes: Uint8Array;
    let source: Record<string, unknown>;
    if (github) {
      const where = `${github.owner}/${github.repo}${github.ref ? `@${github.ref}` : ''}`;
      await writer.append({ type: 'status', payload: { status: 'running', step: 'importing', message: `Downloading ${where} from GitHub` } });
      const git = options.gitProviderFor(await importToken(context, payload, options.secret), context);
      try {
        const archive = await git.downloadArchive({ owner: github.owner, name: github.repo, ref: github.ref, maxBytes: config.imports.uploadMaxBytes, signal });
        bytes = archive.bytes;
        source = { github: { owner: github.owner, repo: github.repo, ref: archive.ref, ...(github.path ? { path: github.path } : {}) } };
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof GitProviderError) throw new TaskError(`GITHUB_${error.code}`, error.message, error.retryable);
        throw error;
      }
    } else {
      await writer.append({ type: 'status', payload: { status: 'running', step: 'importing', message: 'Reading the uploaded archive' } });
      const upload = await prisma.upload.findFirst({ where: { id: uploadId!, tenantId: session.tenantId, mode: session.mode }, select: { data: true, expiresAt: true, filename: true } });
      if (!upload || upload.expiresAt.getTime() <= Date.now()) {
        throw new TaskError('IMPORT_UPLOAD_EXPIRED', 'The upload has expired (or was deleted) before the import ran: upload the archive again', false);
      }
      bytes = upload.data;
      source = { upload: { filename: upload.filename } };
    }

    let files: ImportedFile[];
    let plan: ReturnType<typeof planImport>;
    try {
      const entries = readZipDirectory(bytes, config.imports);
      plan = planImport(entries, { untrusted: github ? 'skip' : 'refuse', stripTopFolder: github ? 'always' : 'when-single', subfolder: github?.path, limits });
      if (github?.path && plan.files.length === 0 && plan.skipped.length === 0) {
        throw new TaskError('IMPORT_PATH_NOT_FOUND', `${github.owner}/${github.repo} has no folder ${JSON.stringify(github.path)} (or nothing in it)`, false);
      }
      files = plan.files.map(({ path, entry }) => ({ path, ...fileContentOf(extractZipEntry(bytes, entry)) }));
    } catch (error) {
      if (error instanceof ArchiveRefusedError) throw new TaskError(`IMPORT_${error.reason}`, `The archive was refused: ${error.message}. Nothing was imported.`, false);
      throw error;
    }

    // A retried attempt skips what the one before it already wrote (same path, same content).
    const existing = await projectFileShas(prisma, session.projectId);
    const pending = files.filter((file) => existing.get(file.path) !== file.sha);
    await checkStorage(context, pending.reduce((sum, file) => sum + file.size, 0));
    for (let start = 0; start < pending.length; start += BATCH_SIZE) {
      signal.throwIfAborted();
      await writer.writeImportedFiles(pending.slice(start, start + BATCH_SIZE));
    }
    const skipped = plan.skipped.reduce((sum, item) => sum + item.files, 0);
    const binary = files.filter((file) => file.binary).length;
    await writer.append({
      type: 'status',
      payload: { status: 'running', step: 'importing', message: `Imported ${files.length} files${binary ? ` (${binary} binary)` : ''}; left out ${skipped}` },
    });
    return {
      result: {
        imported: files.length,
        skipped,
        binary,
        skippedFiles: plan.skipped.slice(0, SKIPPED_LISTED),
        ...(plan.skipped.length > SKIPPED_LISTED ? { skippedFilesTruncated: true } : {}),
        source: plan.strippedFolder && 'upload' in source ? { upload: { ...(source.upload as object), strippedFolder: plan.strippedFolder } } : source,
      },
    };
  };
}

/**
 * The tenant's storage limit, checked before anything is written: an upload's import was checked by
 * its declared sizes when it started; a GitHub import's size is known only here. Not under the
 * tenant's lock (a worker does not take it): two imports at once may pass it together, by at most one
 * archive each.
 */
async function checkStorage(context: TaskContext, addedBytes: number): Promise<void> {
  const { prisma, session } = context;
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: session.tenantId }, select: { tier: true, limitOverrides: true } });
  const max = limitsFor(tenant, session.mode).storageBytes;
  const used = await storageUsed(prisma, session.tenantId, session.mode);
  if (used + addedBytes > max) {
    throw new TaskError('QUOTA_EXCEEDED', `The import needs ${addedBytes} bytes; the tenant stores ${used} of its ${max}-byte limit. Nothing was imported.`, false);
  }
}

/**
 * The token for a GitHub import: the one passed with the call, else (live mode only) the tenant's
 * stored one, else none (public repositories only). Never logged, never in an event.
 */
async function importToken(context: TaskContext, payload: ImportJobPayload, secret: string): Promise<string | null> {
  const { session, prisma } = context;
  try {
    if ('sealedToken' in payload && payload.sealedToken) return openSecret(secret, payload.sealedToken, SEALED_CONTEXTS.sessionGitHubToken(session.id));
    // The stored token is a live credential: a test-mode import never borrows it.
    if (session.mode !== 'live') return null;
    const tenant = await prisma.tenant.findUnique({ where: { id: session.tenantId }, select: { githubTokenEncrypted: true } });
    return tenant?.githubTokenEncrypted ? openSecret(secret, tenant.githubTokenEncrypted, SEALED_CONTEXTS.tenantGitHubToken(session.tenantId)) : null;
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new TaskError('GITHUB_TOKEN_UNREADABLE', 'The stored GitHub token cannot be decrypted (was EVERJUST_SECRET changed?); set it again with setGitHubToken', false);
    }
    throw error;
  }
}
