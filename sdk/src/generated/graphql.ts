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
  /** An existing project of this mode. Give this or `newProject`. */
  projectId?: string | number | null | undefined;
  /** Lifetime: 900 (15 minutes) by default, at most 3600 (1 hour). */
  ttlSeconds?: number | null | undefined;
};

export type DeleteProjectInput = {
  id: string | number;
};

export type FileInput = {
  content: string;
  /** Relative, `/`-separated, no `..`. */
  path: string;
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

export type RevokeApiKeyInput = {
  id: string | number;
};

/** One image: exactly one of `data` or `url`. */
export type SessionAttachmentInput = {
  /** The image, base64 (or a `data:image/…;base64,` URL). Its type is read from its bytes. */
  data?: string | null | undefined;
  /** An https URL the worker fetches when the session runs, from public addresses only; one that is private or cannot be fetched fails the session (ATTACHMENT_URL_REFUSED, ATTACHMENT_UNREACHABLE, …). */
  url?: string | null | undefined;
};

export type StartSessionInput = {
  /** At most 5 images (PNG, JPEG, WebP or GIF, at most 5 MB each) the model sees with the prompt, stored with the session so a retry sees them too. */
  attachments?: Array<SessionAttachmentInput> | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** An output budget for the whole session: past it the model is stopped and the session ends `failed` with `BUDGET_EXCEEDED`; what it wrote stays. */
  maxOutputTokens?: number | null | undefined;
  /** The model to use: one of the tenant's `generation.availableModels` (another is BAD_USER_INPUT). Default: the tenant's default model, else the platform's. */
  model?: string | null | undefined;
  projectId: string | number;
  /** What to build or change (at most 20,000 characters by default). */
  prompt: string;
};

/** Generation settings; a field left out is kept, `null` clears it. */
export type TenantGenerationInput = {
  /** Whether the model may ask the end user a question (ask_user); null: the default, true. */
  allowQuestions?: boolean | null | undefined;
  /** The models sessions may ask for (each one the platform offers); empty or null: any. */
  allowedModels?: Array<string> | null | undefined;
  /** The tenant's own Anthropic key (bring your own key): live sessions run on it and are marked `byok`. Stored sealed, never shown again; null clears it. */
  anthropicApiKey?: string | null | undefined;
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

export type ProjectFieldsFragment = { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null };

export type GetProjectQueryVariables = Exact<{
  id: string | number;
}>;


export type GetProjectQuery = { project: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } };

export type ListProjectsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  externalUserId?: string | null | undefined;
  metadata?: Record<string, unknown> | null | undefined;
}>;


export type ListProjectsQuery = { projects: { edges: Array<{ node: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type CreateProjectMutation = { createProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } };

export type UpdateProjectMutationVariables = Exact<{
  input: UpdateProjectInput;
}>;


export type UpdateProjectMutation = { updateProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } };

export type DeleteProjectMutationVariables = Exact<{
  input: DeleteProjectInput;
}>;


export type DeleteProjectMutation = { deleteProject: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } };

export type WriteProjectFilesMutationVariables = Exact<{
  input: WriteProjectFilesInput;
}>;


export type WriteProjectFilesMutation = { writeProjectFiles: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } };

export type SessionFieldsFragment = { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } };

type SessionEventFields_CommandFinishedEvent_Fragment = { __typename: 'CommandFinishedEvent', commandId: string, exitCode: number | null, durationMs: number, timedOut: boolean, seq: number, type: string, at: string };

type SessionEventFields_CommandOutputEvent_Fragment = { __typename: 'CommandOutputEvent', commandId: string, stream: string, text: string, seq: number, type: string, at: string };

type SessionEventFields_CommandStartedEvent_Fragment = { __typename: 'CommandStartedEvent', commandId: string, command: string, seq: number, type: string, at: string };

type SessionEventFields_DoneEvent_Fragment = { __typename: 'DoneEvent', status: string, result: Record<string, unknown> | null, seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, error: { code: string, message: string } | null };

