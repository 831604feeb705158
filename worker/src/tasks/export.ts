import { openSecret, readProjectFiles, SEALED_CONTEXTS, SecretBoxError } from '@everjust/core';
import { GitProviderError, type GitProvider } from '../git/git-provider.js';
import { TaskError, type TaskContext, type TaskHandler } from './task.js';

/** What `exportToGitHub` puts in the job: where to push, and a token sealed for this session when one was passed. */
export interface ExportJobPayload {
  owner: string;
  repo: string;
  private: boolean;
  branch: string;
  message: string;
  description?: string;
  /** A token passed with the call, sealed for this session; absent: the tenant's stored token (live mode only). */
  sealedToken?: string;
}

export interface ExportTaskOptions {
  /** EVERJUST_SECRET: opens the sealed tokens. */
  secret: string;
  /** Makes a git provider for one token (GitHub, at `config.github.apiUrl`). */
  gitProviderFor(token: string, context: TaskContext): GitProvider;
}

/**
 * The `export` task: the project's files, in one commit, to a GitHub repository it makes when
 * missing. Its `done` carries `{ repositoryUrl, commitSha, branch }`; GitHub's refusals end it as
 * failed with a GITHUB_… code (the worker retries only what may pass on a second try).
 */
export function createExportTask(options: ExportTaskOptions): TaskHandler {
  return async (context) => {
    const { writer, signal, prisma, session, job } = context;
    const payload = job.payload as unknown as ExportJobPayload;
    const token = await exportToken(context, payload, options.secret);
    const files = await readProjectFiles(prisma, session.projectId);
    if (files.length === 0) throw new TaskError('EXPORT_EMPTY_PROJECT', 'The project has no files to export', false);

    await writer.append({ type: 'status', payload: { status: 'running', step: 'exporting', message: `Exporting ${files.length} files to ${payload.owner}/${payload.repo}` } });
    const git = options.gitProviderFor(token, context);
    try {
      const repository = await git.ensureRepository({ owner: payload.owner, name: payload.repo, private: payload.private, description: payload.description, signal });
      if (repository.created) {
        await writer.append({ type: 'status', payload: { status: 'running', step: 'exporting', message: `Created the repository ${repository.owner}/${repository.name}` } });
      }
      const commit = await git.commitFiles({
        owner: repository.owner,
        name: repository.name,
        branch: payload.branch,
        message: payload.message,
        files: files.map((file) => ({ path: file.path, content: file.content, binary: file.binary })),
        signal,
      });
      return { result: { repositoryUrl: repository.url, commitSha: commit.sha, branch: commit.branch } };
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof GitProviderError) throw new TaskError(`GITHUB_${error.code}`, error.message, error.retryable);
      throw error;
    }
  };
}

/**
 * The token for this export: the one passed with the call, else (live mode only) the tenant's; never
 * logged, never in an event. The stored token is a live credential, set by live keys only: a test-mode
 * export never falls back to it, whatever its job says (the API already refuses one without a token).
 */
async function exportToken(context: TaskContext, payload: ExportJobPayload, secret: string): Promise<string> {
  const { session, prisma } = context;
  try {
    if (payload.sealedToken) return openSecret(secret, payload.sealedToken, SEALED_CONTEXTS.sessionGitHubToken(session.id));
    if (session.mode !== 'live') {
      throw new TaskError('GITHUB_TOKEN_MISSING', 'A test-mode export uses only a token passed with the call (`token`), never the stored one', false);
    }
    const tenant = await prisma.tenant.findUnique({ where: { id: session.tenantId }, select: { githubTokenEncrypted: true } });
    if (tenant?.githubTokenEncrypted) return openSecret(secret, tenant.githubTokenEncrypted, SEALED_CONTEXTS.tenantGitHubToken(session.tenantId));
  } catch (error) {
    if (error instanceof SecretBoxError) {
      throw new TaskError('GITHUB_TOKEN_UNREADABLE', 'The stored GitHub token cannot be decrypted (was EVERJUST_SECRET changed?); set it again with setGitHubToken', false);
    }
    throw error;
  }
  throw new TaskError('GITHUB_TOKEN_MISSING', 'No GitHub token: it was cleared after the export started; set one with setGitHubToken or pass `token`', false);
}
