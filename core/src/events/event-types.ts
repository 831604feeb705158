import type { SessionEndStatus } from '../session-status.js';

/**
 * The kinds of session events, defined once: the worker appends them, the API exposes one GraphQL
 * object type per kind, webhooks and the widget read them. Payloads are JSON.
 */
export interface SessionUsage {
  inputTokens: number;
  outputTokens: number;
  sandboxSeconds: number;
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
  /** Usage so far (running totals). */
  usage: SessionUsage;
  error: { code: string; message: string; retryable?: boolean };
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
  'usage',
  'error',
  'done',
] as const satisfies readonly SessionEventType[];

/** An event as stored and as delivered: `seq` is unique and gap-free per session. */
export type SessionEvent<Type extends SessionEventType = SessionEventType> = {
  [K in Type]: { sessionId: string; seq: number; type: K; at: string; payload: SessionEventPayloads[K] };
}[Type];

export type NewSessionEvent<Type extends SessionEventType = SessionEventType> = {
  [K in Type]: { type: K; payload: SessionEventPayloads[K] };
}[Type];

export const EMPTY_USAGE: SessionUsage = { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 };

/** Pub/sub channel of one session's live events. */
export const sessionEventsChannel = (sessionId: string) => `everjust:session-events:${sessionId}`;
/** Pub/sub channel telling workers to stop a session now. */
export const sessionCancelChannel = 'everjust:session-cancel';
/** Pub/sub channel telling idle workers that a job is ready. */
export const jobsReadyChannel = 'everjust:jobs-ready';
