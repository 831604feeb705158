/**
 * How Daytona failures become {@link SandboxError}s: one place decides `code` and `retryable` for the
 * SDK's errors and for the toolbox WebSocket's, so the job loop retries an outage and not a bad request.
 *
 * | what failed | code | retryable |
 * |---|---|---|
 * | connection refused/reset, DNS, a timeout (also the SDK's own waits for a state) | SANDBOX_UNAVAILABLE | yes |
 * | HTTP 5xx | SANDBOX_UNAVAILABLE | yes |
 * | HTTP 429 | SANDBOX_RATE_LIMITED | yes |
 * | HTTP 404 | SANDBOX_NOT_FOUND | no |
 * | HTTP 401/403 | SANDBOX_UNAUTHORIZED | no |
 * | other 4xx | SANDBOX_REQUEST_REFUSED | no |
 * | a sandbox in an error state, anything else from the SDK | SANDBOX_ERROR | no |
 */
import { DaytonaConnectionError, DaytonaError, DaytonaNotFoundError, DaytonaTimeoutError } from '@daytonaio/sdk';
import { SandboxError } from './sandbox-provider.js';

const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Runs `action`, turning whatever it throws into a classified {@link SandboxError}. */
export async function guard<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toSandboxError(error, what);
  }
}

/** Whether a (classified) error says the sandbox or file does not exist: callers treat that as "gone". */
export function isNotFound(error: unknown): boolean {
  return error instanceof DaytonaNotFoundError || (error instanceof SandboxError && error.cause instanceof DaytonaNotFoundError);
}

export function toSandboxError(error: unknown, what: string): SandboxError {
  if (error instanceof SandboxError) return error;
  const message = `Daytona: could not ${what}: ${error instanceof Error ? error.message : String(error)}`;
  return new SandboxError(message, { ...classify(error), cause: error });
}

function classify(error: unknown): { code: string; retryable: boolean } {
  if (error instanceof DaytonaConnectionError || error instanceof DaytonaTimeoutError) return { code: 'SANDBOX_UNAVAILABLE', retryable: true };
  if (error instanceof DaytonaNotFoundError) return { code: 'SANDBOX_NOT_FOUND', retryable: false };
  if (error instanceof DaytonaError) return error.statusCode === undefined ? { code: 'SANDBOX_ERROR', retryable: false } : byStatus(error.statusCode);
  // Outside the SDK's HTTP client: a WebSocket that failed to connect.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && connectionCodes.has(code)) return { code: 'SANDBOX_UNAVAILABLE', retryable: true };
  const status = /Unexpected server response: (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return status === undefined ? { code: 'SANDBOX_ERROR', retryable: false } : byStatus(Number(status));
}

function byStatus(status: number): { code: string; retryable: boolean } {
  if (status === 429) return { code: 'SANDBOX_RATE_LIMITED', retryable: true };
  if (status >= 500) return { code: 'SANDBOX_UNAVAILABLE', retryable: true };
  if (status === 404) return { code: 'SANDBOX_NOT_FOUND', retryable: false };
  if (status === 401 || status === 403) return { code: 'SANDBOX_UNAUTHORIZED', retryable: false };
  if (status >= 400) return { code: 'SANDBOX_REQUEST_REFUSED', retryable: false };
  return { code: 'SANDBOX_ERROR', retryable: false };
}
