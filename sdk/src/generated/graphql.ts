/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AnswerSessionInput = {
  /** The end user's answer (one of the question's `choices`, or free text); at most 4,000 characters. */
  answer: string;
  sessionId: string | number;
};

/** What a key may do. New keys get every scope unless told otherwise. */
export type ApiKeyScope =
  | 'KEYS_WRITE'
  | 'PROJECTS_READ'
  | 'PROJECTS_WRITE'
  | 'SESSIONS_READ'
  | 'SESSIONS_WRITE'
  | 'USAGE_READ'
  | 'WEBHOOKS_WRITE';

export type CancelSessionInput = {
  id: string | number;
};

export type CreateApiKeyInput = {
  /** Defaults to the calling key's mode. */
  mode?: Mode | null | undefined;
  name: string;
  /** Defaults to every scope. A key can only grant scopes it has itself. */
  scopes?: Array<ApiKeyScope> | null | undefined;
};

export type CreateCheckpointInput = {
  name: string;
  projectId: string | number;
  /** A checkpoint of this ended session's snapshot; default: the current files. */
  sessionId?: string | number | null | undefined;
};

export type CreateConsoleLinkInput = {
  /** How long the link stays valid; at most, and by default, the server's link time (15 min). */
  expiresInSeconds?: number | null | undefined;
};

export type CreateProjectInput = {
  description?: string | null | undefined;
  externalUserId?: string | null | undefined;
  /** The same key within 24 h returns the first result; with a different input, IDEMPOTENCY_CONFLICT. */
  idempotencyKey?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  name: string;
};

export type CreateWidgetTokenInput = {
  /** Your id for the end user: the widget sees only the sessions it starts for this user. */
  externalUserId: string;
  /** With `newProject`: a retried call returns the same project (never a second one). Every call mints a new token. */
  idempotencyKey?: string | null | undefined;
  /** Make a new project. Give this or `projectId`. */
  newProject?: NewWidgetProjectInput | null | undefined;
  /** The page's origin (`https://app.example.com`); one of the tenant's allowed origins. The token works from there only. */
  origin: string;
  /** Extra rights for the token (none by default). `DEPLOY`: the widget may deploy its project; the minting key must be able to deploy itself (`sessions:write`), and in live mode the project needs its deploy target as for `deployProject`. */
  permissions?: Array<WidgetPermission> | null | undefined;
  /** An existing project of this mode. Give this or `newProject`. */
  projectId?: string | number | null | undefined;
  /** Lifetime: 900 (15 minutes) by default, at most 3600 (1 hour). */
  ttlSeconds?: number | null | undefined;
};

export type DeleteCheckpointInput = {
  checkpointId: string | number;
};

export type DeleteDeploymentInput = {
  projectId: string | number;
};

export type DeleteProjectInput = {
  id: string | number;
};

/** What to deploy instead of what the files suggest; unset fields keep the detection. */
export type DeployAppInput = {
  buildCommand?: string | null | undefined;
  /** Service: the port it listens on (default 8080). */
  httpPort?: number | null | undefined;
  kind?: DeployAppKind | null | undefined;
  /** Static site: the folder the build writes. */
  outputDir?: string | null | undefined;
  /** Service: the command that starts it. */
  runCommand?: string | null | undefined;
};

/** A static site (files served as they are, or the output of a build) or a Node service (a process listening on a port). */
export type DeployAppKind =
  | 'SERVICE'
  | 'STATIC_SITE';

export type DeployProjectInput = {
  app?: DeployAppInput | null | undefined;
  idempotencyKey?: string | null | undefined;
  projectId: string | number;
};

/** App Platform's deployment phases. */
export type DeploymentPhase =
  | 'ACTIVE'
  | 'BUILDING'
  | 'CANCELED'
  | 'DEPLOYING'
  | 'ERROR'
  | 'PENDING_BUILD'
  | 'PENDING_DEPLOY'
  | 'SUPERSEDED';

export type FileInput = {
  content: string;
  /** Relative, `/`-separated, no `..`. */
  path: string;
};

export type ForkProjectInput = {
  /** Fork from this ended session's snapshot (and the conversation up to it); default: the current files. */
  atSessionId?: string | number | null | undefined;
  /** Default: the source project's. */
  externalUserId?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** Default: the source project's. */
  metadata?: Record<string, unknown> | null | undefined;
  name: string;
  /** The project to fork. */
  projectId: string | number;
};

export type GitHubImportSourceInput = {
  owner: string;
  /** Only this folder of the repository, which becomes the project root (a monorepo package). */
  path?: string | null | undefined;
  /** A branch, tag or commit sha; default: the repository's default branch. */
  ref?: string | null | undefined;
  repo: string;
  /** For a private repository, for this import only; without one a live-mode import uses the tenant's stored token (setGitHubToken), and otherwise reads public repositories only. Kept encrypted until the import ends; never shown. */
  token?: string | null | undefined;
};

export type ImportProjectInput = {
  description?: string | null | undefined;
  externalUserId?: string | null | undefined;
  idempotencyKey?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
  name: string;
  source: ImportSourceInput;
};

/** Exactly one of `github` or `archiveUploadId`. */
export type ImportSourceInput = {
  /** The `id` `POST /v1/uploads` answered with (a ZIP, before it expires). */
  archiveUploadId?: string | number | null | undefined;
  github?: GitHubImportSourceInput | null | undefined;
};

/** Live and test mode are separate worlds: what a test key creates only test keys see. */
export type Mode =
  | 'LIVE'
  | 'TEST';

/** A project made for the end user along with the token (its `externalUserId` is the token's). */
export type NewWidgetProjectInput = {
  metadata?: Record<string, unknown> | null | undefined;
  name: string;
};

export type RestoreCheckpointInput = {
  checkpointId: string | number;
};

