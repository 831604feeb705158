/**
 * The one base of every failure a worker step can classify (the AI SDK's `APICallError.isRetryable`):
 * a stable `code` the client sees and a `retryable` flag the job loop reads, whatever raised it — a task,
 * the model, a sandbox or a git provider. The loop never looks at the subclass: only these two fields.
 */
export class WorkerError extends Error {
  constructor(
    /** Shown to the client in the `error`/`done` events and `Session.error.code`. */
    readonly code: string,
    message: string,
    /** Whether running the job again may help (a provider outage, a timeout); false for bad input. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WorkerError';
  }
}

/** The code and retry decision of any error thrown out of a worker step; unknown errors are INTERNAL and retried. */
export function classifyWorkerError(error: unknown): { code: string; message: string; retryable: boolean } {
  if (error instanceof WorkerError) return { code: error.code, message: error.message, retryable: error.retryable };
  return { code: 'INTERNAL', message: 'The session failed unexpectedly', retryable: true };
}
