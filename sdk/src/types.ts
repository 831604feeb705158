import type {
  ApiKeyFieldsFragment,
  ApiKeyScope,
  CheckpointFieldsFragment,
  CreateConsoleLinkMutation,
  CreateWidgetTokenMutation,
  DeployAppInput,
  DeployAppKind,
  DeploymentFieldsFragment,
  DeploymentPhase,
  FileInput,
  GetSessionResultQuery,
  GetUsageQuery,
  Mode,
  ProjectFieldsFragment,
  SessionEventFieldsFragment,
  SessionFilter,
  SessionFieldsFragment,
  TenantFieldsFragment,
  UsageGroupBy,
} from './generated/graphql.js';

/**
 * The objects the SDK returns, named for what they are. Each is the generated type of the fields the
 * SDK selects (`src/documents/`), so it follows the API's schema.
 */

type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type { ApiKeyScope, DeployAppInput, DeployAppKind, DeploymentPhase, FileInput, Mode, SessionFilter, UsageGroupBy };

/** One deployment of a project's app: its commit, phase and steps, live URL, and the log tail when it failed. */
export type Deployment = DeploymentFieldsFragment;

/** An app being built: its files, sessions and preview belong to it. Timestamps are ISO-8601 strings. */
export type Project = ProjectFieldsFragment;

/** A named point in a project's history (`checkpoints.restore` puts its files back). */
export type Checkpoint = CheckpointFieldsFragment;

/** An archive uploaded for `projects.import` (`uploads.create`). Timestamps are ISO-8601 strings. */
export interface Upload {
  /** Pass it as `source.archiveUploadId`. */
  id: string;
  object: 'upload';
  filename: string | null;
  contentType: string | null;
  /** In bytes. */
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  createdAt: string;
  /** After this, importing it is a NotFoundError. */
  expiresAt: string;
}

/** What an import's `done` event (and its `SessionResult.result`) carries. */
export interface ImportResult {
  imported: number;
  /** Files left out, counting each one inside a skipped folder. */
  skipped: number;
  /** Of the imported files, how many are binary (kept as base64). */
  binary: number;
  /** What was left out and why (a ZIP of one folder has that folder's files as the root: `source.upload.strippedFolder`); a folder (`node_modules/`) once, with how many `files` were in it. */
  skippedFiles: Array<{ path: string; reason: string; files: number }>;
  skippedFilesTruncated?: boolean;
  source: { github: { owner: string; repo: string; ref: string; path?: string } } | { upload: { filename: string | null; strippedFolder?: string } };
}

/** One run of work on a project (a generation, a preview, an export, a deploy, an import). */
export type Session = SessionFieldsFragment;

/** Your tenant: name, tier, widget origins and generation settings (never the Anthropic key itself). */
export type Tenant = TenantFieldsFragment;

/** A secret key (never the secret itself, which `apiKeys.create` returns once). */
export type ApiKey = ApiKeyFieldsFragment;

/** What `apiKeys.create` returns: the key, and its whole secret, shown this once. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  /** Store it now: it cannot be read again. */
  secret: string;
}

/** What `consoleLinks.create` returns: the sign-in URL (one use) and when it expires (ISO-8601). */
export type ConsoleLink = CreateConsoleLinkMutation['createConsoleLink'];

/** What `widgetTokens.create` returns: the token (`ej_wt_…`), when it expires (ISO-8601), and its project. */
export type WidgetToken = CreateWidgetTokenMutation['createWidgetToken'];

/** The webhook events an endpoint can subscribe to. */
export type WebhookEventType =
  | 'session.started'
  | 'session.succeeded'
  | 'session.failed'
  | 'session.cancelled'
  | 'preview.ready'
  | 'export.succeeded'
  | 'export.failed'
  | 'deploy.succeeded'
  | 'deploy.failed';

/** A webhook delivery's body, as `webhooks.verify` returns it. `created` is an ISO-8601 timestamp. */
export interface WebhookEvent<TData = Record<string, unknown>> {
  /** Stable across retries of the delivery (`evt_…`): use it to ignore duplicates. */
  id: string;
  type: WebhookEventType;
  created: string;
  /** Whether it comes from live mode (false: test mode). */
  livemode: boolean;
  /** The session's `sessionId`, `projectId`, `sessionKind`, `externalUserId`, `seq`, and the event's own fields. */
  data: TData;
}

/** Usage in a period: totals, and rows grouped by project, end user or day. */
export type UsageReport = GetUsageQuery['usage'];

/** A file as a session left it, with its content (base64 when `binary`: an imported image, say). */
export type SessionFile = GetSessionResultQuery['session']['files'][number];

/** One page of a list, newest first. */
export interface Page<T> {
  data: T[];
  /** Whether another page follows; pass `nextCursor` as `after` to get it (auto-pagination does). */
  hasMore: boolean;
  nextCursor: string | null;
}

type Wire = SessionEventFieldsFragment;
type EventOf<Typename extends Wire['__typename'], Type extends string> = Simplify<Omit<Extract<Wire, { __typename: Typename }>, '__typename' | 'type'> & { type: Type }>;

