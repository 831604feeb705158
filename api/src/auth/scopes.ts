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

/**
 * FORBIDDEN for test keys (and the widget tokens they mint): tenant-wide settings (allowed origins,
 * the stored GitHub token, the name, generation settings) have one value for both modes, so only a
 * live key may change them; a test key can never reach into live mode through them.
 */
export function requireLiveKey(caller: Caller, what: string): void {
  if (caller.mode !== 'live') {
    throw new PermissionError(`A test key cannot ${what}: tenant settings apply to live mode too, so use a live key (ej_live_sk_…)`, { reason: 'LIVE_KEY_REQUIRED' });
  }
}

/**
 * What reading each object type needs, whatever the path to it (a root field, `node(id:)`, a nested
 * field such as `Session.project`, a mutation's result): enforced once, by `enforceTypeScopes`
 * (schema/enforce-type-scopes.ts). `null`: any caller of the tenant may read it. An object type not
 * listed takes the scope of its interface (the `SessionEvent` kinds), and a connection or edge that of
 * its nodes; every other object type must be listed here (a test walks the schema and checks).
 */
export const TYPE_SCOPES: Readonly<Record<string, ApiKeyScope | null>> = {
  Project: 'projects:read',
  ProjectFile: 'projects:read',
  PreviewError: 'projects:read',
  Checkpoint: 'projects:read',
  Deployment: 'projects:read',
  // Reached only through a scoped parent (Deployment.steps, a DeployProgressEvent): no scope of its own.
  DeploymentStep: null,
  // Reached only through a PreviewCheckedEvent or a RepairStartedEvent (sessions:read).
  PreviewCheckError: null,
  Sandbox: 'projects:read',
  Session: 'sessions:read',
  SessionEvent: 'sessions:read',
  SessionUsage: 'sessions:read',
  SessionError: 'sessions:read',
  SessionAttachment: 'sessions:read',
  SessionQuestion: 'sessions:read',
  ApiKey: 'keys:write',
  CreateApiKeyPayload: 'keys:write',
  ConsoleLink: 'keys:write',
  WebhookEndpoint: 'webhooks:write',
  WebhookDelivery: 'webhooks:write',
  WebhookDeliveryRequest: 'webhooks:write',
  WebhookDeliveryResponse: 'webhooks:write',
  CreateWebhookEndpointPayload: 'webhooks:write',
  CreateWidgetTokenPayload: 'sessions:write',
  UsageReport: 'usage:read',
  UsageTotals: 'usage:read',
  UsageRow: 'usage:read',
  UsageFigures: 'usage:read',
  Quota: 'usage:read',
  EndUserBudget: 'usage:read',
  // The caller's own tenant: every key may see which tenant and limits it works under.
  Tenant: null,
  TenantLimits: null,
  // Generation settings carry no secret (the key is write-only: only whether one is set and its last 4).
  TenantGeneration: null,
  PageInfo: null,
};
