import { PermissionError, type ApiKeyScope } from '@everjust/core';
import type { Caller } from '../context.js';

/** FORBIDDEN unless the calling key carries `scope`. */
export function requireScope(caller: Caller, scope: ApiKeyScope): void {
  if (!caller.scopes.has(scope)) {
    throw new PermissionError(`This API key lacks the \`${scope}\` scope`, { requiredScope: scope });
  }
}

/**
 * FORBIDDEN for widget tokens: for what only a backend may do (mint widget tokens, set budgets,
 * export), whatever scopes a widget token carries.
 */
export function requireSecretKey(caller: Caller, what: string): void {
  if (caller.widget) {
    throw new PermissionError(`A widget token cannot ${what}: call it from your backend with a secret key`, { reason: 'SECRET_KEY_REQUIRED' });
  }
}
