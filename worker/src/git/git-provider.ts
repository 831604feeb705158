/**
 * The narrow interface between the export task and a git host (v1): make the repository when it is
 * missing, then commit a project's files to a branch in one commit. One vendor per file (`github.ts`),
 * made by a `create<Vendor>(settings)` factory; the task never imports a vendor SDK.
 */
import { WorkerError } from '../worker-error.js';

export interface GitRepositoryRequest {
  /** A user or an organisation. */
  owner: string;
  name: string;
  private: boolean;
  description?: string;
  signal?: AbortSignal;
}

export interface GitRepository {
  owner: string;
  name: string;
  /** The page people open (https://github.com/owner/name). */
  url: string;
  defaultBranch: string;
  /** True when this call made it. */
  created: boolean;
}

export interface GitFile {
  /** Relative, `/`-separated; already validated (normalizeProjectPath). */
  path: string;
  /** Text (UTF-8), or (`binary`) the bytes in base64. */
  content: string;
  /** A binary file (an imported image): sent as a blob of its bytes. */
  binary?: boolean;
}

export interface GitCommitRequest {
  owner: string;
  name: string;
  branch: string;
  message: string;
  files: readonly GitFile[];
  signal?: AbortSignal;
}

export interface GitCommit {
  sha: string;
  branch: string;
  /** False when the branch already held exactly these files (a retried export): no new commit was made. */
  changed: boolean;
}

export interface GitArchiveRequest {
  owner: string;
  name: string;
  /** A branch, tag or commit sha; default: the repository's default branch. */
  ref?: string;
  /** A larger archive is refused (ARCHIVE_TOO_LARGE) as soon as the download passes this. */
  maxBytes: number;
  signal?: AbortSignal;
}

export interface GitArchive {
  /** A ZIP of the ref's files (GitHub's zipball: under one top folder). */
  bytes: Uint8Array;
  /** The ref that was read (the default branch when none was asked for). */
  ref: string;
}

export interface GitProvider {
  readonly name: string;
  /** A ZIP of a repository at a ref (imports). NOT_FOUND when it does not exist or this token (or no token) cannot see it. */
  downloadArchive(request: GitArchiveRequest): Promise<GitArchive>;
  ensureRepository(request: GitRepositoryRequest): Promise<GitRepository>;
  /** Commits every file, in one commit on top of the branch (made from the default branch if missing). */
  commitFiles(request: GitCommitRequest): Promise<GitCommit>;
}

export type GitErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'REPOSITORY_EXISTS'
  | 'INVALID_REQUEST'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'ARCHIVE_TOO_LARGE'
  | 'UNAVAILABLE';

/** A classified failure: the provider says what went wrong and whether trying again may help; the task decides. */
export class GitProviderError extends WorkerError {
  constructor(
    override readonly code: GitErrorCode,
    message: string,
    retryable: boolean,
    readonly status?: number,
  ) {
    super(code, message, retryable);
    this.name = 'GitProviderError';
  }
}
