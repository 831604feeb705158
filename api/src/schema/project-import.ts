import { z } from 'zod';
import {
  ArchiveRefusedError,
  decodeIdOf,
  normalizeProjectPath,
  NotFoundError,
  planImport,
  readZipDirectory,
  sealSecret,
  SEALED_CONTEXTS,
  ValidationError,
  type Prisma,
} from '@everjust/core';
import { requireScope, requireSecretKey } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { checkProjectQuota, checkStorageQuota } from '../services/quotas.js';
import { startSessionWithJob } from '../services/start-session.js';
import { builder } from './builder.js';
import { branchSchema, ownerSchema, repositorySchema, tokenSchema } from './github.js';
import { externalUserIdSchema, idempotencyKeySchema, metadataSchema, nameSchema } from './projects.js';

/**
 * importProject: a new project from code that exists already, a GitHub repository or a ZIP uploaded
 * with `POST /v1/uploads` (api/src/plugins/use-uploads.ts), brought in by a session of kind `import`
 * (worker/src/tasks/import.ts).
 */

const folderSchema = z
  .string()
  .trim()
  .max(255, 'must be at most 255 characters')
  .transform((path) => path.replace(/^\/+|\/+$/g, ''))
  .refine((path) => {
    if (path === '') return true;
    try {
      normalizeProjectPath(path);
      return true;
    } catch {
      return false;
    }
  }, 'must be a folder inside the repository (relative, no "..")');

const GitHubImportSourceInput = builder.inputType('GitHubImportSourceInput', {
  fields: (t) => ({
    owner: t.string({ required: true, validate: ownerSchema }),
    repo: t.string({ required: true, validate: repositorySchema }),
    ref: t.string({ required: false, validate: branchSchema, description: "A branch, tag or commit sha; default: the repository's default branch." }),
    path: t.string({ required: false, validate: folderSchema, description: 'Only this folder of the repository, which becomes the project root (a monorepo package).' }),
    token: t.string({
      required: false,
      validate: tokenSchema,
      description:
        "For a private repository, for this import only; without one a live-mode import uses the tenant's stored token (setGitHubToken), and otherwise reads public repositories only. Kept encrypted until the import ends; never shown.",
    }),
  }),
});

const ImportSourceInput = builder.inputType('ImportSourceInput', {
  description: 'Exactly one of `github` or `archiveUploadId`.',
  fields: (t) => ({
    github: t.field({ type: GitHubImportSourceInput, required: false }),
    archiveUploadId: t.id({ required: false, description: 'The `id` `POST /v1/uploads` answered with (a ZIP, before it expires).' }),
  }),
});

