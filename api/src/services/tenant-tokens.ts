import { sealSecret, type Prisma } from '@everjust/core';
import { requireLiveKey, requireScope } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';

/** A third-party token a tenant stores with us, sealed at rest: which column, and the sealing context. */
export interface TenantTokenKind {
  /** In messages: "change the GitHub token". */
  label: string;
  column: 'githubTokenEncrypted' | 'digitaloceanTokenEncrypted';
  sealContext(tenantId: string): string;
}

/**
 * Stores a tenant's token (sealed with a key derived from EVERJUST_SECRET), or clears it when `token`
 * is null or blank. A tenant setting: `keys:write` and a live key. Every instance drops its cached
 * tenant, so the next request sees the change.
 */
export async function storeTenantToken<Query extends { include?: Prisma.TenantInclude; select?: Prisma.TenantSelect }>(
  context: RequestContext,
  query: Query,
  kind: TenantTokenKind,
  token: string | null | undefined,
) {
  requireScope(context.caller, 'keys:write');
  requireLiveKey(context.caller, `change the ${kind.label}`);
  const { prisma, secret, authenticator } = context.services;
  const tenantId = context.caller.tenantId;
  const trimmed = token?.trim();
  const tenant = await prisma.tenant.update({
    ...query,
    where: { id: tenantId },
    data: { [kind.column]: trimmed ? sealSecret(secret, trimmed, kind.sealContext(tenantId)) : null },
  });
  await authenticator.tenantChanged(tenantId);
  return tenant;
}
