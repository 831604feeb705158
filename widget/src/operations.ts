/**
 * The widget's persisted operations. The list is defined once, in core (`core/src/widget-operations.ts`),
 * so the API registers exactly the documents whose ids the widget sends. Only the ids end up in the
 * bundle: the documents themselves stay on the server.
 */
export { WIDGET_OPERATION_IDS, type WidgetOperationName } from '@everjust/core/widget-operations';
import type { SESSION_WAITING_STATUS, SessionActiveStatus, SessionEndStatus } from '@everjust/core/session-status';

/** A session as the widget's operations return it. */
export interface WidgetSession {
  id: string;
  kind: 'generate' | 'preview' | 'export' | 'import' | 'deploy';
  status: SessionActiveStatus | typeof SESSION_WAITING_STATUS | SessionEndStatus;
  prompt: string;
  /** The model's final reply, once a generation has ended (history only). */
  reply?: string | null;
  lastSeq: number;
  createdAt: string;
  endedAt?: string | null;
  error: { code: string; message: string } | null;
  /** The images given with the prompt (generations; history and start only). */
  attachments?: Array<{ mediaType: string | null }>;
  /** A signed link to the last preview check's screenshot (history; live: from `preview_checked`). */
  screenshotUrl?: string | null;
}

/** A page of the project's sessions, newest first. */
export interface WidgetSessionPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: WidgetSession }>;
}

export interface WidgetProject {
  id: string;
  name: string;
  files: Array<{ path: string; size: number }>;
  sandbox: { status: string; previewUrl: string | null; previewExpiresAt: string | null } | null;
  /** The live deployment, if the project has one. */
  deployment: { id: string; liveUrl: string | null } | null;
  sessions: WidgetSessionPage;
}

/** One session event as `sessionEvents` delivers it to the widget (fields by kind). */
export interface WidgetSessionEvent {
  seq: number;
  type: string;
  at: string;
  status?: string;
  step?: string | null;
  statusMessage?: string | null;
  text?: string;
  path?: string;
  size?: number;
  commandId?: string;
  command?: string;
  stream?: string;
  exitCode?: number | null;
  durationMs?: number;
  timedOut?: boolean;
  url?: string;
  expiresAt?: string | null;
  reason?: string;
  code?: string;
  message?: string;
  retryable?: boolean;
  error?: { code: string; message: string } | null;
  /** A `question` event's: what the model asks, and the answers to offer (empty: a free answer). */
  question?: string;
  choices?: string[];
  /** `preview_checked`: what the headless browser found (empty: a clean load). */
  checkErrors?: Array<{ message: string }>;
  /** `repair_started`: which round, and the errors it repairs. */
  round?: number;
  repairErrors?: Array<{ message: string }>;
  /** `preview_checked`: the screenshot of the app as the check saw it. */
  screenshotUrl?: string | null;
  /** The deploy events': which deployment, its phase and steps; `deploy_failed`'s log (`deploy_ready` carries `url`). */
  deploymentId?: string;
  phase?: string;
  steps?: Array<{ name: string; status: string }>;
  log?: string;
}