const ImportProjectInput = builder.inputType('ImportProjectInput', {
  fields: (t) => ({
    source: t.field({ type: ImportSourceInput, required: true }),
    name: t.string({ required: true, validate: nameSchema }),
    description: t.string({ required: false, validate: z.string().max(2_000) }),
    externalUserId: t.string({ required: false, validate: externalUserIdSchema }),
    metadata: t.field({ type: 'JSONObject', required: false, validate: metadataSchema }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

const refuse = (path: string[], message: string, details: Record<string, unknown> = {}) => new ValidationError(`${path.join('.')}: ${message}`, { issues: [{ path, message }], ...details });

/**
 * An upload of the caller's tenant and mode that has not expired, with its archive checked as far as
 * it can be without inflating it: not a ZIP, a zip bomb (declared size or ratio), too many entries,
 * an unsafe path or a symbolic link is BAD_USER_INPUT with `reason`, before anything is made.
 */
async function checkUpload(context: RequestContext, globalId: string): Promise<{ id: string; bytes: number }> {
  const { prisma, config } = context.services;
  let id: string | null = null;
  try {
    id = decodeIdOf('Upload', globalId);
  } catch {
    id = null;
  }
  const upload = id ? await prisma.upload.findFirst({ where: { id, tenantId: context.caller.tenantId, mode: context.caller.mode, expiresAt: { gt: new Date() } }, select: { id: true, data: true } }) : null;
  // Another tenant's, the other mode's, an expired one and none at all look the same.
  if (!upload) throw new NotFoundError('Upload', globalId);
  try {
    const plan = planImport(readZipDirectory(upload.data, config.imports), { untrusted: 'refuse', stripTopFolder: 'when-single', limits: config.limits });
    // What the import will store, by the sizes the archive declares (the worker holds it to them).
    return { id: upload.id, bytes: plan.files.reduce((sum, file) => sum + file.entry.size, 0) };
  } catch (error) {
    if (error instanceof ArchiveRefusedError) {
      throw refuse(['input', 'source', 'archiveUploadId'], `the archive is refused: ${error.message}`, { reason: error.reason, ...(error.entry ? { entry: error.entry } : {}) });
    }
    throw error;
  }
}

builder.mutationFields((t) => ({
  importProject: t.prismaField({
    type: 'Session',
    description:
      "Makes a project from a GitHub repository or an uploaded ZIP and returns at once the session of kind `import` that fills it (`session.project` is the new project). Each file imported is a `file_written` event; the platform's limits apply (files per project, bytes per file): what is left out, and `node_modules/`, `.git/` and build outputs (`dist/`, `build/`, `.next/`), is listed in the `done` event's `result: { imported, skipped, binary, skippedFiles: [{ path, reason, files }], source }`. Binary files are kept (as base64, `ProjectFile.binary`). A ZIP whose files all sit in one folder (`my-app/…`) has that folder's files as the project root. A repository that does not exist or cannot be read fails the session (`GITHUB_NOT_FOUND`); an archive that is not a ZIP, a zip bomb, or holds paths that escape the project or symbolic links is refused (BAD_USER_INPUT with `reason`) and nothing is made.",
    args: { input: t.arg({ type: ImportProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      requireScope(context.caller, 'sessions:write');
      requireSecretKey(context.caller, 'import a project');
      const { prisma, secret } = context.services;
      const { github, archiveUploadId } = input.source;
      if (Boolean(github) === Boolean(archiveUploadId)) throw refuse(['input', 'source'], 'give exactly one of github or archiveUploadId');
      const upload = archiveUploadId ? await checkUpload(context, String(archiveUploadId)) : null;
      const token = github?.token?.trim() || null;
      const target = github ? { owner: github.owner, repo: github.repo, ...(github.ref ? { ref: github.ref } : {}), ...(github.path ? { path: github.path } : {}) } : null;
      const fields = {
        name: input.name.trim(),
        description: input.description ?? null,
        externalUserId: input.externalUserId ?? null,
        metadata: (input.metadata ?? {}) as Prisma.InputJsonObject,
      };
      const session = await startSessionWithJob(context, {
        kind: 'import',
        // The project is made in the session's transaction: a refused start (a quota) leaves no empty project behind.
        project: async (tx) => {
          await checkProjectQuota(tx, context.caller);
          // A GitHub import's size is known only once downloaded: the worker checks it then.
          if (upload) await checkStorageQuota(tx, context.caller, upload.bytes);
          return tx.project.create({ data: { tenantId: context.caller.tenantId, mode: context.caller.mode, ...fields }, select: { id: true, externalUserId: true } });
        },
        operation: 'importProject',
        idempotencyKey: input.idempotencyKey,
        // The token stays out of the stored hash; only where it comes from counts.
        idempotencyInput: { ...fields, source: target ? { github: target, tokenSource: token ? 'input' : 'none' } : { archiveUploadId: upload!.id } },
        jobPayload: (sessionId) =>
          target ? { github: target, ...(token ? { sealedToken: sealSecret(secret, token, SEALED_CONTEXTS.sessionGitHubToken(sessionId)) } : {}) } : { uploadId: upload!.id },
      });
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
}));
