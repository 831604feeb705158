import { isApiKeyScope, PermissionError, type ApiKeyScope } from '@everjust/core';
import type { Caller } from '../context.js';

/** The read scope each write scope includes. */
const INCLUDED_READ_SCOPES: Partial<Record<ApiKeyScope, ApiKeyScope>> = { 'projects:write': 'projects:read', 'sessions:write': 'sessions:read' };

/**
 * What a key's stored scopes let it do: a write scope includes the read scope of the same resource
 * (as a Stripe key's write permission includes read), so a key that may create a project may read the
 * project it gets back. `Caller.scopes` holds this set; the key's own list (`ApiKey.scopes`) is unchanged.
 */
export function grantedScopes(stored: Iterable<string>): ReadonlySet<ApiKeyScope> {
  const granted = new Set<ApiKeyScope>();
  for (const scope of stored) {
    if (!isApiKeyScope(scope)) continue;
    granted.add(scope);
    const included = INCLUDED_READ_SCOPES[scope];
    if (included) granted.add(included);
  }
  return granted;
}

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
