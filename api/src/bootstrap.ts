import { encodeId } from '@everjust/core';
import type { PrismaClient } from '@everjust/core';
import { mintConsoleLink } from './console/console-links.js';
import { createApiKeyRecord, createTenant } from './services/tenants.js';

export interface DevelopmentTenant {
  tenantId: string;
  liveSecret: string;
  testSecret: string;
  /** A one-time sign-in link to the web console. */
  consoleLink: { url: string; expiresAt: Date };
}

/**
 * The first embedded start on an empty database makes a development tenant with a live and a test
 * key and a console sign-in link, so the platform can be tried at once. Returns null when any tenant
 * exists already.
 */
export async function bootstrapDevelopmentTenant(prisma: PrismaClient, options: { publicUrl: string; consoleLinkTtlMs: number }): Promise<DevelopmentTenant | null> {
  if ((await prisma.tenant.count()) > 0) return null;
  const tenant = await createTenant(prisma, { name: 'Development', tier: 'professional' });
  const live = await createApiKeyRecord(prisma, { tenantId: tenant.id, mode: 'live', name: 'Development live key' });
  const test = await createApiKeyRecord(prisma, { tenantId: tenant.id, mode: 'test', name: 'Development test key' });
  const consoleLink = await mintConsoleLink(prisma, { tenantId: tenant.id, publicUrl: options.publicUrl, ttlMs: options.consoleLinkTtlMs });
  return { tenantId: encodeId('Tenant', tenant.id), liveSecret: live.secret, testSecret: test.secret, consoleLink };
}

export function describeDevelopmentTenant(tenant: DevelopmentTenant, apiUrl: string): string {
  return [
    '',
    'Created a development tenant. Its keys are shown this once; keep them:',
    `  live secret key: ${tenant.liveSecret}`,
    `  test secret key: ${tenant.testSecret}`,
    '',
    `Console (sign-in link, one use, ${minutesLeft(tenant.consoleLink.expiresAt)} min; later: pnpm everjust console link --tenant ${tenant.tenantId}):`,
    `  ${tenant.consoleLink.url}`,
    '',
    'Try it:',
    `  curl -s ${apiUrl}/graphql -H 'Content-Type: application/json' \\`,
    `    -H 'Authorization: Bearer ${tenant.testSecret}' \\`,
    `    -d '{"query":"{ viewer { id name tier mode } }"}'`,
    '',
  ].join('\n');
}

function minutesLeft(expiresAt: Date): number {
  return Math.max(1, Math.round((expiresAt.getTime() - Date.now()) / 60_000));
}
