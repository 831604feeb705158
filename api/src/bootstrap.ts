import { encodeId } from '@everjust/core';
import type { PrismaClient } from '@everjust/core';
import { createApiKeyRecord, createTenant } from './services/tenants.js';

export interface DevelopmentTenant {
  tenantId: string;
  liveSecret: string;
  testSecret: string;
}

/**
 * The first embedded start on an empty database makes a development tenant with a live and a test
 * key, so the platform can be tried at once. Returns null when any tenant exists already.
 */
export async function bootstrapDevelopmentTenant(prisma: PrismaClient): Promise<DevelopmentTenant | null> {
  if ((await prisma.tenant.count()) > 0) return null;
  const tenant = await createTenant(prisma, { name: 'Development', tier: 'professional' });
  const live = await createApiKeyRecord(prisma, { tenantId: tenant.id, mode: 'live', name: 'Development live key' });
  const test = await createApiKeyRecord(prisma, { tenantId: tenant.id, mode: 'test', name: 'Development test key' });
  return { tenantId: encodeId('Tenant', tenant.id), liveSecret: live.secret, testSecret: test.secret };
}

export function describeDevelopmentTenant(tenant: DevelopmentTenant, apiUrl: string): string {
  return [
    '',
    'Created a development tenant. Its keys are shown this once; keep them:',
    `  live secret key: ${tenant.liveSecret}`,
    `  test secret key: ${tenant.testSecret}`,
    '',
    'Try it:',
    `  curl -s ${apiUrl}/graphql -H 'Content-Type: application/json' \\`,
    `    -H 'Authorization: Bearer ${tenant.testSecret}' \\`,
    `    -d '{"query":"{ viewer { id name tier mode } }"}'`,
    '',
  ].join('\n');
}
