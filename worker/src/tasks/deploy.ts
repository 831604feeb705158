import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  detectDeployApp,
  encodeId,
  enqueueJob,
  openSecret,
  readProjectFiles,
  recordUsage,
  SEALED_CONTEXTS,
  SecretBoxError,
  type Deployment,
  type DeployAppOverride,
  type DeploymentPhaseName,
  type DeploymentStep,
  type Logger,
  type PrismaClient,
} from '@everjust/core';
import { GitProviderError, type GitProvider } from '../git/git-provider.js';
import { DeployProviderError, ENDED_PHASES, type DeployAppSpec, type DeployProvider } from '../deploy/deploy-provider.js';
import { TaskError, type TaskContext, type TaskHandler } from './task.js';

/** What `deployProject` and `rollbackDeployment` put in the job. */
export interface DeployJobPayload {
  /** deployProject's `app`: what the caller set instead of the detection. */
  app?: DeployAppOverride;
  /** rollbackDeployment: the Deployment (its row id) to go back to. */
  rollbackOfId?: string;
}

export interface DeployTaskOptions {
  /** EVERJUST_SECRET: opens the tenant's sealed GitHub token. */
  secret: string;
  /** The deploy provider for a mode: simulated in test mode; App Platform in live mode, with the tenant's own token when given (null: no token at all). */
  deployProviderFor(mode: 'live' | 'test', logger: Logger, tenantToken?: string | null): DeployProvider | null;
  gitProviderFor(token: string, context: TaskContext): GitProvider;
}

/** The branch App Platform builds from. */
export const DEPLOY_BRANCH = 'main';
/** Polls slow down by this factor after each read that saw no change, up to 5× the first interval. */
const POLL_BACKOFF = 1.5;
const POLL_MAX_FACTOR = 5;

/**
 * The `deploy` task: the project's files in one commit to its deployment repository (live mode), then
 * its one App Platform app made (the first time, recorded at once) or updated, a deployment started and
 * followed (`deploy_progress` at most every poll interval, with backoff) to `deploy_ready { url }` or
 * `deploy_failed { phase, log }`. A rollback starts App Platform's rollback to an earlier deployment
 * instead. A retried attempt picks up the same Deployment row: it follows a deployment already
 * started rather than starting another, and updates the app rather than making a second.
 */