/** The session moved on: `queued`, `running`, or a step within it. */
export type StatusEvent = Simplify<Omit<EventOf<'StatusEvent', 'status'>, 'statusMessage'> & { message: string | null }>;
/** The model's text (coalesced deltas). */
export type TextDeltaEvent = EventOf<'TextDeltaEvent', 'text_delta'>;
/** A file of the project was written. */
export type FileWrittenEvent = EventOf<'FileWrittenEvent', 'file_written'>;
/** A file of the project was deleted. */
export type FileDeletedEvent = EventOf<'FileDeletedEvent', 'file_deleted'>;
/** A command started in the sandbox. */
export type CommandStartedEvent = EventOf<'CommandStartedEvent', 'command_started'>;
/** Output of a running command, as it streams. */
export type CommandOutputEvent = EventOf<'CommandOutputEvent', 'command_output'>;
/** A command ended. */
export type CommandFinishedEvent = EventOf<'CommandFinishedEvent', 'command_finished'>;
/** A sandbox was made for the project. */
export type SandboxCreatedEvent = EventOf<'SandboxCreatedEvent', 'sandbox_created'>;
/** The app runs: open `url` (in an iframe) until `expiresAt`. */
export type PreviewReadyEvent = EventOf<'PreviewReadyEvent', 'preview_ready'>;
/** The app could not be started; the session itself is not failed by it. */
export type PreviewFailedEvent = EventOf<'PreviewFailedEvent', 'preview_failed'>;
/** The preview's browser reported an error (uncaught, unhandled rejection, console.error, failed load), once per session. */
export type PreviewErrorEvent = EventOf<'PreviewErrorEvent', 'preview_error'>;
/**
 * The preview was loaded in a headless browser (EVERJUST_BROWSER): the errors it saw while loading
 * (empty: a clean load) and a signed, expiring link to its screenshot (PNG).
 */
export type PreviewCheckedEvent = EventOf<'PreviewCheckedEvent', 'preview_checked'>;
/**
 * The preview check found errors: the model repairs them (round 1 up to the tenant's
 * `generation.autoRepairRounds`), then the preview is checked again.
 */
export type RepairStartedEvent = EventOf<'RepairStartedEvent', 'repair_started'>;
/** Usage so far (running totals). */
export type UsageEvent = EventOf<'UsageEvent', 'usage'>;
/** Something went wrong; `retryable` errors are retried by the platform. */
export type ErrorEvent = EventOf<'ErrorEvent', 'error'>;
/**
 * The model asks the end user a question: the session waits (`waiting_for_input`) until
 * `sessions.answer(sessionId, answer)`, at most until `expiresAt` (then it ends `cancelled`).
 * `choices` are answers to offer as buttons (empty: a free answer).
 */
export type QuestionEvent = Simplify<Omit<EventOf<'QuestionEvent', 'question'>, 'questionExpiresAt'> & { expiresAt: string }>;
/** A deploy began: the kind of app, the repository and commit it deploys. */
export type DeployStartedEvent = EventOf<'DeployStartedEvent', 'deploy_started'>;
/** The deployment moved on: its phase and steps. */
export type DeployProgressEvent = EventOf<'DeployProgressEvent', 'deploy_progress'>;
/** The deployment is live at `url`, the app's stable URL. */
export type DeployReadyEvent = EventOf<'DeployReadyEvent', 'deploy_ready'>;
/** The deployment ended without going live: where it stopped, and the end of its log. */
export type DeployFailedEvent = EventOf<'DeployFailedEvent', 'deploy_failed'>;
/** The last event of every session: its final status and usage. */
export type DoneEvent = EventOf<'DoneEvent', 'done'>;

/**
 * One event of a session, discriminated by `type`. `seq` is unique and gap-free per session; `at` is
 * an ISO-8601 timestamp.
 */
export type SessionEvent =
  | StatusEvent
  | TextDeltaEvent
  | FileWrittenEvent
  | FileDeletedEvent
  | CommandStartedEvent
  | CommandOutputEvent
  | CommandFinishedEvent
  | SandboxCreatedEvent
  | PreviewReadyEvent
  | PreviewFailedEvent
  | PreviewErrorEvent
  | PreviewCheckedEvent
  | RepairStartedEvent
  | UsageEvent
  | ErrorEvent
  | QuestionEvent
  | DeployStartedEvent
  | DeployProgressEvent
  | DeployReadyEvent
  | DeployFailedEvent
  | DoneEvent;

/** The kinds of session events: `status`, `text_delta`, …, `done`. */
export type SessionEventType = SessionEvent['type'];

/** What a finished session left: `SessionStream.finalResult()`. */
export interface SessionResult {
  /** The session as it ended. */
  session: Session;
  /** `succeeded`, `failed` or `cancelled`. */
  status: string;
  usage: Session['usage'];
  /** Why it failed, when it did. */
  error: Session['error'];
  /** The project's files as the session left them, with their content. */
  files: SessionFile[];
  /** Where the app runs, when a preview is ready (from the `preview_ready` event, else the project's sandbox). */
  previewUrl: string | null;
  previewExpiresAt: string | null;
  /** The `done` event's `result`, for sessions that have one (an export's repository and commit). */
  result: Record<string, unknown> | null;
}
