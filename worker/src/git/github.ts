import { Octokit } from '@octokit/rest';
import type { Logger } from '@everjust/core';
import {
  GitProviderError,
  type GitCommit,
  type GitArchive,
  type GitArchiveRequest,
  type GitCommitRequest,
  type GitFile,
  type GitProvider,
  type GitRepository,
  type GitRepositoryRequest,
} from './git-provider.js';

export interface GitHubSettings {
  /** A personal access token (classic or fine-grained) or an installation token; null: anonymous (public repositories only, for reading). */
  token: string | null;
  /** https://api.github.com, or GitHub Enterprise's `/api/v3` (GITHUB_API_URL). */
  apiUrl: string;
  logger?: Logger;
  /** After a repository is made, how long the git data API may still answer "empty" (it catches up). */
  settleMs?: number;
}

/** What the GitHub API answers on failure, as Octokit's RequestError carries it (not imported: duck-typed). */
interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string; errors?: Array<{ message?: string; code?: string }> } };
}

type BranchHead = { state: 'found'; sha: string } | { state: 'missing' } | { state: 'empty' };

/**
 * GitHub through @octokit/rest. A repository is made with `auto_init` (the git data API answers 409
 * on an empty repository); all files go in one commit through the git data API: get ref → get commit
 * → create tree (base_tree, inline contents) → create commit → update ref (or create it for a new
 * branch). A repository that is empty anyway (made elsewhere without auto_init) gets its first commit
 * through the contents API, then the same path.
 */
