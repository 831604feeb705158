import type { SessionEndStatus } from '../session-status.js';

/**
 * The kinds of session events, defined once: the worker appends them, the API exposes one GraphQL
 * object type per kind, webhooks and the widget read them. Payloads are JSON.
 */
export interface SessionUsage {
  /** Input tokens billed at the full price (Anthropic's `input_tokens`: the uncached rest). */
  inputTokens: number;
  outputTokens: number;
  // The three below are absent from sessions recorded before they existed: read them as 0.
  /** Input tokens written to the prompt cache (`cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  /** Input tokens read from the prompt cache (`cache_read_input_tokens`). */
  cacheReadTokens?: number;
  sandboxSeconds: number;
  /** What the tokens cost at the model's price (core/src/usage/prices.ts), in micro-USD. */
  costMicros?: number;
  /** Ran on the tenant's own Anthropic key (set on `done`). */
  byok?: boolean;
  /** False when the session failed through the platform's fault: recorded, not billed (set on `done`). */
  billable?: boolean;
}

/** App Platform's deployment phases (the `DeploymentPhase` enum of the schema). */
export type DeploymentPhaseName = 'PENDING_BUILD' | 'BUILDING' | 'PENDING_DEPLOY' | 'DEPLOYING' | 'ACTIVE' | 'ERROR' | 'CANCELED' | 'SUPERSEDED';

/** One of a deployment's progress steps (App Platform's `progress.steps`: build, deploy). */
export interface DeploymentStep {
  name: string;
  /** PENDING, RUNNING, SUCCESS, ERROR, CANCELED. */
  status: string;
  reason?: string;
}

export interface SessionEventPayloads {
  /** The session's status changed (queued, running, or a step such as "generating" / "previewing"). */
  status: { status: 'queued' | 'running'; step?: string; message?: string };
  /** Model text, coalesced: at most one row every 50 ms per session. */
  text_delta: { text: string };
  file_written: { path: string; size: number; sha: string };
  file_deleted: { path: string };
  command_started: { commandId: string; command: string };
  command_output: { commandId: string; stream: 'stdout' | 'stderr'; text: string };
  command_finished: { commandId: string; exitCode: number | null; durationMs: number; timedOut?: boolean };
  sandbox_created: { sandboxId: string; provider: string };
  preview_ready: { url: string; expiresAt: string | null };
  preview_failed: { reason: string };
  /**
   * The preview's browser reported an error (the injected reporter), the first time this error was
   * seen while the session ran: `count` is how often the project has seen it so far.
   */
  preview_error: {
    /** error, unhandledrejection, console.error or resource. */
    kind: string;
    message: string;
    source: string | null;
    line: number | null;
    column: number | null;
    stack: string | null;
    page: string | null;
    fingerprint: string;
    count: number;
  };
  /**
   * The preview step loaded the preview in headless Chromium (EVERJUST_BROWSER) and waited for its
   * network to settle: what went wrong while it loaded (empty: nothing), and a signed link to its
   * screenshot (a PNG, expiring; `Session.screenshotUrl` signs a fresh one).
   */
  preview_checked: { errors: PreviewCheckError[]; screenshotUrl: string };
  /**
   * The preview check found errors and the model gets them, with the files involved, to repair the app
   * (round 1 up to the tenant's `generation.autoRepairRounds`); a new preview and check follow.
   */
  repair_started: { round: number; errors: PreviewCheckError[] };
  /** Usage so far (running totals). */
  usage: SessionUsage;
  error: { code: string; message: string; retryable?: boolean };
  /**
   * The model asked the end user a question (its `ask_user` tool): the session is `waiting_for_input`,
   * holding no worker, until `answerSession`; unanswered past EVERJUST_QUESTION_TTL_MS it ends cancelled.
   * `choices` may be empty (a free answer).
   */
  question: { question: string; choices: string[]; askedAt: string; expiresAt: string };
  /** A deploy began: what kind of app, from which repository (none in test mode) and commit. */
  deploy_started: { deploymentId: string; provider: string; appKind: string; detected: boolean; repository: string | null; commitSha: string | null };
  /** The deployment moved on (App Platform's phase and steps, as it is polled). */
  deploy_progress: { deploymentId: string; phase: DeploymentPhaseName; steps: DeploymentStep[] };
  /** The deployment is live at `url` (the app's stable URL). */
  deploy_ready: { deploymentId: string; url: string };
  /** The deployment ended without going live: where it stopped, and the end of its log. */
  deploy_failed: { deploymentId: string; phase: DeploymentPhaseName; log: string };
  /** The last event of every session. */
  done: {
    status: SessionEndStatus;
    usage: SessionUsage;
    error?: { code: string; message: string };
    /** Kind-specific results (an export's repository URL and commit sha, …). */
    result?: Record<string, unknown>;
  };
}

export type SessionEventType = keyof SessionEventPayloads;

/** One error the preview check saw; `source` is a path under the preview URL (its token is a credential), or another origin's URL. */
export interface PreviewCheckError {
  /** error (uncaught), console.error or request (a failed or 4xx/5xx load). */
  kind: 'error' | 'console.error' | 'request';
  message: string;
  source?: string;
  line?: number;
}

export const SESSION_EVENT_TYPES = [
  'status',
  'text_delta',
  'file_written',
  'file_deleted',
  'command_started',
  'command_output',
  'command_finished',
  'sandbox_created',
  'preview_ready',
  'preview_failed',
  'preview_error',
  'preview_checked',
  'repair_started',
  'usage',
  'error',
  'question',
  'deploy_started',
  'deploy_progress',
  'deploy_ready',
  'deploy_failed',
  'done',
] as const satisfies readonly SessionEventType[];

/** An event as stored and as delivered: `seq` is unique and gap-free per session. */
export type SessionEvent<Type extends SessionEventType = SessionEventType> = {
  [K in Type]: { sessionId: string; seq: number; type: K; at: string; payload: SessionEventPayloads[K] };
}[Type];

export type NewSessionEvent<Type extends SessionEventType = SessionEventType> = {
  [K in Type]: { type: K; payload: SessionEventPayloads[K] };
}[Type];

export const EMPTY_USAGE: SessionUsage = { inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, sandboxSeconds: 0, costMicros: 0 };

/** Pub/sub channel of one session's live events. */
export const sessionEventsChannel = (sessionId: string) => `everjust:session-events:${sessionId}`;
/** Pub/sub channel telling workers to stop a session now. */
export const sessionCancelChannel = 'everjust:session-cancel';
/** Pub/sub channel telling idle workers that a job is ready. */
export const jobsReadyChannel = 'everjust:jobs-ready';