export function createDeployTask(options: DeployTaskOptions): TaskHandler {
  return async (context) => {
    const { prisma, session, signal, writer, config, logger } = context;
    const payload = context.job.payload as DeployJobPayload;
    const project = await prisma.project.findUnique({ where: { id: session.projectId } });
    if (!project || project.deletedAt) throw new TaskError('PROJECT_NOT_FOUND', 'The project was deleted', false);
    // Whose DigitalOcean account: the app's, once it has one; else the tenant's own token's when set.
    const tenantToken = session.mode === 'live' ? await tenantDigitalOceanToken(prisma, session.tenantId, options.secret) : null;
    const account: DeployAccount = project.deployAppId ? ((project.deployAppAccount as DeployAccount | null) ?? 'platform') : tenantToken ? 'tenant' : 'platform';
    if (account === 'tenant' && !tenantToken) {
      throw new TaskError('DEPLOY_TOKEN_MISSING', "The project's app was made with the tenant's own DigitalOcean token, which is no longer set: set it again with setDigitalOceanToken", false);
    }
    const provider = options.deployProviderFor(session.mode, logger, account === 'tenant' ? tenantToken : null);
    if (!provider) throw new TaskError('DEPLOY_NOT_CONFIGURED', "Deploys need a DigitalOcean token: set DIGITALOCEAN_TOKEN on the worker, or the tenant's own with setDigitalOceanToken", false);

    // One deployment per session, made by the first attempt, found again by a retried one.
    let deployment = await prisma.deployment.upsert({
      where: { sessionId: session.id },
      create: { sessionId: session.id, tenantId: session.tenantId, mode: session.mode, projectId: project.id, provider: provider.name, rollbackOfId: payload.rollbackOfId ?? null },
      update: {},
    });
    const update = async (data: Parameters<PrismaClient['deployment']['update']>[0]['data']) => {
      deployment = await prisma.deployment.update({ where: { id: deployment.id }, data });
    };

    try {
      if (!deployment.doDeploymentId) {
        const started = payload.rollbackOfId
          ? await startRollback(context, provider, deployment, payload.rollbackOfId, project.deployAppId)
          : await startDeploy(context, options, provider, deployment, project, payload.app ?? {}, account);
        await update({ appId: started.appId, doDeploymentId: started.deploymentId, appKind: started.appKind, commitSha: started.commitSha });
        // One deploy counted, once per session (a retry that follows the same deployment adds none).
        await recordUsage(prisma, { tenantId: session.tenantId, mode: session.mode, projectId: project.id, externalUserId: session.externalUserId, deploys: 1, billable: session.mode === 'live' });
      }
      return await follow(context, provider, deployment, update);
    } catch (error) {
      if (signal.aborted) {
        // Cancelled (or the worker stops): a deployment still building is stopped, best effort, on a signal of its own.
        if (signal.reason === 'cancelled' && deployment.appId && deployment.doDeploymentId && !ENDED_PHASES.has(deployment.phase)) {
          await provider.cancel(deployment.appId, deployment.doDeploymentId, AbortSignal.timeout(15_000)).catch((err: unknown) => logger.warn({ err }, 'could not cancel the deployment'));
          await update({ phase: 'CANCELED', finishedAt: new Date() }).catch(() => undefined);
        }
        throw error;
      }
      const failure = asTaskError(error);
      // Given up (not retryable, or the last attempt): the deployment ends here.
      if ((!failure.retryable || context.job.attempts >= context.job.maxAttempts) && !ENDED_PHASES.has(deployment.phase)) {
        await update({ phase: 'ERROR', finishedAt: new Date(), logTail: deployment.logTail ?? failure.message }).catch(() => undefined);
      }
      throw failure;
    }

    /** Waits for the deployment to end, reporting each change; ACTIVE is the result, anything else a failure. */
    async function follow(
      context: TaskContext,
      provider: DeployProvider,
      current: Deployment,
      save: (data: Parameters<PrismaClient['deployment']['update']>[0]['data']) => Promise<void>,
    ) {
      const appId = current.appId!;
      const deploymentId = current.doDeploymentId!;
      const deadline = Date.now() + config.deploy.timeoutMs;
      let interval = config.deploy.pollIntervalMs;
      let last = '';
      let lastRunningPhase: DeploymentPhaseName = 'PENDING_BUILD';
      for (;;) {
        const state = await provider.getDeployment(appId, deploymentId, signal);
        const seen = JSON.stringify([state.phase, state.steps]);
        if (seen !== last) {
          last = seen;
          interval = config.deploy.pollIntervalMs;
          await save({ phase: state.phase, steps: state.steps as object[] });
          await writer.append({ type: 'deploy_progress', payload: { deploymentId: current.id, phase: state.phase, steps: state.steps } });
        } else {
          interval = Math.min(interval * POLL_BACKOFF, config.deploy.pollIntervalMs * POLL_MAX_FACTOR);
        }
        if (!ENDED_PHASES.has(state.phase)) lastRunningPhase = state.phase;
        if (state.phase === 'ACTIVE') {
          const url = state.liveUrl ?? '';
          await save({ liveUrl: url, finishedAt: new Date() });
          // The project's earlier live deployment is superseded by this one.
          await context.prisma.deployment.updateMany({ where: { projectId: current.projectId, phase: 'ACTIVE', id: { not: current.id } }, data: { phase: 'SUPERSEDED' } });
          await writer.append({ type: 'deploy_ready', payload: { deploymentId: current.id, url } });
          // Results are read by clients and webhooks: the deployment's global id, as the API shows it.
          return { result: { deploymentId: encodeId('Deployment', current.id), url, commitSha: current.commitSha, appKind: current.appKind } };
        }
        if (ENDED_PHASES.has(state.phase)) {
          const failedAt = failedPhase(state.steps, lastRunningPhase);
          const log = state.phase === 'ERROR' ? await provider.buildLog(appId, deploymentId, signal).catch(() => '') : '';
          await save({ logTail: log || null, finishedAt: new Date() });
          await writer.append({ type: 'deploy_failed', payload: { deploymentId: current.id, phase: failedAt, log } });
          if (state.phase === 'ERROR') {
            const reason = state.steps.find((step) => step.status === 'ERROR')?.reason;
            throw new TaskError('DEPLOY_FAILED', `The deployment failed while ${failedAt === 'BUILDING' ? 'building' : 'deploying'}${reason ? `: ${reason}` : ''}`, false);
          }
          throw new TaskError('DEPLOY_CANCELED', `The deployment ended as ${state.phase} on App Platform (another deployment or a person stopped it)`, false);
        }
        if (Date.now() > deadline) throw new TaskError('DEPLOY_TIMEOUT', `The deployment did not end within ${Math.round(config.deploy.timeoutMs / 1000)} s (last phase ${state.phase})`, false);
        await sleep(interval, undefined, { signal });
      }
    }
  };
}