export function createGitHub(settings: GitHubSettings): GitProvider {
  const logger = settings.logger;
  const octokit = new Octokit({
    ...(settings.token ? { auth: settings.token } : {}),
    baseUrl: settings.apiUrl.replace(/\/+$/, ''),
    userAgent: 'everjust-platform',
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger?.warn({ provider: 'github' }, message),
      error: (message: string) => logger?.error({ provider: 'github' }, message),
    },
  });
  const settleMs = settings.settleMs ?? 3_000;

  /** Runs one GitHub call; failures come out classified. */
  async function call<T>(what: string, signal: AbortSignal | undefined, run: (request: { signal?: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await run({ signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw classify(error, what);
    }
  }

  async function branchHead(owner: string, repo: string, branch: string, signal?: AbortSignal): Promise<BranchHead> {
    try {
      // Octokit percent-encodes the ref (`heads%2Fmain`), as GitHub expects.
      const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}`, request: { signal } });
      return { state: 'found', sha: data.object.sha };
    } catch (error) {
      if (signal?.aborted) throw error;
      const status = (error as HttpFailure).status;
      if (status === 404) return { state: 'missing' };
      if (status === 409) return { state: 'empty' };
      throw classify(error, `reading branch ${branch}`);
    }
  }

  /** Like branchHead, but an "empty" right after creation is waited out for up to `settleMs`. */
  async function settledHead(owner: string, repo: string, branch: string, justCreated: boolean, signal?: AbortSignal): Promise<BranchHead> {
    const deadline = Date.now() + (justCreated ? settleMs : 0);
    for (;;) {
      const head = await branchHead(owner, repo, branch, signal);
      if (head.state !== 'empty' || Date.now() >= deadline) return head;
      await sleep(250, signal);
    }
  }

  /** The first commit of an empty repository, through the contents API (the git data API refuses). */
  async function seedEmptyRepository(owner: string, repo: string, branch: string, message: string, file: GitFile, signal?: AbortSignal) {
    await call(`creating the first commit of ${owner}/${repo}`, signal, (request) =>
      octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: file.path,
        branch,
        message,
        content: file.binary ? file.content : Buffer.from(file.content, 'utf8').toString('base64'),
        request,
      }),
    );
  }

  const created = new Set<string>();

  return {
    name: 'github',

    async downloadArchive(request: GitArchiveRequest): Promise<GitArchive> {
      const { owner, name: repo, signal } = request;
      const visibility = settings.token ? 'or the token cannot see it' : 'or it is private (store a GitHub token to import private repositories)';
      let ref = request.ref;
      if (!ref) {
        const { data } = await call(`reading ${owner}/${repo}`, signal, (options) => octokit.rest.repos.get({ owner, repo, request: options })).catch((error: unknown) => {
          throw notFound(error, `The repository ${owner}/${repo} does not exist, ${visibility}`);
        });
        ref = data.default_branch || 'main';
      }
      // The zipball answers 302 to codeload; fetch follows it (dropping the Authorization header on the
      // way to another origin: the redirect URL carries its own token). The body is read as a stream, so
      // an archive over the limit is dropped as soon as it passes it, never held whole.
      const response = await call(`downloading ${owner}/${repo}@${ref}`, signal, (options) =>
        octokit.rest.repos.downloadZipballArchive({ owner, repo, ref: ref!, request: { ...options, parseSuccessResponseBody: false } }),
      ).catch((error: unknown) => {
        throw notFound(error, `The repository ${owner}/${repo} or its ref ${JSON.stringify(ref)} does not exist, ${visibility}`);
      });
      const body = response.data as unknown as ReadableStream<Uint8Array> | null;
      if (!body) throw new GitProviderError('UNAVAILABLE', `GitHub sent no archive for ${owner}/${repo}@${ref}`, true);
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > request.maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new GitProviderError('ARCHIVE_TOO_LARGE', `The archive of ${owner}/${repo}@${ref} is over the ${request.maxBytes}-byte import limit`, false);
        }
        chunks.push(value);
      }
      const bytes = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(chunk, offset);
        offset += chunk.byteLength;
      }
      return { bytes, ref };
    },

    async ensureRepository(request: GitRepositoryRequest): Promise<GitRepository> {
      const { owner, name, signal } = request;
      try {
        const { data } = await octokit.rest.repos.get({ owner, repo: name, request: { signal } });
        if (data.permissions && !data.permissions.push) {
          throw new GitProviderError('FORBIDDEN', `The GitHub token cannot push to ${owner}/${name}`, false, 403);
        }
        return { owner: data.owner.login, name: data.name, url: data.html_url, defaultBranch: data.default_branch || 'main', created: false };
      } catch (error) {
        if (error instanceof GitProviderError || signal?.aborted) throw error;
        // 404: missing, or private and out of this token's sight; creating it tells which.
        if ((error as HttpFailure).status !== 404) throw classify(error, `reading ${owner}/${name}`);
      }
      const user = await call('reading the token’s user', signal, (options) => octokit.rest.users.getAuthenticated({ request: options }));
      const body = { name, private: request.private, auto_init: true, description: request.description };
      const isUser = user.data.login.toLowerCase() === owner.toLowerCase();
      const { data } = await call(`creating ${owner}/${name}`, signal, (options) =>
        isUser
          ? octokit.rest.repos.createForAuthenticatedUser({ ...body, request: options })
          : octokit.rest.repos.createInOrg({ org: owner, ...body, request: options }),
      );
      created.add(`${owner}/${name}`.toLowerCase());
      return { owner: data.owner.login, name: data.name, url: data.html_url, defaultBranch: data.default_branch || 'main', created: true };
    },

    async commitFiles(request: GitCommitRequest): Promise<GitCommit> {
      const { owner, name: repo, branch, message, files, signal } = request;
      if (files.length === 0) throw new GitProviderError('INVALID_REQUEST', 'There are no files to commit', false);
      const justCreated = created.has(`${owner}/${repo}`.toLowerCase());
      let head = await settledHead(owner, repo, branch, justCreated, signal);
      let createRef = false;
      if (head.state === 'missing') {
        // A new branch starts from the default branch (unless the repository is empty).
        const { data } = await call(`reading ${owner}/${repo}`, signal, (options) => octokit.rest.repos.get({ owner, repo, request: options }));
        const base = data.default_branch && data.default_branch !== branch ? await branchHead(owner, repo, data.default_branch, signal) : ({ state: 'empty' } as const);
        if (base.state === 'found') {
          head = base;
          createRef = true;
        } else {
          head = { state: 'empty' };
        }
      }
      if (head.state === 'empty') {
        logger?.info({ owner, repo, branch }, 'empty repository: making its first commit through the contents API');
        await seedEmptyRepository(owner, repo, branch, message, files[0], signal);
        head = await settledHead(owner, repo, branch, true, signal);
        if (head.state !== 'found') throw new GitProviderError('UNAVAILABLE', `The branch ${branch} did not appear after the first commit`, true);
      }
      const parentSha = head.sha;
      const parent = await call('reading the branch’s commit', signal, (options) => octokit.rest.git.getCommit({ owner, repo, commit_sha: parentSha, request: options }));
      // Text goes inline in the tree; a binary file needs a blob of its own first (inline content is UTF-8).
      const blobShas = new Map<string, string>();
      for (const file of files.filter((candidate) => candidate.binary)) {
        const blob = await call(`uploading ${file.path}`, signal, (options) => octokit.rest.git.createBlob({ owner, repo, content: file.content, encoding: 'base64', request: options }));
        blobShas.set(file.path, blob.data.sha);
      }
      const tree = await call('creating the tree', signal, (options) =>
        octokit.rest.git.createTree({
          owner,
          repo,
          base_tree: parent.data.tree.sha,
          tree: files.map((file) =>
            blobShas.has(file.path)
              ? { path: file.path, mode: '100644' as const, type: 'blob' as const, sha: blobShas.get(file.path)! }
              : { path: file.path, mode: '100644' as const, type: 'blob' as const, content: file.content },
          ),
          request: options,
        }),
      );
      if (tree.data.sha === parent.data.tree.sha && !createRef) {
        // The branch already holds exactly these files (a retried export): nothing to commit.
        return { sha: parentSha, branch, changed: false };
      }
      const commit = await call('creating the commit', signal, (options) =>
        octokit.rest.git.createCommit({ owner, repo, message, tree: tree.data.sha, parents: [parentSha], request: options }),
      );
      if (createRef) {
        await call(`creating branch ${branch}`, signal, (options) =>
          octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.data.sha, request: options }),
        );
      } else {
        await call(`updating branch ${branch}`, signal, (options) =>
          octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.data.sha, force: false, request: options }),
        );
      }
      return { sha: commit.data.sha, branch, changed: true };
    },
  };
}

/** GitHub's answer as a GitProviderError with a code; the message never holds the token (Octokit's never does). */
function classify(error: unknown, what: string): GitProviderError {
  if (error instanceof GitProviderError) return error;
  const failure = error as HttpFailure;
  const status = failure.status;
  const detail = failure.response?.data?.message ?? failure.message ?? 'unknown error';
  const details = [detail, ...(failure.response?.data?.errors ?? []).map((item) => item.message).filter(Boolean)].join('; ');
  const headers = failure.response?.headers ?? {};
  if (!failure.response) return new GitProviderError('UNAVAILABLE', `GitHub could not be reached while ${what}: ${detail}`, true, status);
  switch (status) {
    case 401:
      return new GitProviderError('UNAUTHORIZED', `GitHub refused the token while ${what} (401 ${detail}): it is wrong, expired or revoked`, false, 401);
    case 403:
    case 429:
      if (status === 429 || headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(detail)) {
        return new GitProviderError('RATE_LIMITED', `GitHub's rate limit was hit while ${what}: ${detail}`, true, status);
      }
      return new GitProviderError('FORBIDDEN', `The GitHub token lacks the rights for ${what} (403 ${details})`, false, 403);
    case 404:
      return new GitProviderError('NOT_FOUND', `GitHub found nothing while ${what} (404): the owner does not exist, or the token cannot see or create it`, false, 404);
    case 409:
      return new GitProviderError('CONFLICT', `GitHub reported a conflict while ${what} (409 ${detail})`, true, 409);
    case 422:
      if (/already exists/i.test(details)) return new GitProviderError('REPOSITORY_EXISTS', `${what}: the name is taken (422 ${details})`, false, 422);
      if (/fast forward/i.test(details)) return new GitProviderError('CONFLICT', `The branch moved while ${what} (422 ${details})`, true, 422);
      return new GitProviderError('INVALID_REQUEST', `GitHub refused the request while ${what} (422 ${details})`, false, 422);
    default:
      return new GitProviderError('UNAVAILABLE', `GitHub failed while ${what} (${status ?? 'no status'} ${detail})`, (status ?? 500) >= 500, status);
  }
}

/** A 404 with the caller's words (which repository, and what may be wrong), other failures as they are. */
function notFound(error: unknown, message: string): unknown {
  return error instanceof GitProviderError && error.code === 'NOT_FOUND' ? new GitProviderError('NOT_FOUND', message, false, 404) : error;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
