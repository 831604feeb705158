import {
  listProjectFiles,
  readProjectFiles,
  limitsFor,
  type Logger,
  type PrismaClient,
  type Sandbox,
  type TierLimits,
} from '@everjust/core';
import type { SandboxProvider } from './sandbox-provider.js';

/**
 * The bookkeeping around a project's sandbox: one row per project, the provider's sandbox reused
 * while alive, files synced by sha, and the lifecycle (idle stop, stopped delete) from the tier.
 */
export interface ProjectRef {
  id: string;
  tenantId: string;
  mode: 'live' | 'test';
}

async function limitsOf(prisma: PrismaClient, project: ProjectRef): Promise<TierLimits> {
  const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: project.tenantId } });
  return limitsFor(tenant, project.mode);
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** The project's sandbox, started; `created` when a new one had to be made. */
export async function ensureSandbox(
  prisma: PrismaClient,
  provider: SandboxProvider,
  project: ProjectRef,
  signal?: AbortSignal,
): Promise<{ sandbox: Sandbox; created: boolean }> {
  const existing = await prisma.sandbox.findUnique({ where: { projectId: project.id } });
  if (existing?.externalId && existing.provider === provider.name && (existing.status === 'running' || existing.status === 'stopped' || existing.status === 'starting')) {
    const info = await provider.get(existing.externalId).catch(() => null);
    if (info && info.state !== 'error' && info.state !== 'unknown') {
      if (info.state === 'stopped') await provider.start(existing.externalId);
      const sandbox = await prisma.sandbox.update({
        where: { id: existing.id },
        data: { status: 'running', stoppedAt: null, lastActiveAt: new Date(), runningSince: existing.runningSince ?? new Date() },
      });
      return { sandbox, created: false };
    }
  }
  const limits = await limitsOf(prisma, project);
  const info = await provider.create({
    labels: { 'everjust.tenant': project.tenantId, 'everjust.project': project.id, 'everjust.mode': project.mode },
    autoStopMinutes: limits.sandboxIdleStopMinutes,
    autoDeleteMinutes: limits.stoppedSandboxDeleteDays === null ? null : limits.stoppedSandboxDeleteDays * 24 * 60,
    signal,
  });
  const data = {
    provider: provider.name,
    externalId: info.id,
    status: 'running' as const,
    port: null,
    previewUrl: null,
    previewExpiresAt: null,
    upstreamUrl: null,
    upstreamHeaders: null,
    syncedFiles: {},
    installedFor: null,
    runningSince: new Date(),
    lastActiveAt: new Date(),
    stoppedAt: null,
  };
  // Two sessions of one project may both get here and both create a sandbox. The row is written only
  // if it is still as this call read it (no row yet, or the same external id): the loser deletes the
  // sandbox it made and uses the winner's, so no sandbox is left without a row to stop it.
  const sandbox = existing
    ? await prisma.sandbox
        .updateMany({ where: { id: existing.id, provider: existing.provider, externalId: existing.externalId }, data })
        .then(async ({ count }) => (count === 1 ? prisma.sandbox.findUniqueOrThrow({ where: { id: existing.id } }) : null))
    : await prisma.sandbox.create({ data: { projectId: project.id, tenantId: project.tenantId, ...data } }).catch((error: unknown) => {
        if (isUniqueViolation(error)) return null;
        throw error;
      });
  if (!sandbox) {
    await provider.delete(info.id).catch(() => undefined);
    return { sandbox: await prisma.sandbox.findUniqueOrThrow({ where: { projectId: project.id } }), created: false };
  }
  if (existing?.externalId && existing.provider === provider.name && existing.externalId !== info.id) {
    await provider.delete(existing.externalId).catch(() => undefined); // the old one is no longer usable
  }
  return { sandbox, created: true };
}

