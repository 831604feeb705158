import { randomBytes } from 'node:crypto';
import { hashSecret, type PrismaClient } from '@everjust/core';

/**
 * One-time console sign-in links: `<publicUrl>/console/login?token=ej_cl_…`. The token is 32 random
 * bytes, stored only as its SHA-256 (as keys are), valid for the configured time (15 min) and good
 * for one sign-in: redeeming marks it used in the same statement that checks it.
 */

const LINK_TOKEN_PATTERN = /^ej_cl_[A-Za-z0-9_-]{43}$/;

export interface ConsoleLink {
  url: string;
  expiresAt: Date;
}

export async function mintConsoleLink(
  prisma: Pick<PrismaClient, 'consoleLink'>,
  options: { tenantId: string; publicUrl: string; ttlMs: number; now?: Date },
): Promise<ConsoleLink> {
  const token = `ej_cl_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date((options.now ?? new Date()).getTime() + options.ttlMs);
  await prisma.consoleLink.create({ data: { tenantId: options.tenantId, hash: hashSecret(token), expiresAt } });
  // Beside the API's other public routes (as previews are): under any path the public URL has.
  return { url: `${options.publicUrl.replace(/\/+$/, '')}/console/login?token=${token}`, expiresAt };
}

/** Why a link signs nobody in: not one of ours (or malformed), or used or expired. */
export type LinkRefusal = 'unknown' | 'used' | 'expired';

/**
 * Uses up a link: the tenant it signs in, or why not. The conditional update is the check: of two
 * requests with the same token, exactly one sees its row change.
 */
export async function redeemConsoleLink(
  prisma: Pick<PrismaClient, 'consoleLink'>,
  token: string | null,
  now = new Date(),
): Promise<{ ok: true; tenantId: string } | { ok: false; reason: LinkRefusal }> {
  if (!token || !LINK_TOKEN_PATTERN.test(token)) return { ok: false, reason: 'unknown' };
  const hash = hashSecret(token);
  const claimed = await prisma.consoleLink.updateMany({ where: { hash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  const link = await prisma.consoleLink.findUnique({ where: { hash }, select: { tenantId: true, usedAt: true, expiresAt: true } });
  if (!link) return { ok: false, reason: 'unknown' };
  if (claimed.count === 1) return { ok: true, tenantId: link.tenantId };
  return { ok: false, reason: link.usedAt ? 'used' : 'expired' };
}
