/**
 * @everjust/sdk: the typed client for the EverJust API. This file is the package's only entry.
 */
export { EverJust, DEFAULT_BASE_URL, type EverJustOptions } from './client.js';
export {
  ApiError,
  AuthenticationError,
  ConnectionError,
  IdempotencyConflictError,
  NotFoundError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  ValidationError,
  WebhookSignatureError,
  type ApiErrorInit,
  type WebhookSignatureFailure,
} from './errors.js';
export type { AbortSignalLike, FetchFunction, FetchInit, FetchResponse, ResponseBodyLike } from './fetch-types.js';
export { ListPromise } from './pagination.js';
export type { RequestOptions, TypedDocument } from './request-sender.js';
export type { ApiKeyCreateParams, ApiKeyListParams, ApiKeys } from './resources/api-keys.js';
export type { ConsoleLinkCreateParams, ConsoleLinks } from './resources/console-links.js';
export type { DeploymentListParams, Deployments } from './resources/deployments.js';
export type { CheckpointCreateParams, CheckpointListParams, Checkpoints } from './resources/checkpoints.js';
export type { ProjectCreateParams, ProjectDeployParams, ProjectForkParams, ProjectImportParams, ProjectImportSource, ProjectListParams, ProjectUpdateParams, Projects } from './resources/projects.js';
export type { SessionAttachmentParams, SessionCreateParams, SessionListParams, Sessions } from './resources/sessions.js';
export type { TenantGenerationParams, TenantUpdateParams, Tenants } from './resources/tenants.js';
export type { UploadCreateParams, Uploads } from './resources/uploads.js';
export type { Usage, UsageGetParams } from './resources/usage.js';
export { Webhooks, WEBHOOK_SIGNATURE_HEADER, type WebhookVerifyOptions } from './resources/webhooks.js';
export type { WidgetTokenCreateParams, WidgetTokens } from './resources/widget-tokens.js';
export { SessionStream, type SessionStreamOptions } from './session-stream.js';
export type * from './types.js';

// Building blocks, for clients with other credentials or operations (`@everjust/widget` is one):
// one request sender, one resume-after-seq loop, one SSE reader, one sleep, one random id.
export { RequestSender, sleep, newIdempotencyKey, type PersistedOperation, type SenderSettings, type TokenSource } from './request-sender.js';
export { followSessionEvents, type FollowSessionOptions } from './session-stream.js';
export { readServerSentEvents, ServerSentEventParser, type ServerSentMessage } from './server-sent-events.js';