interface Started {
  appId: string;
  deploymentId: string;
  appKind: string | null;
  commitSha: string | null;
}

/** A deploy: the commit (live: pushed to the deployment repository), then the app made or updated and a deployment started. */
async function startDeploy(
  context: TaskContext,
  options: DeployTaskOptions,
  provider: DeployProvider,
  deployment: Deployment,
  project: { id: string; name: string; deployRepository: string | null; deployAppId: string | null; customDomain: string | null },
  override: DeployAppOverride,
  account: DeployAccount,
): Promise<Started> {
  const { prisma, session, signal, writer, config } = context;
  const files = await readProjectFiles(prisma, project.id);
  const detection = detectDeployApp(files, override);
  if (!detection.ok) throw new TaskError('DEPLOY_NO_ENTRY_POINT', `Nothing to deploy: ${detection.reason}`, false);

  let commitSha: string;
  let repository: string | null = null;
  if (provider.name === 'simulated') {
    // Nothing is pushed in test mode: the "commit" names the files deployed.
    commitSha = createHash('sha1').update(JSON.stringify(files.map((file) => [file.path, file.content]).sort())).digest('hex');
  } else {
    if (!project.deployRepository) throw new TaskError('DEPLOY_NO_TARGET', 'The project has no deployment repository: set one with setProjectDeployTarget', false);
    repository = project.deployRepository;
    const [owner, name] = repository.split('/');
    const git = options.gitProviderFor(await tenantGitHubToken(prisma, session.tenantId, options.secret), context);
    await writer.append({ type: 'status', payload: { status: 'running', step: 'deploying', message: `Pushing ${files.length} files to ${repository}` } });
    try {
      await git.ensureRepository({ owner, name, private: true, description: `${project.name} (deployed by EverJust)`, signal });
      const commit = await git.commitFiles({ owner, name, branch: DEPLOY_BRANCH, message: `Deploy from EverJust (session ${session.id})`, files: files.map((file) => ({ path: file.path, content: file.content })), signal });
      commitSha = commit.sha;
    } catch (error) {
      signal.throwIfAborted();
      if (error instanceof GitProviderError) throw new TaskError(`GITHUB_${error.code}`, error.message, error.retryable);
      throw error;
    }
  }
  await prisma.deployment.update({ where: { id: deployment.id }, data: { commitSha, appKind: detection.app.kind } });
  await writer.append({ type: 'deploy_started', payload: { deploymentId: deployment.id, provider: provider.name, appKind: detection.app.kind, detected: detection.detected, repository, commitSha } });

  const spec: DeployAppSpec = {
    projectId: project.id,
    name: appName(project),
    region: config.deploy.region,
    repository,
    branch: DEPLOY_BRANCH,
    app: detection.app,
    domain: project.customDomain,
  };
  const started = await provider.deploy({
    appId: project.deployAppId,
    spec,
    signal,
    // Recorded before anything else can fail: a retry, or the next deploy, updates this app.
    onAppCreated: async (appId) => {
      await prisma.deployment.update({ where: { id: deployment.id }, data: { appId } });
      const recorded = await prisma.project.updateMany({ where: { id: project.id, deletedAt: null }, data: { deployAppId: appId, deployAppAccount: account } });
      if (recorded.count === 0) {
        // Deleted while this deploy ran: its removal saw no app, so this one is removed here.
        await enqueueJob(prisma, { kind: 'deploy-app-delete', payload: { appId, mode: session.mode, projectId: project.id, tenantId: session.tenantId, account }, maxAttempts: config.jobs.maxAttempts, maxLeaseLosses: config.jobs.maxLeaseLosses });
        throw new TaskError('PROJECT_NOT_FOUND', 'The project was deleted while it was being deployed; its new app is being removed', false);
      }
    },
  });
  return { appId: started.appId, deploymentId: started.deploymentId, appKind: detection.app.kind, commitSha };
}

/** A rollback: App Platform's rollback to an earlier deployment of the project's current app. */
async function startRollback(context: TaskContext, provider: DeployProvider, deployment: Deployment, rollbackOfId: string, appId: string | null): Promise<Started> {
  const { prisma, signal, writer } = context;
  const target = await prisma.deployment.findFirst({ where: { id: rollbackOfId, projectId: deployment.projectId } });
  if (!target?.doDeploymentId || !target.appId || target.appId !== appId) {
    throw new TaskError('DEPLOY_ROLLBACK_UNAVAILABLE', "That deployment belongs to an app the project no longer has: it cannot be rolled back to", false);
  }
  await writer.append({ type: 'deploy_started', payload: { deploymentId: deployment.id, provider: provider.name, appKind: target.appKind ?? 'static_site', detected: false, repository: null, commitSha: target.commitSha } });
  const started = await provider.rollback(target.appId, target.doDeploymentId, signal);
  return { appId: target.appId, deploymentId: started.deploymentId, appKind: target.appKind, commitSha: target.commitSha };
}

