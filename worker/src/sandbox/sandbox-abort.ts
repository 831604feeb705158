/**
 * What an abort looks like from every sandbox provider (see SandboxProvider): an `Error` named
 * `AbortError` whose `cause` is the signal's reason, as the model providers and `fetch` throw. The job
 * loop reads the signal, not the error, to tell a cancel from a failure.
 */
export function abortError(signal: AbortSignal): Error {
  const error = new Error('The sandbox operation was aborted.', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/** Throws the sandbox AbortError when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** `work`, or an AbortError as soon as `signal` aborts; `onLateResult` gets what `work` gives after that. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, onLateResult?: (value: T) => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError(signal));
      work.then((value) => onLateResult?.(value), () => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}
