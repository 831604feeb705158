import {
  API_KEY_SCOPES,
  generateSecretKey,
  type ApiKey,
  type ApiKeyScope,
  type KeyMode,
  type PrismaClient,
  type Tenant,
  type TierName,
} from '@everjust/core';

/** Tenant and key creation shared by the operator CLI and the embedded start's bootstrap. */

export async function createApiKeyRecord(
  prisma: Pick<PrismaClient, 'apiKey'>,
  options: { tenantId: string; mode: KeyMode; name: string; scopes?: readonly ApiKeyScope[] },
): Promise<{ apiKey: ApiKey; secret: string }> {
  const generated = generateSecretKey(options.mode);
  const apiKey = await prisma.apiKey.create({
    data: {
      tenantId: options.tenantId,
      name: options.name,
      mode: options.mode,
      scopes: [...(options.scopes ?? API_KEY_SCOPES)],
      prefix: generated.prefix,
      hash: generated.hash,
    },
  });
  return { apiKey, secret: generated.secret };
}

export async function createTenant(
  prisma: Pick<PrismaClient, 'tenant'>,
  options: { name: string; tier: TierName; allowedOrigins?: string[]; limitOverrides?: Record<string, number | null> },
): Promise<Tenant> {
  return prisma.tenant.create({
    data: {
      name: options.name,
      tier: options.tier,
      allowedOrigins: options.allowedOrigins ?? [],
      limitOverrides: options.limitOverrides ?? {},
    },
  });
}