/** The app's name on App Platform: the project's, made to fit (2–32 lowercase letters, digits, dashes), plus a piece of its id so two projects never clash. */
export function appName(project: { id: string; name: string }): string {
  const base = project.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').replace(/^[^a-z]+/, '').slice(0, 22).replace(/-+$/, '');
  const suffix = project.id.replace(/-/g, '').slice(-8);
  return `${base || 'app'}-${suffix}`;
}

/** Where a failed deployment stopped: the step that failed, else the last phase it was seen in. */
function failedPhase(steps: DeploymentStep[], lastRunning: DeploymentPhaseName): DeploymentPhaseName {
  const failed = steps.find((step) => step.status === 'ERROR');
  if (failed?.name === 'build') return 'BUILDING';
  if (failed?.name === 'deploy') return 'DEPLOYING';
  return lastRunning;
}

/** Whose DigitalOcean account an app is in. */
type DeployAccount = 'platform' | 'tenant';

/** The tenant's own DigitalOcean token (setDigitalOceanToken), or null when it has none. */
async function tenantDigitalOceanToken(prisma: PrismaClient, tenantId: string, secret: string): Promise<string | null> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { digitaloceanTokenEncrypted: true } });
  if (!tenant?.digitaloceanTokenEncrypted) return null;
  try {
    return openSecret(secret, tenant.digitaloceanTokenEncrypted, SEALED_CONTEXTS.tenantDigitalOceanToken(tenantId));
  } catch (error) {
    if (error instanceof SecretBoxError) throw new TaskError('DEPLOY_TOKEN_UNREADABLE', 'The stored DigitalOcean token cannot be decrypted (was EVERJUST_SECRET changed?); set it again with setDigitalOceanToken', false);
    throw error;
  }
}

/** The tenant's stored GitHub token (a live credential: deploys push with it in live mode only). */
async function tenantGitHubToken(prisma: PrismaClient, tenantId: string, secret: string): Promise<string> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { githubTokenEncrypted: true } });
  if (!tenant?.githubTokenEncrypted) throw new TaskError('GITHUB_TOKEN_MISSING', 'No GitHub token to push the deployment with: set one with setGitHubToken', false);
  try {
    return openSecret(secret, tenant.githubTokenEncrypted, SEALED_CONTEXTS.tenantGitHubToken(tenantId));
  } catch (error) {
    if (error instanceof SecretBoxError) throw new TaskError('GITHUB_TOKEN_UNREADABLE', 'The stored GitHub token cannot be decrypted (was EVERJUST_SECRET changed?); set it again with setGitHubToken', false);
    throw error;
  }
}

function asTaskError(error: unknown): Error & { retryable?: boolean } {
  if (error instanceof DeployProviderError) return new TaskError(`DEPLOY_${error.code}`, error.message, error.retryable, { cause: error });
  return error as Error & { retryable?: boolean };
}

/** The `deploy-app-delete` job (deleteDeployment, deleteProject): removes an app from its platform, retried like any job. */
export function createDeleteAppJob(options: { secret: string; deployProviderFor(mode: 'live' | 'test', logger: Logger, tenantToken?: string | null): DeployProvider | null }) {
  return async (job: { payload: Record<string, unknown> }, helpers: { prisma: PrismaClient; logger: Logger }): Promise<void> => {
    const appId = String(job.payload.appId);
    const mode = job.payload.mode === 'live' ? 'live' : 'test';
    // An app in the tenant's own account is removed with its token (one changed since: App Platform answers 404, taken as gone).
    const tenantToken = mode === 'live' && job.payload.account === 'tenant' ? await tenantDigitalOceanToken(helpers.prisma, String(job.payload.tenantId), options.secret) : null;
    if (mode === 'live' && job.payload.account === 'tenant' && !tenantToken) throw new Error(`The tenant's DigitalOcean token is no longer set: app ${appId} cannot be removed until it is set again`);
    const provider = options.deployProviderFor(mode, helpers.logger, tenantToken);
    if (!provider) throw new Error('Deploys need a DigitalOcean token: set DIGITALOCEAN_TOKEN on the worker to remove the app');
    await provider.deleteApp(appId, AbortSignal.timeout(60_000));
    helpers.logger.info({ appId, mode }, 'removed a deployed app');
  };
}
