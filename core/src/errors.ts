/**
 * Domain errors, defined once. The API maps them to GraphQL errors (code in `extensions.code`, HTTP
 * status) in one plugin; the worker and CLI print their messages.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'IDEMPOTENCY_CONFLICT',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'INTERNAL',
  'CSRF_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status for codes that have one; the rest answer 200 with the error in the body, as GraphQL does. */
export const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  RATE_LIMITED: 429,
};

/** Base class of every expected error; `details` lands in `extensions` beside `code`. */
export class EverJustError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class AuthenticationError extends EverJustError {
  constructor(message = 'A valid API key is required (Authorization: Bearer ej_live_sk_… or ej_test_sk_…)') {
    super('UNAUTHENTICATED', message);
  }
}

export class PermissionError extends EverJustError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('FORBIDDEN', message, details);
  }
}

/**
 * A console (cookie) request without the session's CSRF token, or from another origin: the cookie is
 * never a credential on its own (HTTP 403).
 */
export class CsrfError extends EverJustError {
  constructor(message = 'The console session needs its X-EverJust-CSRF header, from the console\'s own origin') {
    super('CSRF_FAILED', message);
  }
}

export class NotFoundError extends EverJustError {
  constructor(what: string, id?: string) {
    super('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);
  }
}

export class ValidationError extends EverJustError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class QueryTooComplexError extends EverJustError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('QUERY_TOO_COMPLEX', message, details);
  }
}

export class IdempotencyConflictError extends EverJustError {
  constructor(key: string) {
    super(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency key "${key}" was already used with a different input in the last 24 hours`,
      { idempotencyKey: key },
    );
  }
}

export class RateLimitedError extends EverJustError {
  constructor(retryAfterSeconds: number, details: Record<string, unknown> = {}) {
    super('RATE_LIMITED', `Rate limit exceeded; retry after ${retryAfterSeconds} s`, {
      retryAfter: retryAfterSeconds,
      ...details,
    });
  }
}

export class QuotaExceededError extends EverJustError {
  constructor(limit: string, max: number, resetsAt: Date | null) {
    super('QUOTA_EXCEEDED', `Quota exceeded: ${limit} (limit ${max})`, {
      limit,
      max,
      resetsAt: resetsAt?.toISOString() ?? null,
    });
  }
}

export function isEverJustError(error: unknown): error is EverJustError {
  return error instanceof EverJustError;
}
