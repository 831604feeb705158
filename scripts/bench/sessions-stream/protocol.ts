/**
 * The messages between the sessions-stream orchestrator (`../sessions-stream.ts`) and its forked
 * subscriber process (`client.ts`), over the IPC channel.
 */
export interface StreamCommand {
  type: 'stream';
  url: string;
  /** Slot i uses key i mod keys.length (one tenant each). */
  keys: string[];
  sessions: number;
  warmupS: number;
  durationS: number;
  /** Slots start spread over this many ms, so sessions do not all run in lockstep. */
  staggerMs: number;
  /** Each slot runs one session and stops (the sessions-burst suite: all started at once). */
  once?: boolean;
}

export interface StreamResult {
  type: 'stream-result';
  /** Latencies (ms) of live events appended in the window. */
  latencies: number[];
  /** Events received in the window (by receipt time), live or not. */
  deliveredInWindow: number;
  /** Events appended before their subscription was live (replayed from the log), not timed. */
  replayed: number;
  /** Live events whose `at` fell outside the window (warm-up, tail). */
  outsideWindow: number;
  sessionsCompleted: number;
  sessionSeconds: number[];
  /** Per session, ms: createProject + startSession answered; seq 1 (queued) → seq 2 (running, the worker took it); running → done. */
  phases: { start: number[]; queued: number[]; running: number[] };
  textDeltasPerSession: number[];
  eventsByType: Record<string, number>;
  /** `error` events (the worker retries a session after a retryable one), by code and message. */
  errors: Record<string, number>;
  /** createProject/startSession calls that failed (the slot tried again), by error. */
  startFailures: Record<string, number>;
  windowStart: number;
  windowEnd: number;
  clientCpuMs: number;
}

export type ParentMessage =
  | StreamCommand
  | { type: 'idle-create'; url: string; key: string; count: number }
  | { type: 'idle-open' }
  | { type: 'idle-close' }
  | { type: 'idle-cancel' }
  | { type: 'exit' };

export type ChildMessage =
  | StreamResult
  | { type: 'idle-created' }
  | { type: 'idle-opened'; count: number }
  | { type: 'idle-closed' }
  | { type: 'idle-cancelled' }
  | { type: 'error'; message: string };