export type RevokeApiKeyInput = {
  id: string | number;
};

export type RollbackDeploymentInput = {
  /** An earlier deployment of the project's current app that was live (ACTIVE or SUPERSEDED). */
  deploymentId: string | number;
  idempotencyKey?: string | null | undefined;
};

/** One image: exactly one of `data` or `url`. */
export type SessionAttachmentInput = {
  /** The image, base64 (or a `data:image/…;base64,` URL). Its type is read from its bytes. */
  data?: string | null | undefined;
  /** An https URL the worker fetches when the session runs, from public addresses only; one that is private or cannot be fetched fails the session (ATTACHMENT_URL_REFUSED, ATTACHMENT_UNREACHABLE, …). */
  url?: string | null | undefined;
};

/** Narrows the tenant-wide session list; every given field must match. */
export type SessionFilter = {
  /** Created at or after this time. */
  createdAfter?: string | Date | null | undefined;
  /** Created before this time. */
  createdBefore?: string | Date | null | undefined;
  externalUserId?: string | null | undefined;
  /** Any of: generate, preview, export, deploy, import. */
  kind?: Array<string> | null | undefined;
  projectId?: string | number | null | undefined;
  /** Words in the prompt or the project's name (case-insensitive), or a session's id. */
  search?: string | null | undefined;
  /** Any of: queued, running, waiting_for_input, succeeded, failed, cancelled. */
  status?: Array<string> | null | undefined;
};

export type SetProjectDeployTargetInput = {
  projectId: string | number;
  /** GitHub owner/name; made (private) by the first deploy when missing. App Platform's GitHub app must be able to read it. null clears it. */
  repository?: string | null | undefined;
};

export type SetProjectDomainInput = {
  /** A host name such as app.example.com; null clears it. Applied by the next deploy. */
  domain?: string | null | undefined;
  projectId: string | number;
};

export type StartSessionInput = {
  /** At most 5 images (PNG, JPEG, WebP or GIF, at most 5 MB each) the model sees with the prompt, stored with the session so a retry sees them too. */
  attachments?: Array<SessionAttachmentInput> | null | undefined;
  /** Repair the app from the errors its preview's browsers reported (`Project.previewErrors`): the model gets them with the files involved; `prompt`, if given, is added. BAD_USER_INPUT when the project has none. */
  fixPreviewErrors?: boolean | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** An output budget for the whole session: past it the model is stopped and the session ends `failed` with `BUDGET_EXCEEDED`; what it wrote stays. */
  maxOutputTokens?: number | null | undefined;
  /** The model to use: one of the tenant's `generation.availableModels` (another is BAD_USER_INPUT). Default: the tenant's default model, else the platform's. */
  model?: string | null | undefined;
  projectId: string | number;
  /** What to build or change (at most 20,000 characters by default). Required unless `fixPreviewErrors` is set. */
  prompt?: string | null | undefined;
};

/** Generation settings; a field left out is kept, `null` clears it. */
export type TenantGenerationInput = {
  /** Whether the model may ask the end user a question (ask_user); null: the default, true. */
  allowQuestions?: boolean | null | undefined;
  /** The models sessions may ask for (each one the platform offers); empty or null: any. */
  allowedModels?: Array<string> | null | undefined;
  /** The tenant's own Anthropic key (bring your own key): live sessions run on it and are marked `byok`. Stored sealed, never shown again; null clears it. */
  anthropicApiKey?: string | null | undefined;
  /** Repair rounds after a preview check that found errors, 0–3 (0: none); null: the default, 2. */
  autoRepairRounds?: number | null | undefined;
  /** Appended to our system prompt in every live session; at most 10,000 characters. */
  instructions?: string | null | undefined;
  /** The default model; it must be among `allowedModels` when those are set. null: the platform's default. */
  model?: string | null | undefined;
};

export type Tier =
  | 'ENTERPRISE'
  | 'FREE'
  | 'PROFESSIONAL'
  | 'STARTER';

export type UpdateProjectInput = {
  description?: string | null | undefined;
  externalUserId?: string | null | undefined;
  id: string | number;
  /** Replaces the whole metadata object. */
  metadata?: Record<string, unknown> | null | undefined;
  name?: string | null | undefined;
};

export type UpdateTenantInput = {
  allowedOrigins?: Array<string> | null | undefined;
  generation?: TenantGenerationInput | null | undefined;
  name?: string | null | undefined;
};

export type UsageGroupBy =
  | 'DAY'
  | 'EXTERNAL_USER'
  | 'PROJECT';

/** What a widget token may do beyond building, previewing and restoring in its project: chosen when it is minted. */
export type WidgetPermission =
  /** Deploy the token's project (`deployProject`), as the widget's Deploy button does (`features="deploy"`). */
  | 'DEPLOY';

export type WriteProjectFilesInput = {
  files: Array<FileInput>;
  projectId: string | number;
};

export type ApiKeyFieldsFragment = { id: string, name: string, prefix: string, mode: Mode, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, revokedAt: string | null, createdAt: string };

