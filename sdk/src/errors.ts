/**
 * One base class, one subclass per category, and one factory that picks the class (as stripe-node's
 * `Error.ts`). The API puts the category in `extensions.code`, in a 200 body as often as not, so the
 * code decides first and the HTTP status only when there is no code.
 */

/** What the factory is given: an API error (or an HTTP failure) and where it came from. */
export interface ApiErrorInit {
  message: string;
  /** `extensions.code`, e.g. `NOT_FOUND`; `HTTP_<status>` for a failure without one. */
  code: string;
  /** The HTTP status of the response, when there was one. */
  status?: number;
  /** The `X-Request-Id` of the response (also in `extensions.requestId`): quote it to support. */
  requestId?: string;
  /** Everything in the error's `extensions` (`code` and `requestId` included). */
  extensions?: Record<string, unknown>;
  /** The GraphQL path of the field that failed. */
  path?: ReadonlyArray<string | number>;
  cause?: unknown;
}

/**
 * Base class of every error the SDK throws for a failed API call. `code` is the API's
 * `extensions.code` (`NOT_FOUND`, `BAD_USER_INPUT`, …); `requestId` identifies the request in the
 * API's logs.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly path: ReadonlyArray<string | number> | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.extensions = init.extensions ?? {};
    this.path = init.path;
  }

  /** Worth trying again as it is: the network, a timeout, a rate limit, a server error (the SDK's own retry decision). */
  get retryable(): boolean {
    return this instanceof ConnectionError || this instanceof RateLimitError || this.code === 'INTERNAL' || (this.status ?? 0) >= 500;
  }
}

/** The key is missing, malformed, unknown or revoked (`UNAUTHENTICATED`, HTTP 401). */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}

/** The key lacks a scope, or the operation is not allowed to it (`FORBIDDEN`, HTTP 403). */
export class PermissionError extends ApiError {
  override name = 'PermissionError';
}

/** No such object for this key: absent, deleted, another tenant's or the other mode's (`NOT_FOUND`). */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}

/**
 * The input was refused (`BAD_USER_INPUT`); also a document the API cannot run
 * (`GRAPHQL_VALIDATION_FAILED`, `GRAPHQL_PARSE_FAILED`, `QUERY_TOO_COMPLEX`). `issues` lists the
 * fields at fault when the API names them.
 */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
  get issues(): Array<{ path: Array<string | number>; message: string }> {
    return Array.isArray(this.extensions.issues) ? (this.extensions.issues as Array<{ path: Array<string | number>; message: string }>) : [];
  }
}

/**
 * Too many requests (`RATE_LIMITED`, HTTP 429). The SDK has already waited and retried
 * `maxRetries` times; `retryAfter` is how many seconds the API asked to wait.
 */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  readonly retryAfter: number | undefined;
  constructor(init: ApiErrorInit & { retryAfter?: number }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** A tier or budget limit is reached (`QUOTA_EXCEEDED`): `limit` names it, `max` is its size, `resetsAt` when its window resets (null: it does not). */
export class QuotaExceededError extends ApiError {
  override name = 'QuotaExceededError';
  get limit(): string | undefined {
    return typeof this.extensions.limit === 'string' ? this.extensions.limit : undefined;
  }
  get max(): number | undefined {
    return typeof this.extensions.max === 'number' ? this.extensions.max : undefined;
  }
  get resetsAt(): Date | null {
    return typeof this.extensions.resetsAt === 'string' ? new Date(this.extensions.resetsAt) : null;
  }
}

/** The idempotency key was used in the last 24 h with a different input (`IDEMPOTENCY_CONFLICT`). */
export class IdempotencyConflictError extends ApiError {
  override name = 'IdempotencyConflictError';
  get idempotencyKey(): string | undefined {
    return typeof this.extensions.idempotencyKey === 'string' ? this.extensions.idempotencyKey : undefined;
  }
}

/**
 * The API could not be reached, the request timed out (`code` `TIMEOUT`), or a stream kept dropping,
 * after every retry. `cause` holds the last underlying error.
 */
export class ConnectionError extends ApiError {
  override name = 'ConnectionError';
}

/** Why `webhooks.verify` refused a request. */
export type WebhookSignatureFailure = 'missing-header' | 'malformed-header' | 'timestamp-outside-tolerance' | 'no-matching-signature';

/**
 * A webhook request failed `webhooks.verify` (not an ApiError: no API call is made). `reason` says why:
 * no `EverJust-Signature` header, a header that is not `t=…,v1=…`, a timestamp outside the tolerance
 * (a replay, or a skewed clock), or no signature matching the body and secret.
 */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
  readonly reason: WebhookSignatureFailure;
  constructor(reason: WebhookSignatureFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

const CLASS_BY_CODE: Record<string, typeof ApiError> = {
  UNAUTHENTICATED: AuthenticationError,
  FORBIDDEN: PermissionError,
  NOT_FOUND: NotFoundError,
  BAD_USER_INPUT: ValidationError,
  GRAPHQL_VALIDATION_FAILED: ValidationError,
  GRAPHQL_PARSE_FAILED: ValidationError,
  QUERY_TOO_COMPLEX: ValidationError,
  RATE_LIMITED: RateLimitError,
  QUOTA_EXCEEDED: QuotaExceededError,
  IDEMPOTENCY_CONFLICT: IdempotencyConflictError,
  CONNECTION_ERROR: ConnectionError,
  TIMEOUT: ConnectionError,
};

const CLASS_BY_STATUS: Record<number, typeof ApiError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  429: RateLimitError,
};

/** A GraphQL error as it comes in a response body. */
export interface GraphQLErrorBody {
  message?: unknown;
  path?: unknown;
  extensions?: Record<string, unknown>;
}

/**
 * The one factory: picks the class for a GraphQL error (by `extensions.code`, else by HTTP status).
 * `retryAfterHeader` is the response's `Retry-After`, used when the body does not say.
 */
export function createApiError(
  error: GraphQLErrorBody,
  response: { status?: number; requestId?: string; retryAfterHeader?: string | null } = {},
): ApiError {
  const extensions = error.extensions ?? {};
  const code = typeof extensions.code === 'string' ? extensions.code : response.status ? `HTTP_${response.status}` : 'UNKNOWN';
  const init: ApiErrorInit = {
    message: typeof error.message === 'string' ? error.message : `The API answered with an error (${code})`,
    code,
    status: response.status,
    requestId: typeof extensions.requestId === 'string' ? extensions.requestId : response.requestId,
    extensions,
    path: Array.isArray(error.path) ? error.path : undefined,
  };
  const ErrorClass = CLASS_BY_CODE[code] ?? (typeof extensions.code === 'string' ? ApiError : CLASS_BY_STATUS[response.status ?? 0]) ?? ApiError;
  if (ErrorClass === RateLimitError) {
    const retryAfter = typeof extensions.retryAfter === 'number' ? extensions.retryAfter : parseRetryAfter(response.retryAfterHeader);
    return new RateLimitError({ ...init, retryAfter });
  }
  return new ErrorClass(init);
}

/** `Retry-After` in seconds: a number of seconds, or an HTTP date. */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}