type SessionEventFields_ErrorEvent_Fragment = { __typename: 'ErrorEvent', code: string, message: string, retryable: boolean, seq: number, type: string, at: string };

type SessionEventFields_FileDeletedEvent_Fragment = { __typename: 'FileDeletedEvent', path: string, seq: number, type: string, at: string };

type SessionEventFields_FileWrittenEvent_Fragment = { __typename: 'FileWrittenEvent', path: string, size: number, sha: string, seq: number, type: string, at: string };

type SessionEventFields_PreviewFailedEvent_Fragment = { __typename: 'PreviewFailedEvent', reason: string, seq: number, type: string, at: string };

type SessionEventFields_PreviewReadyEvent_Fragment = { __typename: 'PreviewReadyEvent', url: string, expiresAt: string | null, seq: number, type: string, at: string };

type SessionEventFields_QuestionEvent_Fragment = { __typename: 'QuestionEvent', question: string, choices: Array<string>, askedAt: string, seq: number, type: string, at: string, questionExpiresAt: string };

type SessionEventFields_SandboxCreatedEvent_Fragment = { __typename: 'SandboxCreatedEvent', sandboxId: string, provider: string, seq: number, type: string, at: string };

type SessionEventFields_StatusEvent_Fragment = { __typename: 'StatusEvent', status: string, step: string | null, seq: number, type: string, at: string, statusMessage: string | null };

type SessionEventFields_TextDeltaEvent_Fragment = { __typename: 'TextDeltaEvent', text: string, seq: number, type: string, at: string };

type SessionEventFields_UsageEvent_Fragment = { __typename: 'UsageEvent', seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean } };

export type SessionEventFieldsFragment =
  | SessionEventFields_CommandFinishedEvent_Fragment
  | SessionEventFields_CommandOutputEvent_Fragment
  | SessionEventFields_CommandStartedEvent_Fragment
  | SessionEventFields_DoneEvent_Fragment
  | SessionEventFields_ErrorEvent_Fragment
  | SessionEventFields_FileDeletedEvent_Fragment
  | SessionEventFields_FileWrittenEvent_Fragment
  | SessionEventFields_PreviewFailedEvent_Fragment
  | SessionEventFields_PreviewReadyEvent_Fragment
  | SessionEventFields_QuestionEvent_Fragment
  | SessionEventFields_SandboxCreatedEvent_Fragment
  | SessionEventFields_StatusEvent_Fragment
  | SessionEventFields_TextDeltaEvent_Fragment
  | SessionEventFields_UsageEvent_Fragment
;

export type GetSessionQueryVariables = Exact<{
  id: string | number;
}>;


export type GetSessionQuery = { session: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type GetSessionResultQueryVariables = Exact<{
  id: string | number;
}>;


export type GetSessionResultQuery = { session: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, files: Array<{ path: string, size: number, sha: string, content: string }>, project: { id: string, sandbox: { status: string, previewUrl: string | null, previewExpiresAt: string | null } | null }, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null } };

export type StartSessionMutationVariables = Exact<{
  input: StartSessionInput;
}>;


