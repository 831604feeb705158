import { ApiError } from './api-client.js';
import { fill, type WidgetStrings } from './strings.js';

/** An error as the widget shows and reports it. */
export interface WidgetErrorInfo {
  /** ORIGIN_NOT_ALLOWED, TOKEN_EXPIRED, QUOTA_EXCEEDED, RATE_LIMITED, NETWORK, or the API's code (NOT_FOUND, …), CONFIGURATION, TOKEN. */
  code: string;
  /** One line for the end user: what is wrong and what to do. */
  message: string;
  /** The API's `extensions.code`, when the API answered. */
  apiCode?: string;
  /** The API's `extensions.reason`, when it gave one. */
  reason?: string;
  /** Seconds to wait, for RATE_LIMITED. */
  retryAfter?: number;
}

/**
 * Turns what failed into what a person can act on. The API's own message is kept where it already
 * says what to do (quotas, bad input); transport-level ones (a refused origin, an expired token after
 * renewal failed, the network) get the widget's words, from `strings`.
 */
export function describeError(error: ApiError, strings: WidgetStrings, origin = ''): WidgetErrorInfo {
  const reason = typeof error.extensions.reason === 'string' ? error.extensions.reason : undefined;
  const api = error.status !== undefined || error.extensions.code !== undefined ? { apiCode: error.code } : {};
  const base = { ...api, ...(reason ? { reason } : {}) };
  if (error.code === 'FORBIDDEN' && (reason === 'WRONG_ORIGIN' || reason === 'ORIGIN_NOT_ALLOWED')) {
    return { ...base, code: 'ORIGIN_NOT_ALLOWED', message: fill(strings.errorOrigin, { origin }) };
  }
  if (error.code === 'FORBIDDEN' && reason === 'WIDGET_PERMISSION_REQUIRED') return { ...base, code: 'FORBIDDEN', message: strings.errorDeployNotAllowed };
  if (error.code === 'UNAUTHENTICATED') return { ...base, code: 'TOKEN_EXPIRED', message: strings.errorTokenExpired };
  if (error.code === 'QUOTA_EXCEEDED') return { ...base, code: 'QUOTA_EXCEEDED', message: fill(strings.errorQuota, { message: error.message }) };
  if (error.code === 'RATE_LIMITED') {
    const retryAfter = Number((error as { retryAfter?: number }).retryAfter ?? error.extensions.retryAfter ?? 0) || 1;
    return { ...base, code: 'RATE_LIMITED', message: fill(strings.errorRateLimited, { seconds: retryAfter }), retryAfter };
  }
  if (error.code === 'CONNECTION_ERROR' || error.code === 'TIMEOUT') return { code: 'NETWORK', message: strings.errorNetwork };
  return { ...base, code: error.code, message: error.message };
}
