import type { PrismaClient } from '@everjust/core';

/**
 * The autoscaler's changes, kept in the database (`autoscale_changes`): each change is a deployment of
 * the app, which restarts the autoscaler too, so the time of the last one, where the cooldowns start,
 * cannot live in the process.
 */

type Client = Pick<PrismaClient, 'autoscaleChange'>;

/** When the component's instance count was last changed by the autoscaler, if ever. */
export async function lastScaledAt(prisma: Client, target: { appId: string; component: string }): Promise<Date | undefined> {
  const last = await prisma.autoscaleChange.findFirst({ where: target, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
  return last?.createdAt;
}

/** Records a change the App Platform API accepted, at `at` (the clock the decision used). */
export async function recordScaling(
  prisma: Client,
  change: { appId: string; component: string; fromCount: number; toCount: number; ready: number; running: number; at: Date },
): Promise<void> {
  const { at, ...data } = change;
  await prisma.autoscaleChange.create({ data: { ...data, createdAt: at } });
}