export type StartSessionMutation = { startSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type CancelSessionMutationVariables = Exact<{
  input: CancelSessionInput;
}>;


export type CancelSessionMutation = { cancelSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type AnswerSessionMutationVariables = Exact<{
  input: AnswerSessionInput;
}>;


export type AnswerSessionMutation = { answerSession: { id: string, kind: string, status: string, prompt: string, reply: string | null, maxOutputTokens: number | null, model: string | null, requestedModel: string | null, byok: boolean, mode: Mode, externalUserId: string | null, lastSeq: number, createdAt: string, startedAt: string | null, endedAt: string | null, attachments: Array<{ mediaType: string | null, size: number | null, url: string | null }>, error: { code: string, message: string } | null, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, pendingQuestion: { question: string, choices: Array<string>, askedAt: string, expiresAt: string } | null, project: { id: string } } };

export type SessionEventsSubscriptionVariables = Exact<{
  sessionId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type SessionEventsSubscription = { sessionEvents:
    | { __typename: 'CommandFinishedEvent', commandId: string, exitCode: number | null, durationMs: number, timedOut: boolean, seq: number, type: string, at: string }
    | { __typename: 'CommandOutputEvent', commandId: string, stream: string, text: string, seq: number, type: string, at: string }
    | { __typename: 'CommandStartedEvent', commandId: string, command: string, seq: number, type: string, at: string }
    | { __typename: 'DoneEvent', status: string, result: Record<string, unknown> | null, seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean }, error: { code: string, message: string } | null }
    | { __typename: 'ErrorEvent', code: string, message: string, retryable: boolean, seq: number, type: string, at: string }
    | { __typename: 'FileDeletedEvent', path: string, seq: number, type: string, at: string }
    | { __typename: 'FileWrittenEvent', path: string, size: number, sha: string, seq: number, type: string, at: string }
    | { __typename: 'PreviewFailedEvent', reason: string, seq: number, type: string, at: string }
    | { __typename: 'PreviewReadyEvent', url: string, expiresAt: string | null, seq: number, type: string, at: string }
    | { __typename: 'QuestionEvent', question: string, choices: Array<string>, askedAt: string, seq: number, type: string, at: string, questionExpiresAt: string }
    | { __typename: 'SandboxCreatedEvent', sandboxId: string, provider: string, seq: number, type: string, at: string }
    | { __typename: 'StatusEvent', status: string, step: string | null, seq: number, type: string, at: string, statusMessage: string | null }
    | { __typename: 'TextDeltaEvent', text: string, seq: number, type: string, at: string }
    | { __typename: 'UsageEvent', seq: number, type: string, at: string, usage: { inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, billable: boolean, byok: boolean } }
   };

export type TenantFieldsFragment = { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean } };

export type GetTenantQueryVariables = Exact<{ [key: string]: never; }>;


export type GetTenantQuery = { viewer: { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean } } };

export type UpdateTenantMutationVariables = Exact<{
  input: UpdateTenantInput;
}>;


export type UpdateTenantMutation = { updateTenant: { id: string, name: string, tier: Tier, mode: Mode, allowedOrigins: Array<string>, createdAt: string, updatedAt: string, generation: { instructions: string | null, model: string | null, allowedModels: Array<string>, availableModels: Array<string>, hasAnthropicApiKey: boolean, anthropicApiKeyLast4: string | null, allowQuestions: boolean } } };

export type UsageFiguresFragment = { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean };

export type UsageTotalsFieldsFragment = { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean } };

export type GetUsageQueryVariables = Exact<{
  from: string | Date;
  to: string | Date;
  groupBy?: UsageGroupBy | null | undefined;
}>;


export type GetUsageQuery = { usage: { from: string, to: string, storageBytes: number, totals: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean } }, rows: Array<{ key: string, requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean, billable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean }, nonBillable: { requests: number, generations: number, inputTokens: number, outputTokens: number, cacheWriteTokens: number, cacheReadTokens: number, sandboxSeconds: number, costMicros: number, byok: boolean } }> } };

export type CreateWidgetTokenMutationVariables = Exact<{
  input: CreateWidgetTokenInput;
}>;


export type CreateWidgetTokenMutation = { createWidgetToken: { token: string, expiresAt: string, project: { id: string, name: string, description: string | null, externalUserId: string | null, metadata: Record<string, unknown>, mode: Mode, createdAt: string, updatedAt: string, deletedAt: string | null } } };

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
}`) as unknown as TypedDocumentString<WriteProjectFilesMutation, WriteProjectFilesMutationVariables>;
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
}`) as unknown as TypedDocumentString<CreateWidgetTokenMutation, CreateWidgetTokenMutationVariables>;