export type ListApiKeysQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ListApiKeysQuery = { apiKeys: { edges: Array<{ node: { id: string, name: string, prefix: string, mode: Mode, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, revokedAt: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey: { secret: string, apiKey: { id: string, name: string, prefix: string, mode: Mode, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, revokedAt: string | null, createdAt: string } } };

export type RevokeApiKeyMutationVariables = Exact<{
  input: RevokeApiKeyInput;
}>;


export type RevokeApiKeyMutation = { revokeApiKey: { id: string, name: string, prefix: string, mode: Mode, scopes: Array<ApiKeyScope>, lastUsedAt: string | null, revokedAt: string | null, createdAt: string } };

export type CheckpointFieldsFragment = { id: string, name: string, createdAt: string };

export type CreateCheckpointMutationVariables = Exact<{
  input: CreateCheckpointInput;
}>;


export type CreateCheckpointMutation = { createCheckpoint: { id: string, name: string, createdAt: string } };

export type ListCheckpointsQueryVariables = Exact<{
  projectId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ListCheckpointsQuery = { project: { checkpoints: { edges: Array<{ node: { id: string, name: string, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export type RestoreCheckpointMutationVariables = Exact<{
  input: RestoreCheckpointInput;
}>;


export type RestoreCheckpointMutation = { restoreCheckpoint: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type DeleteCheckpointMutationVariables = Exact<{
  input: DeleteCheckpointInput;
}>;


export type DeleteCheckpointMutation = { deleteCheckpoint: { id: string, name: string, createdAt: string } };

export type CreateConsoleLinkMutationVariables = Exact<{
  input: CreateConsoleLinkInput;
}>;


export type CreateConsoleLinkMutation = { createConsoleLink: { url: string, expiresAt: string } };

export type DeploymentFieldsFragment = { id: string, commitSha: string | null, phase: DeploymentPhase, liveUrl: string | null, appKind: DeployAppKind | null, provider: string, logTail: string | null, createdAt: string, finishedAt: string | null, steps: Array<{ name: string, status: string, reason: string | null }>, rollbackOf: { id: string } | null };

export type ListDeploymentsQueryVariables = Exact<{
  projectId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ListDeploymentsQuery = { project: { deployment: { id: string } | null, deployments: { edges: Array<{ node: { id: string, commitSha: string | null, phase: DeploymentPhase, liveUrl: string | null, appKind: DeployAppKind | null, provider: string, logTail: string | null, createdAt: string, finishedAt: string | null, steps: Array<{ name: string, status: string, reason: string | null }>, rollbackOf: { id: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export type GetDeploymentQueryVariables = Exact<{
  id: string | number;
}>;


export type GetDeploymentQuery = { node:
    | { __typename: 'ApiKey' }
    | { __typename: 'Checkpoint' }
    | { __typename: 'Deployment', id: string, commitSha: string | null, phase: DeploymentPhase, liveUrl: string | null, appKind: DeployAppKind | null, provider: string, logTail: string | null, createdAt: string, finishedAt: string | null, steps: Array<{ name: string, status: string, reason: string | null }>, rollbackOf: { id: string } | null }
    | { __typename: 'Project' }
    | { __typename: 'Session' }
    | { __typename: 'WebhookDelivery' }
    | { __typename: 'WebhookEndpoint' }
   | null };

export type DeployProjectMutationVariables = Exact<{
  input: DeployProjectInput;
}>;


export type DeployProjectMutation = { deployProject: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type RollbackDeploymentMutationVariables = Exact<{
  input: RollbackDeploymentInput;
}>;


export type RollbackDeploymentMutation = { rollbackDeployment: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type DeleteDeploymentMutationVariables = Exact<{
  input: DeleteDeploymentInput;
}>;


export type DeleteDeploymentMutation = { deleteDeployment: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type SetProjectDeployTargetMutationVariables = Exact<{
  input: SetProjectDeployTargetInput;
}>;


export type SetProjectDeployTargetMutation = { setProjectDeployTarget: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type SetProjectDomainMutationVariables = Exact<{
  input: SetProjectDomainInput;
}>;


export type SetProjectDomainMutation = { setProjectDomain: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type ProjectFieldsFragment = { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null };

export type GetProjectQueryVariables = Exact<{
  id: string | number;
}>;


export type GetProjectQuery = { project: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type ListProjectsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  externalUserId?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
}>;


export type ListProjectsQuery = { projects: { edges: Array<{ node: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type CreateProjectMutation = { createProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type UpdateProjectMutationVariables = Exact<{
  input: UpdateProjectInput;
}>;


export type UpdateProjectMutation = { updateProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type DeleteProjectMutationVariables = Exact<{
  input: DeleteProjectInput;
}>;


export type DeleteProjectMutation = { deleteProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type WriteProjectFilesMutationVariables = Exact<{
  input: WriteProjectFilesInput;
}>;


export type WriteProjectFilesMutation = { writeProjectFiles: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type ForkProjectMutationVariables = Exact<{
  input: ForkProjectInput;
}>;


export type ForkProjectMutation = { forkProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } };

export type ImportProjectMutationVariables = Exact<{
  input: ImportProjectInput;
}>;


export type ImportProjectMutation = { importProject: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type SessionFieldsFragment = { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } };

type SessionEventFields_CommandFinishedEvent_Fragment = { __typename: 'CommandFinishedEvent', commandId: string, exitCode: number | null, durationMs: number, timedOut: boolean, seq: number, type: string, at: string };

type SessionEventFields_CommandOutputEvent_Fragment = { __typename: 'CommandOutputEvent', commandId: string, stream: string, text: string, seq: number, type: string, at: string };

type SessionEventFields_CommandStartedEvent_Fragment = { __typename: 'CommandStartedEvent', commandId: string, command: string, seq: number, type: string, at: string };

type SessionEventFields_DeployFailedEvent_Fragment = { __typename: 'DeployFailedEvent', deploymentId: string, phase: string, log: string, seq: number, type: string, at: string };

type SessionEventFields_DeployProgressEvent_Fragment = { __typename: 'DeployProgressEvent', deploymentId: string, phase: string, seq: number, type: string, at: string, steps: Array<{ name: string, status: string, reason: string | null }> };

type SessionEventFields_DeployReadyEvent_Fragment = { __typename: 'DeployReadyEvent', deploymentId: string, url: string, seq: number, type: string, at: string };

type SessionEventFields_DeployStartedEvent_Fragment = { __typename: 'DeployStartedEvent', deploymentId: string, provider: string, appKind: string, detected: boolean, repository: string | null, commitSha: string | null, seq: number, type: string, at: string };

type SessionEventFields_DoneEvent_Fragment = { __typename: 'DoneEvent', status: string, result: Record<string, unknown> | null, seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, error: { code: string, message: string } | null };

type SessionEventFields_ErrorEvent_Fragment = { __typename: 'ErrorEvent', code: string, message: string, retryable: boolean, seq: number, type: string, at: string };

type SessionEventFields_FileDeletedEvent_Fragment = { __typename: 'FileDeletedEvent', path: string, seq: number, type: string, at: string };

type SessionEventFields_FileWrittenEvent_Fragment = { __typename: 'FileWrittenEvent', path: string, size: number, sha: string, seq: number, type: string, at: string };

type SessionEventFields_PreviewCheckedEvent_Fragment = { __typename: 'PreviewCheckedEvent', screenshotUrl: string, seq: number, type: string, at: string, errors: Array<{ kind: string, message: string, source: string | null, line: number | null }> };

type SessionEventFields_PreviewErrorEvent_Fragment = { __typename: 'PreviewErrorEvent', kind: string, message: string, source: string | null, line: number | null, column: number | null, stack: string | null, page: string | null, fingerprint: string, count: number, seq: number, type: string, at: string };

type SessionEventFields_PreviewFailedEvent_Fragment = { __typename: 'PreviewFailedEvent', reason: string, seq: number, type: string, at: string };

type SessionEventFields_PreviewReadyEvent_Fragment = { __typename: 'PreviewReadyEvent', url: string, expiresAt: string | null, seq: number, type: string, at: string };

type SessionEventFields_QuestionEvent_Fragment = { __typename: 'QuestionEvent', question: string, choices: Array<string>, askedAt: string, seq: number, type: string, at: string, questionExpiresAt: string };

type SessionEventFields_RepairStartedEvent_Fragment = { __typename: 'RepairStartedEvent', round: number, seq: number, type: string, at: string, errors: Array<{ kind: string, message: string, source: string | null, line: number | null }> };

type SessionEventFields_SandboxCreatedEvent_Fragment = { __typename: 'SandboxCreatedEvent', sandboxId: string, provider: string, seq: number, type: string, at: string };

type SessionEventFields_StatusEvent_Fragment = { __typename: 'StatusEvent', status: string, step: string | null, seq: number, type: string, at: string, statusMessage: string | null };

type SessionEventFields_TextDeltaEvent_Fragment = { __typename: 'TextDeltaEvent', text: string, seq: number, type: string, at: string };

type SessionEventFields_UsageEvent_Fragment = { __typename: 'UsageEvent', seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean } };

export type SessionEventFieldsFragment =
  | SessionEventFields_CommandFinishedEvent_Fragment
  | SessionEventFields_CommandOutputEvent_Fragment
  | SessionEventFields_CommandStartedEvent_Fragment
  | SessionEventFields_DeployFailedEvent_Fragment
  | SessionEventFields_DeployProgressEvent_Fragment
  | SessionEventFields_DeployReadyEvent_Fragment
  | SessionEventFields_DeployStartedEvent_Fragment
  | SessionEventFields_DoneEvent_Fragment
  | SessionEventFields_ErrorEvent_Fragment
  | SessionEventFields_FileDeletedEvent_Fragment
  | SessionEventFields_FileWrittenEvent_Fragment
  | SessionEventFields_PreviewCheckedEvent_Fragment
  | SessionEventFields_PreviewErrorEvent_Fragment
  | SessionEventFields_PreviewFailedEvent_Fragment
  | SessionEventFields_PreviewReadyEvent_Fragment
  | SessionEventFields_QuestionEvent_Fragment
  | SessionEventFields_RepairStartedEvent_Fragment
  | SessionEventFields_SandboxCreatedEvent_Fragment
  | SessionEventFields_StatusEvent_Fragment
  | SessionEventFields_TextDeltaEvent_Fragment
  | SessionEventFields_UsageEvent_Fragment
;

export type GetSessionQueryVariables = Exact<{
  id: string | number;
}>;


export type GetSessionQuery = { session: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type GetSessionResultQueryVariables = Exact<{
  id: string | number;
}>;


export type GetSessionResultQuery = { session: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, files: Array<{ path: string, size: number, sha: string, content: string, binary: boolean }>, project: { id: string, sandbox: { status: string, previewUrl: string | null, previewExpiresAt: string | null } | null }, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null } };

export type StartSessionMutationVariables = Exact<{
  input: StartSessionInput;
}>;


export type StartSessionMutation = { startSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type CancelSessionMutationVariables = Exact<{
  input: CancelSessionInput;
}>;


export type CancelSessionMutation = { cancelSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type AnswerSessionMutationVariables = Exact<{
  input: AnswerSessionInput;
}>;


export type AnswerSessionMutation = { answerSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type SessionEventsSubscriptionVariables = Exact<{
  sessionId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type SessionEventsSubscription = { sessionEvents:
    | { __typename: 'CommandFinishedEvent', commandId: string, exitCode: number | null, durationMs: number, timedOut: boolean, seq: number, type: string, at: string }
    | { __typename: 'CommandOutputEvent', commandId: string, stream: string, text: string, seq: number, type: string, at: string }
    | { __typename: 'CommandStartedEvent', commandId: string, command: string, seq: number, type: string, at: string }
    | { __typename: 'DeployFailedEvent', deploymentId: string, phase: string, log: string, seq: number, type: string, at: string }
    | { __typename: 'DeployProgressEvent', deploymentId: string, phase: string, seq: number, type: string, at: string, steps: Array<{ name: string, status: string, reason: string | null }> }
    | { __typename: 'DeployReadyEvent', deploymentId: string, url: string, seq: number, type: string, at: string }
    | { __typename: 'DeployStartedEvent', deploymentId: string, provider: string, appKind: string, detected: boolean, repository: string | null, commitSha: string | null, seq: number, type: string, at: string }
    | { __typename: 'DoneEvent', status: string, result: Record<string, unknown> | null, seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, error: { code: string, message: string } | null }
    | { __typename: 'ErrorEvent', code: string, message: string, retryable: boolean, seq: number, type: string, at: string }
    | { __typename: 'FileDeletedEvent', path: string, seq: number, type: string, at: string }
    | { __typename: 'FileWrittenEvent', path: string, size: number, sha: string, seq: number, type: string, at: string }
    | { __typename: 'PreviewCheckedEvent', screenshotUrl: string, seq: number, type: string, at: string, errors: Array<{ kind: string, message: string, source: string | null, line: number | null }> }
    | { __typename: 'PreviewErrorEvent', kind: string, message: string, source: string | null, line: number | null, column: number | null, stack: string | null, page: string | null, fingerprint: string, count: number, seq: number, type: string, at: string }
    | { __typename: 'PreviewFailedEvent', reason: string, seq: number, type: string, at: string }
    | { __typename: 'PreviewReadyEvent', url: string, expiresAt: string | null, seq: number, type: string, at: string }
    | { __typename: 'QuestionEvent', question: string, choices: Array<string>, askedAt: string, seq: number, type: string, at: string, questionExpiresAt: string }
    | { __typename: 'RepairStartedEvent', round: number, seq: number, type: string, at: string, errors: Array<{ kind: string, message: string, source: string | null, line: number | null }> }
    | { __typename: 'SandboxCreatedEvent', sandboxId: string, provider: string, seq: number, type: string, at: string }
    | { __typename: 'StatusEvent', status: string, step: string | null, seq: number, type: string, at: string, statusMessage: string | null }
    | { __typename: 'TextDeltaEvent', text: string, seq: number, type: string, at: string }
    | { __typename: 'UsageEvent', seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean } }
   };

export type ListSessionsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: SessionFilter | null | undefined;
}>;


export type ListSessionsQuery = { sessions: { edges: Array<{ node: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, screenshotUrl: string | null, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type TenantFieldsFragment = { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean, autoRepairRounds: number } };

export type GetTenantQueryVariables = Exact<{ [key: string]: never; }>;


export type GetTenantQuery = { viewer: { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean, autoRepairRounds: number } } };

export type UpdateTenantMutationVariables = Exact<{
  input: UpdateTenantInput;
}>;


export type UpdateTenantMutation = { updateTenant: { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean, autoRepairRounds: number } } };

export type UsageFiguresFragment = { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean };

export type UsageTotalsFieldsFragment = { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean } };

export type GetUsageQueryVariables = Exact<{
  from: string | Date;
  to: string | Date;
  groupBy?: UsageGroupBy | null | undefined;
}>;


export type GetUsageQuery = { usage: { from: string, to: string, storageBytes: number, totals: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean } }, rows: Array<{ key: string, requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, deploys: number, byok: boolean } }> } };

export type CreateWidgetTokenMutationVariables = Exact<{
  input: CreateWidgetTokenInput;
}>;


export type CreateWidgetTokenMutation = { createWidgetToken: { token: string, expiresAt: string, project: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null, deployRepository: string | null, customDomain: string | null, forkedFrom: { id: string } | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ApiKeyFieldsFragmentDoc = new TypedDocumentString(`
    fragment ApiKeyFields on ApiKey {
  id
  name
  prefix
  mode
  scopes
  lastUsedAt
  revokedAt
  createdAt
}
    `, {"fragmentName":"ApiKeyFields"}) as unknown as TypedDocumentString<ApiKeyFieldsFragment, unknown>;
export const CheckpointFieldsFragmentDoc = new TypedDocumentString(`
    fragment CheckpointFields on Checkpoint {
  id
  name
  createdAt
}
    `, {"fragmentName":"CheckpointFields"}) as unknown as TypedDocumentString<CheckpointFieldsFragment, unknown>;
export const DeploymentFieldsFragmentDoc = new TypedDocumentString(`
    fragment DeploymentFields on Deployment {
  id
  commitSha
  phase
  steps {
    name
    status
    reason
  }
  liveUrl
  appKind
  provider
  logTail
  rollbackOf {
    id
  }
  createdAt
  finishedAt
}
    `, {"fragmentName":"DeploymentFields"}) as unknown as TypedDocumentString<DeploymentFieldsFragment, unknown>;
export const ProjectFieldsFragmentDoc = new TypedDocumentString(`
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}
    `, {"fragmentName":"ProjectFields"}) as unknown as TypedDocumentString<ProjectFieldsFragment, unknown>;
export const SessionFieldsFragmentDoc = new TypedDocumentString(`
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}
    `, {"fragmentName":"SessionFields"}) as unknown as TypedDocumentString<SessionFieldsFragment, unknown>;
export const SessionEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment SessionEventFields on SessionEvent {
  __typename
  seq
  type
  at
  ... on StatusEvent {
    status
    step
    statusMessage: message
  }
  ... on TextDeltaEvent {
    text
  }
  ... on FileWrittenEvent {
    path
    size
    sha
  }
  ... on FileDeletedEvent {
    path
  }
  ... on CommandStartedEvent {
    commandId
    command
  }
  ... on CommandOutputEvent {
    commandId
    stream
    text
  }
  ... on CommandFinishedEvent {
    commandId
    exitCode
    durationMs
    timedOut
  }
  ... on SandboxCreatedEvent {
    sandboxId
    provider
  }
  ... on PreviewReadyEvent {
    url
    expiresAt
  }
  ... on PreviewFailedEvent {
    reason
  }
  ... on PreviewErrorEvent {
    kind
    message
    source
    line
    column
    stack
    page
    fingerprint
    count
  }
  ... on PreviewCheckedEvent {
    errors {
      kind
      message
      source
      line
    }
    screenshotUrl
  }
  ... on RepairStartedEvent {
    round
    errors {
      kind
      message
      source
      line
    }
  }
  ... on UsageEvent {
    usage {
      inputTokens
      outputTokens
      cacheWriteTokens
      cacheReadTokens
      sandboxSeconds
      costMicros
      billable
      byok
    }
  }
  ... on ErrorEvent {
    code
    message
    retryable
  }
  ... on QuestionEvent {
    question
    choices
    askedAt
    questionExpiresAt: expiresAt
  }
  ... on DeployStartedEvent {
    deploymentId
    provider
    appKind
    detected
    repository
    commitSha
  }
  ... on DeployProgressEvent {
    deploymentId
    phase
    steps {
      name
      status
      reason
    }
  }
  ... on DeployReadyEvent {
    deploymentId
    url
  }
  ... on DeployFailedEvent {
    deploymentId
    phase
    log
  }
  ... on DoneEvent {
    status
    usage {
      inputTokens
      outputTokens
      cacheWriteTokens
      cacheReadTokens
      sandboxSeconds
      costMicros
      billable
      byok
    }
    error {
      code
      message
    }
    result
  }
}
    `, {"fragmentName":"SessionEventFields"}) as unknown as TypedDocumentString<SessionEventFieldsFragment, unknown>;
export const TenantFieldsFragmentDoc = new TypedDocumentString(`
    fragment TenantFields on Tenant {
  id
  name
  tier
  mode
  allowedOrigins
  generation {
    instructions
    model
    allowedModels
    availableModels
    hasAnthropicApiKey
    anthropicApiKeyLast4
    allowQuestions
    autoRepairRounds
  }
  createdAt
  updatedAt
}
    `, {"fragmentName":"TenantFields"}) as unknown as TypedDocumentString<TenantFieldsFragment, unknown>;
export const UsageFiguresFragmentDoc = new TypedDocumentString(`
    fragment UsageFigures on UsageFigures {
  requests
  generations
  inputTokens
  outputTokens
  cacheWriteTokens
  cacheReadTokens
  sandboxSeconds
  costMicros
  deploys
  byok
}
    `, {"fragmentName":"UsageFigures"}) as unknown as TypedDocumentString<UsageFiguresFragment, unknown>;
export const UsageTotalsFieldsFragmentDoc = new TypedDocumentString(`
    fragment UsageTotalsFields on UsageTotals {
  requests
  generations
  inputTokens
  outputTokens
  cacheWriteTokens
  cacheReadTokens
  sandboxSeconds
  costMicros
  deploys
  byok
  billable {
    ...UsageFigures
  }
  nonBillable {
    ...UsageFigures
  }
}
    fragment UsageFigures on UsageFigures {
  requests
  generations
  inputTokens
  outputTokens
  cacheWriteTokens
  cacheReadTokens
  sandboxSeconds
  costMicros
  deploys
  byok
}`, {"fragmentName":"UsageTotalsFields"}) as unknown as TypedDocumentString<UsageTotalsFieldsFragment, unknown>;
export const ListApiKeysDocument = new TypedDocumentString(`
    query ListApiKeys($first: Int, $after: String) {
  apiKeys(first: $first, after: $after) {
    edges {
      node {
        ...ApiKeyFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  prefix
  mode
  scopes
  lastUsedAt
  revokedAt
  createdAt
}`) as unknown as TypedDocumentString<ListApiKeysQuery, ListApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    secret
    apiKey {
      ...ApiKeyFields
    }
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  prefix
  mode
  scopes
  lastUsedAt
  revokedAt
  createdAt
}`) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) {
    ...ApiKeyFields
  }
}
    fragment ApiKeyFields on ApiKey {
  id
  name
  prefix
  mode
  scopes
  lastUsedAt
  revokedAt
  createdAt
}`) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const CreateCheckpointDocument = new TypedDocumentString(`
    mutation CreateCheckpoint($input: CreateCheckpointInput!) {
  createCheckpoint(input: $input) {
    ...CheckpointFields
  }
}
    fragment CheckpointFields on Checkpoint {
  id
  name
  createdAt
}`) as unknown as TypedDocumentString<CreateCheckpointMutation, CreateCheckpointMutationVariables>;
export const ListCheckpointsDocument = new TypedDocumentString(`
    query ListCheckpoints($projectId: ID!, $first: Int, $after: String) {
  project(id: $projectId) {
    checkpoints(first: $first, after: $after) {
      edges {
        node {
          ...CheckpointFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment CheckpointFields on Checkpoint {
  id
  name
  createdAt
}`) as unknown as TypedDocumentString<ListCheckpointsQuery, ListCheckpointsQueryVariables>;
export const RestoreCheckpointDocument = new TypedDocumentString(`
    mutation RestoreCheckpoint($input: RestoreCheckpointInput!) {
  restoreCheckpoint(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<RestoreCheckpointMutation, RestoreCheckpointMutationVariables>;
export const DeleteCheckpointDocument = new TypedDocumentString(`
    mutation DeleteCheckpoint($input: DeleteCheckpointInput!) {
  deleteCheckpoint(input: $input) {
    ...CheckpointFields
  }
}
    fragment CheckpointFields on Checkpoint {
  id
  name
  createdAt
}`) as unknown as TypedDocumentString<DeleteCheckpointMutation, DeleteCheckpointMutationVariables>;
export const CreateConsoleLinkDocument = new TypedDocumentString(`
    mutation CreateConsoleLink($input: CreateConsoleLinkInput!) {
  createConsoleLink(input: $input) {
    url
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<CreateConsoleLinkMutation, CreateConsoleLinkMutationVariables>;
export const ListDeploymentsDocument = new TypedDocumentString(`
    query ListDeployments($projectId: ID!, $first: Int, $after: String) {
  project(id: $projectId) {
    deployment {
      id
    }
    deployments(first: $first, after: $after) {
      edges {
        node {
          ...DeploymentFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment DeploymentFields on Deployment {
  id
  commitSha
  phase
  steps {
    name
    status
    reason
  }
  liveUrl
  appKind
  provider
  logTail
  rollbackOf {
    id
  }
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<ListDeploymentsQuery, ListDeploymentsQueryVariables>;
export const GetDeploymentDocument = new TypedDocumentString(`
    query GetDeployment($id: ID!) {
  node(id: $id) {
    __typename
    ... on Deployment {
      ...DeploymentFields
    }
  }
}
    fragment DeploymentFields on Deployment {
  id
  commitSha
  phase
  steps {
    name
    status
    reason
  }
  liveUrl
  appKind
  provider
  logTail
  rollbackOf {
    id
  }
  createdAt
  finishedAt
}`) as unknown as TypedDocumentString<GetDeploymentQuery, GetDeploymentQueryVariables>;
export const DeployProjectDocument = new TypedDocumentString(`
    mutation DeployProject($input: DeployProjectInput!) {
  deployProject(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<DeployProjectMutation, DeployProjectMutationVariables>;
export const RollbackDeploymentDocument = new TypedDocumentString(`
    mutation RollbackDeployment($input: RollbackDeploymentInput!) {
  rollbackDeployment(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<RollbackDeploymentMutation, RollbackDeploymentMutationVariables>;
export const DeleteDeploymentDocument = new TypedDocumentString(`
    mutation DeleteDeployment($input: DeleteDeploymentInput!) {
  deleteDeployment(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<DeleteDeploymentMutation, DeleteDeploymentMutationVariables>;
export const SetProjectDeployTargetDocument = new TypedDocumentString(`
    mutation SetProjectDeployTarget($input: SetProjectDeployTargetInput!) {
  setProjectDeployTarget(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<SetProjectDeployTargetMutation, SetProjectDeployTargetMutationVariables>;
export const SetProjectDomainDocument = new TypedDocumentString(`
    mutation SetProjectDomain($input: SetProjectDomainInput!) {
  setProjectDomain(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<SetProjectDomainMutation, SetProjectDomainMutationVariables>;
export const GetProjectDocument = new TypedDocumentString(`
    query GetProject($id: ID!) {
  project(id: $id) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<GetProjectQuery, GetProjectQueryVariables>;
export const ListProjectsDocument = new TypedDocumentString(`
    query ListProjects($first: Int, $after: String, $externalUserId: String, $metadata: JSONObject) {
  projects(
    first: $first
    after: $after
    externalUserId: $externalUserId
    metadata: $metadata
  ) {
    edges {
      node {
        ...ProjectFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<ListProjectsQuery, ListProjectsQueryVariables>;
export const CreateProjectDocument = new TypedDocumentString(`
    mutation CreateProject($input: CreateProjectInput!) {
  createProject(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<CreateProjectMutation, CreateProjectMutationVariables>;
export const UpdateProjectDocument = new TypedDocumentString(`
    mutation UpdateProject($input: UpdateProjectInput!) {
  updateProject(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<UpdateProjectMutation, UpdateProjectMutationVariables>;
export const DeleteProjectDocument = new TypedDocumentString(`
    mutation DeleteProject($input: DeleteProjectInput!) {
  deleteProject(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<DeleteProjectMutation, DeleteProjectMutationVariables>;
export const WriteProjectFilesDocument = new TypedDocumentString(`
    mutation WriteProjectFiles($input: WriteProjectFilesInput!) {
  writeProjectFiles(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<WriteProjectFilesMutation, WriteProjectFilesMutationVariables>;
export const ForkProjectDocument = new TypedDocumentString(`
    mutation ForkProject($input: ForkProjectInput!) {
  forkProject(input: $input) {
    ...ProjectFields
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<ForkProjectMutation, ForkProjectMutationVariables>;
export const ImportProjectDocument = new TypedDocumentString(`
    mutation ImportProject($input: ImportProjectInput!) {
  importProject(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<ImportProjectMutation, ImportProjectMutationVariables>;
export const GetSessionDocument = new TypedDocumentString(`
    query GetSession($id: ID!) {
  session(id: $id) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<GetSessionQuery, GetSessionQueryVariables>;
export const GetSessionResultDocument = new TypedDocumentString(`
    query GetSessionResult($id: ID!) {
  session(id: $id) {
    ...SessionFields
    files {
      path
      size
      sha
      content
      binary
    }
    project {
      id
      sandbox {
        status
        previewUrl
        previewExpiresAt
      }
    }
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<GetSessionResultQuery, GetSessionResultQueryVariables>;
export const StartSessionDocument = new TypedDocumentString(`
    mutation StartSession($input: StartSessionInput!) {
  startSession(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<StartSessionMutation, StartSessionMutationVariables>;
export const CancelSessionDocument = new TypedDocumentString(`
    mutation CancelSession($input: CancelSessionInput!) {
  cancelSession(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<CancelSessionMutation, CancelSessionMutationVariables>;
export const AnswerSessionDocument = new TypedDocumentString(`
    mutation AnswerSession($input: AnswerSessionInput!) {
  answerSession(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<AnswerSessionMutation, AnswerSessionMutationVariables>;
export const SessionEventsDocument = new TypedDocumentString(`
    subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    ...SessionEventFields
  }
}
    fragment SessionEventFields on SessionEvent {
  __typename
  seq
  type
  at
  ... on StatusEvent {
    status
    step
    statusMessage: message
  }
  ... on TextDeltaEvent {
    text
  }
  ... on FileWrittenEvent {
    path
    size
    sha
  }
  ... on FileDeletedEvent {
    path
  }
  ... on CommandStartedEvent {
    commandId
    command
  }
  ... on CommandOutputEvent {
    commandId
    stream
    text
  }
  ... on CommandFinishedEvent {
    commandId
    exitCode
    durationMs
    timedOut
  }
  ... on SandboxCreatedEvent {
    sandboxId
    provider
  }
  ... on PreviewReadyEvent {
    url
    expiresAt
  }
  ... on PreviewFailedEvent {
    reason
  }
  ... on PreviewErrorEvent {
    kind
    message
    source
    line
    column
    stack
    page
    fingerprint
    count
  }
  ... on PreviewCheckedEvent {
    errors {
      kind
      message
      source
      line
    }
    screenshotUrl
  }
  ... on RepairStartedEvent {
    round
    errors {
      kind
      message
      source
      line
    }
  }
  ... on UsageEvent {
    usage {
      inputTokens
      outputTokens
      cacheWriteTokens
      cacheReadTokens
      sandboxSeconds
      costMicros
      billable
      byok
    }
  }
  ... on ErrorEvent {
    code
    message
    retryable
  }
  ... on QuestionEvent {
    question
    choices
    askedAt
    questionExpiresAt: expiresAt
  }
  ... on DeployStartedEvent {
    deploymentId
    provider
    appKind
    detected
    repository
    commitSha
  }
  ... on DeployProgressEvent {
    deploymentId
    phase
    steps {
      name
      status
      reason
    }
  }
  ... on DeployReadyEvent {
    deploymentId
    url
  }
  ... on DeployFailedEvent {
    deploymentId
    phase
    log
  }
  ... on DoneEvent {
    status
    usage {
      inputTokens
      outputTokens
      cacheWriteTokens
      cacheReadTokens
      sandboxSeconds
      costMicros
      billable
      byok
    }
    error {
      code
      message
    }
    result
  }
}`) as unknown as TypedDocumentString<SessionEventsSubscription, SessionEventsSubscriptionVariables>;
export const ListSessionsDocument = new TypedDocumentString(`
    query ListSessions($first: Int, $after: String, $filter: SessionFilter) {
  sessions(first: $first, after: $after, filter: $filter) {
    edges {
      node {
        ...SessionFields
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment SessionFields on Session {
  id
  kind
  status
  prompt
  reply
  maxOutputTokens
  model
  requestedModel
  byok
  screenshotUrl
  attachments {
    mediaType
    size
    url
  }
  mode
  externalUserId
  error {
    code
    message
  }
  usage {
    inputTokens
    outputTokens
    cacheWriteTokens
    cacheReadTokens
    sandboxSeconds
    costMicros
    billable
    byok
  }
  lastSeq
  createdAt
  startedAt
  endedAt
  pendingQuestion {
    question
    choices
    askedAt
    expiresAt
  }
  project {
    id
  }
}`) as unknown as TypedDocumentString<ListSessionsQuery, ListSessionsQueryVariables>;
export const GetTenantDocument = new TypedDocumentString(`
    query GetTenant {
  viewer {
    ...TenantFields
  }
}
    fragment TenantFields on Tenant {
  id
  name
  tier
  mode
  allowedOrigins
  generation {
    instructions
    model
    allowedModels
    availableModels
    hasAnthropicApiKey
    anthropicApiKeyLast4
    allowQuestions
    autoRepairRounds
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<GetTenantQuery, GetTenantQueryVariables>;
export const UpdateTenantDocument = new TypedDocumentString(`
    mutation UpdateTenant($input: UpdateTenantInput!) {
  updateTenant(input: $input) {
    ...TenantFields
  }
}
    fragment TenantFields on Tenant {
  id
  name
  tier
  mode
  allowedOrigins
  generation {
    instructions
    model
    allowedModels
    availableModels
    hasAnthropicApiKey
    anthropicApiKeyLast4
    allowQuestions
    autoRepairRounds
  }
  createdAt
  updatedAt
}`) as unknown as TypedDocumentString<UpdateTenantMutation, UpdateTenantMutationVariables>;
export const GetUsageDocument = new TypedDocumentString(`
    query GetUsage($from: DateTime!, $to: DateTime!, $groupBy: UsageGroupBy) {
  usage(from: $from, to: $to, groupBy: $groupBy) {
    from
    to
    storageBytes
    totals {
      ...UsageTotalsFields
    }
    rows {
      key
      requests
      generations
      inputTokens
      outputTokens
      cacheWriteTokens
      cacheReadTokens
      sandboxSeconds
      costMicros
      deploys
      byok
      billable {
        ...UsageFigures
      }
      nonBillable {
        ...UsageFigures
      }
    }
  }
}
    fragment UsageFigures on UsageFigures {
  requests
  generations
  inputTokens
  outputTokens
  cacheWriteTokens
  cacheReadTokens
  sandboxSeconds
  costMicros
  deploys
  byok
}
fragment UsageTotalsFields on UsageTotals {
  requests
  generations
  inputTokens
  outputTokens
  cacheWriteTokens
  cacheReadTokens
  sandboxSeconds
  costMicros
  deploys
  byok
  billable {
    ...UsageFigures
  }
  nonBillable {
    ...UsageFigures
  }
}`) as unknown as TypedDocumentString<GetUsageQuery, GetUsageQueryVariables>;
export const CreateWidgetTokenDocument = new TypedDocumentString(`
    mutation CreateWidgetToken($input: CreateWidgetTokenInput!) {
  createWidgetToken(input: $input) {
    token
    expiresAt
    project {
      ...ProjectFields
    }
  }
}
    fragment ProjectFields on Project {
  id
  name
  description
  externalUserId
  metadata
  mode
  createdAt
  updatedAt
  deletedAt
  deployRepository
  customDomain
  forkedFrom {
    id
  }
}`) as unknown as TypedDocumentString<CreateWidgetTokenMutation, CreateWidgetTokenMutationVariables>;