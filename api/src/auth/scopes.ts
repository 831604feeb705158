import { PermissionError, type ApiKeyScope } from '@everjust/core';
import type { Caller } from '../context.js';

/** FORBIDDEN unless the calling key carries `scope`. */
export function requireScope(caller: Caller, scope: ApiKeyScope): void {
  if (!caller.scopes.has(scope)) {
    throw new PermissionError(`This API key lacks the \`${scope}\` scope`, { requiredScope: scope });
  }
}