/** Uploads what changed since the last sync and deletes what is gone. */
export async function syncFiles(
  prisma: PrismaClient,
  provider: SandboxProvider,
  sandbox: Sandbox,
  signal?: AbortSignal,
): Promise<{ sandbox: Sandbox; uploaded: number; deleted: number }> {
  const synced = (sandbox.syncedFiles ?? {}) as Record<string, string>;
  const current = await listProjectFiles(prisma, sandbox.projectId);
  const changed = current.filter((file) => synced[file.path] !== file.sha).map((file) => file.path);
  const currentPaths = new Set(current.map((file) => file.path));
  const removed = Object.keys(synced).filter((path) => !currentPaths.has(path));
  if (changed.length > 0) {
    const wanted = new Set(changed);
    const files = (await readProjectFiles(prisma, sandbox.projectId)).filter((file) => wanted.has(file.path));
    await provider.uploadFiles(sandbox.externalId!, files.map(({ path, content, binary }) => ({ path, content, binary })), signal);
  }
  if (removed.length > 0) await provider.deleteFiles(sandbox.externalId!, removed);
  const updated = await prisma.sandbox.update({
    where: { id: sandbox.id },
    data: { syncedFiles: Object.fromEntries(current.map((file) => [file.path, file.sha])), lastActiveAt: new Date() },
  });
  return { sandbox: updated, uploaded: changed.length, deleted: removed.length };
}

/**
 * The periodic cleanup: stops sandboxes idle past their tier's limit, deletes those stopped past
 * theirs, and deletes the sandboxes of deleted projects. Each step claims its row with a conditional
 * update first, so two workers never act on one sandbox. Returns what it did.
 */
export async function cleanupSandboxes(
  prisma: PrismaClient,
  providers: (name: string) => SandboxProvider | undefined,
  logger: Logger,
  now = new Date(),
): Promise<{ stopped: string[]; deleted: string[] }> {
  const result = { stopped: [] as string[], deleted: [] as string[] };
  const candidates = await prisma.sandbox.findMany({
    where: { status: { in: ['running', 'starting', 'stopped', 'failed'] } },
    include: { project: { select: { deletedAt: true, mode: true, tenant: { select: { tier: true, limitOverrides: true } } } } },
  });
  for (const sandbox of candidates) {
    const provider = providers(sandbox.provider);
    if (!provider || !sandbox.externalId) continue;
    const limits = limitsFor(sandbox.project.tenant, sandbox.project.mode);
    const idleMs = now.getTime() - sandbox.lastActiveAt.getTime();
    const stoppedMs = sandbox.stoppedAt ? now.getTime() - sandbox.stoppedAt.getTime() : 0;
    const projectGone = sandbox.project.deletedAt !== null;
    const deleteAfterMs = limits.stoppedSandboxDeleteDays === null ? null : limits.stoppedSandboxDeleteDays * 86_400_000;
    try {
      if (projectGone || (sandbox.status === 'stopped' && deleteAfterMs !== null && stoppedMs >= deleteAfterMs)) {
        const claimed = await prisma.sandbox.updateMany({ where: { id: sandbox.id, status: sandbox.status, updatedAt: sandbox.updatedAt }, data: { status: 'deleted', runningSince: null } });
        if (claimed.count === 0) continue;
        await provider.delete(sandbox.externalId);
        result.deleted.push(sandbox.id);
      } else if ((sandbox.status === 'running' || sandbox.status === 'starting') && idleMs >= limits.sandboxIdleStopMinutes * 60_000) {
        const claimed = await prisma.sandbox.updateMany({
          where: { id: sandbox.id, status: sandbox.status, updatedAt: sandbox.updatedAt },
          data: { status: 'stopped', stoppedAt: now, runningSince: null, previewUrl: null, previewExpiresAt: null },
        });
        if (claimed.count === 0) continue;
        await provider.stop(sandbox.externalId);
        result.stopped.push(sandbox.id);
      }
    } catch (error) {
      logger.warn({ err: error, sandboxId: sandbox.id }, 'sandbox cleanup step failed');
    }
  }
  return result;
}

/** The `sandbox-stop` job (`stopSandbox`): the API marked the row stopped; this stops the provider's sandbox. */
export async function stopSandboxJob(
  job: { payload: Record<string, unknown> },
  helpers: { prisma: PrismaClient; sandboxes?: { byName(name: string): SandboxProvider | undefined } },
): Promise<void> {
  const projectId = String(job.payload.projectId);
  const sandbox = await helpers.prisma.sandbox.findUnique({ where: { projectId } });
  if (!sandbox?.externalId || sandbox.status !== 'stopped') return; // restarted since, or gone
  await helpers.sandboxes?.byName(sandbox.provider)?.stop(sandbox.externalId);
}
