import {
  CreateProjectDocument,
  DeleteProjectDocument,
  DeployProjectDocument,
  SetProjectDeployTargetDocument,
  SetProjectDomainDocument,
  ForkProjectDocument,
  GetProjectDocument,
  ImportProjectDocument,
  ListProjectsDocument,
  UpdateProjectDocument,
  WriteProjectFilesDocument,
} from '../generated/graphql.js';
import { ListPromise, toPage } from '../pagination.js';
import { newIdempotencyKey, type RequestOptions, type RequestSender } from '../request-sender.js';
import type { DeployAppInput, FileInput, Project, Session } from '../types.js';

/** What `projects.create` takes. */
export interface ProjectCreateParams {
  /** 1–200 characters. */
  name: string;
  description?: string | null;
  /** Your own id for the end user this project belongs to (filter lists by it; budgets apply to it). */
  externalUserId?: string | null;
  /** Up to 50 keys of up to 40 characters, 16 kB of JSON in all. */
  metadata?: Record<string, unknown> | null;
  /**
   * The same key within 24 h returns the first project instead of a new one; with a different input
   * it is an IdempotencyConflictError. Generated when left out, so retries never create twice.
   */
  idempotencyKey?: string;
}

/** What `projects.fork` takes. */
export interface ProjectForkParams {
  /** The name of the new project (1–200 characters). */
  name: string;
  /** Fork from this ended session's snapshot (and the conversation up to it); default: the current files. */
  atSessionId?: string;
  /** Default: the source project's. */
  externalUserId?: string | null;
  /** Default: the source project's. */
  metadata?: Record<string, unknown> | null;
  /** As for `create`: generated when left out, so a retry never forks twice. */
  idempotencyKey?: string;
}

/** Where `projects.import` takes the files from: exactly one. */
export type ProjectImportSource =
  | {
      github: {
        owner: string;
        repo: string;
        /** A branch, tag or commit sha; default: the default branch. */
        ref?: string;
        /** Only this folder, which becomes the project root. */
        path?: string;
        /** For a private repository (this import only); live mode falls back to the stored token (setGitHubToken). */
        token?: string;
      };
    }
  | {
      /** An `uploads.create` id (a ZIP). */
      archiveUploadId: string;
    };

/** What `projects.import` takes. */
export interface ProjectImportParams {
  source: ProjectImportSource;
  name: string;
  description?: string | null;
  externalUserId?: string | null;
  metadata?: Record<string, unknown> | null;
  /** As for `create`: generated when left out, so a retry never imports twice. */
  idempotencyKey?: string;
}

/** What `projects.update` takes: only the fields given change. */
export interface ProjectUpdateParams {
  name?: string;
  description?: string | null;
  externalUserId?: string | null;
  /** Replaces the whole metadata object. */
  metadata?: Record<string, unknown>;
}

/** What `projects.list` takes. */
export interface ProjectListParams {
  /** Page size, at most 100 (default 20). */
  first?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  after?: string;
  /** Only the projects of this end user. */
  externalUserId?: string;
  /** Only projects whose metadata has every one of these keys with these values. */
  metadata?: Record<string, unknown>;
}

/** What `projects.deploy` takes. */
export interface ProjectDeployParams {
  /** What to deploy instead of what the files suggest (a static site or a Node service, its commands and port). */
  app?: DeployAppInput;
  /** The same key within 24 h returns the first session. Generated when left out, so a retry never deploys twice. */
  idempotencyKey?: string;
}

/** Projects: the apps being built. */
export class Projects {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /** Creates a project. Idempotent: a key is generated when you give none, so a retry never creates two. */
  async create(params: ProjectCreateParams, options?: RequestOptions): Promise<Project> {
    const input = { ...params, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(CreateProjectDocument, { input }, options)).createProject;
  }

  /**
   * A new project from `id`'s current files (or a session's snapshot), carrying the conversation up to
   * that point, so the next prompt on the fork sees it. `forkedFrom` names the source. Idempotent as `create`.
   */
  async fork(id: string, params: ProjectForkParams, options?: RequestOptions): Promise<Project> {
    const input = { ...params, projectId: id, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(ForkProjectDocument, { input }, options)).forkProject;
  }

  /**
   * A new project from a GitHub repository or an uploaded ZIP: returns at once the session of kind
   * `import` that fills it (`session.project.id`); follow it with `sessions.stream(session.id)`, whose
   * `finalResult().result` is an `ImportResult` (how many files were imported, what was left out and
   * why). An archive that is refused (not a ZIP, a zip bomb, unsafe paths, symbolic links) is a
   * ValidationError whose `extensions.reason` says why, and nothing is made.
   */
  async import(params: ProjectImportParams, options?: RequestOptions): Promise<Session> {
    const input = { ...params, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(ImportProjectDocument, { input }, options)).importProject;
  }

  /** A project by id; NotFoundError when it is absent, deleted, or not yours. */
  async get(id: string, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(GetProjectDocument, { id }, options)).project;
  }

  /** Changes the given fields of a project and returns it. */
  async update(id: string, params: ProjectUpdateParams, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(UpdateProjectDocument, { input: { ...params, id } }, options)).updateProject;
  }

  /** Deletes a project (it is gone from every list and lookup at once) and returns it, with `deletedAt` set. */
  async delete(id: string, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(DeleteProjectDocument, { input: { id } }, options)).deleteProject;
  }

  /**
   * Projects, newest first. `await` it for one page; `for await` over it for every project, page after
   * page.
   */
  list(params: ProjectListParams = {}, options?: RequestOptions): ListPromise<Project> {
    const { after, ...filters } = params;
    return new ListPromise(async (cursor) => toPage((await this.#sender.request(ListProjectsDocument, { ...filters, after: cursor }, options)).projects), after);
  }

  /** Creates or replaces files of a project (up to 500 at once; all or nothing) and returns the project. */
  async writeFiles(id: string, files: FileInput[], options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(WriteProjectFilesDocument, { input: { projectId: id, files } }, options)).writeProjectFiles;
  }

  /**
   * Deploys the project's current files to its one App Platform app (made the first time; the URL
   * never changes) — in test mode a simulated deploy. Returns at once the `deploy` session; follow it
   * with `sessions.stream(session.id)` (deploy_progress, then deploy_ready or deploy_failed).
   */
  async deploy(id: string, params: ProjectDeployParams = {}, options?: RequestOptions): Promise<Session> {
    const input = { projectId: id, ...(params.app ? { app: params.app } : {}), idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(DeployProjectDocument, { input }, options)).deployProject;
  }

  /** Names the GitHub repository (`owner/name`) live deploys push the project to; null clears it. */
  async setDeployTarget(id: string, repository: string | null, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(SetProjectDeployTargetDocument, { input: { projectId: id, repository } }, options)).setProjectDeployTarget;
  }

  /** Sets the custom domain of the project's app (applied by the next deploy); null clears it. */
  async setDomain(id: string, domain: string | null, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(SetProjectDomainDocument, { input: { projectId: id, domain } }, options)).setProjectDomain;
  }
}
