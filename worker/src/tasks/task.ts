import { WorkerError } from '../worker-error.js';
import type { ClaimedJob, Config, Logger, PendingQuestion, PrismaClient, PubSub, Session } from '@everjust/core';
import type { LlmProvider } from '../llm/llm-provider.js';
import type { SessionWriter } from '../session-writer.js';
import type { SandboxProvider } from '../sandbox/sandbox-provider.js';

/** What a task handler gets: its job, its session and the means to report (after graphile-worker's helpers). */
export interface TaskContext {
  job: ClaimedJob;
  session: Session;
  writer: SessionWriter;
  /** Aborted when the session is cancelled, the lease is lost, or the worker stops. */
  signal: AbortSignal;
  logger: Logger;
  prisma: PrismaClient;
  pubsub: PubSub;
  config: Config;
  /** The model for this session (test mode: always the offline generator). */
  llm: LlmProvider;
  /** Where the session's app runs; null when previews are off (`EVERJUST_SANDBOX=none`). */
  sandbox: SandboxProvider | null;
}

/** A successful run's kind-specific results (they go into the `done` event). */
export interface TaskOutcome {
  result?: Record<string, unknown>;
  /**
   * The model asked its end user a question: the session waits for the answer (`waiting_for_input`)
   * and the worker releases the job instead of ending the session.
   */
  waiting?: Omit<PendingQuestion, 'askedAt' | 'expiresAt'>;
}

export type TaskHandler = (context: TaskContext) => Promise<TaskOutcome>;

/** A failure the client should see with a code; `retryable` decides whether the job runs again. */
export class TaskError extends WorkerError {
  constructor(code: string, message: string, retryable = false, options?: { cause?: unknown }) {
    super(code, message, retryable, options);
    this.name = 'TaskError';
  }
}
