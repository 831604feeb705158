import { enqueueJob, type Config, type Prisma } from '@everjust/core';

/**
 * Takes a project's deployed app away (deleteDeployment, deleteProject), in the caller's transaction:
 * the project forgets its app, its live deployment is no longer live, and a `deploy-app-delete` job
 * removes the app from App Platform (retried like any job; the job row is the record of it).
 * Returns whether there was an app.
 */
export async function removeDeployedApp(
  tx: Prisma.TransactionClient,
  project: { id: string; tenantId: string; mode: 'live' | 'test'; deployAppId: string | null; deployAppAccount: string | null },
  config: Pick<Config, 'jobs'>,
): Promise<boolean> {
  if (!project.deployAppId) return false;
  await tx.project.update({ where: { id: project.id }, data: { deployAppId: null, deployAppAccount: null } });
  await tx.deployment.updateMany({ where: { projectId: project.id, phase: 'ACTIVE' }, data: { phase: 'SUPERSEDED' } });
  await enqueueJob(tx, {
    kind: 'deploy-app-delete',
    // Whose account it is in: the job removes it with that token.
    payload: { appId: project.deployAppId, mode: project.mode, projectId: project.id, tenantId: project.tenantId, account: project.deployAppAccount ?? 'platform' },
    maxAttempts: config.jobs.maxAttempts,
    maxLeaseLosses: config.jobs.maxLeaseLosses,
  });
  return true;
}
