import { z } from 'zod';
import {
  decodeIdOf,
  detectDeployApp,
  listProjectFiles,
  NotFoundError,
  PermissionError,
  readProjectFile,
  SEALED_CONTEXTS,
  ValidationError,
  type DeployAppOverride,
  type DeploymentStep,
} from '@everjust/core';
import { requireScope, requireSecretKey } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { removeDeployedApp } from '../services/deployed-apps.js';
import { startSessionWithJob } from '../services/start-session.js';
import { storeTenantToken } from '../services/tenant-tokens.js';
import { builder } from './builder.js';
import { ownerSchema, repositorySchema } from './github.js';
import { paginateById } from './pagination.js';
import { findVisibleProject, idempotencyKeySchema, ProjectRef, visibleProjects } from './projects.js';
import { TenantRef } from './tenant.js';
import { DeploymentStepRef } from './session-events.js';
import { SessionRef } from './sessions.js';

/**
 * Deploys: a project's one App Platform app (its stable URL), its deployments (history, the live one),
 * where it is pushed from (setProjectDeployTarget) and its custom domain (setProjectDomain). The work
 * itself is a session of kind `deploy` (worker/src/tasks/deploy.ts).
 */

/** A host name App Platform accepts as a custom domain: lowercase labels, a letter TLD, not its own ondigitalocean.app. */
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253, 'must be at most 253 characters')
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a host name such as app.example.com (no scheme, port or path)')
  .refine((domain) => !domain.endsWith('.ondigitalocean.app') && domain !== 'ondigitalocean.app', 'ondigitalocean.app names are App Platform\'s own: the app gets one by itself');

const deployRepositorySchema = z
  .string()
  .trim()
  .refine((value) => {
    const [owner, name, extra] = value.split('/');
    return extra === undefined && ownerSchema.safeParse(owner).success && repositorySchema.safeParse(name ?? '').success;
  }, 'must be a GitHub repository as owner/name');

const commandSchema = z.string().trim().min(1, 'must not be empty').max(1_000, 'must be at most 1,000 characters');
const outputDirSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+$/, 'must be a relative folder of the project');

export const DeploymentPhaseEnum = builder.enumType('DeploymentPhase', {
  description: "App Platform's deployment phases.",
  values: ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'ERROR', 'CANCELED', 'SUPERSEDED'] as const,
});

const DeployAppKindEnum = builder.enumType('DeployAppKind', {
  description: 'A static site (files served as they are, or the output of a build) or a Node service (a process listening on a port).',
  values: { STATIC_SITE: { value: 'static_site' }, SERVICE: { value: 'service' } } as const,
});

export const DeploymentRef = builder.prismaNode('Deployment', {
  id: { field: 'id' },
  description: "One deployment of a project's app: what was deployed, how far it got, where it lives.",
  // Node lookups follow the project's visibility: another tenant's deployment is simply not found.
  findUnique: (id, context) => ({ id, project: visibleProjects(context) }),
  fields: (t) => ({
    commitSha: t.exposeString('commitSha', { nullable: true, description: 'The commit deployed (in test mode, a hash of the files: nothing is pushed).' }),
    phase: t.field({ type: DeploymentPhaseEnum, resolve: (deployment) => deployment.phase }),
    steps: t.field({ type: [DeploymentStepRef], description: 'Progress steps (build, deploy) as App Platform reports them.', resolve: (deployment) => (deployment.steps ?? []) as unknown as DeploymentStep[] }),
    liveUrl: t.exposeString('liveUrl', { nullable: true, description: "The app's URL once this deployment went live (the same for every deployment of the project's app)." }),
    appKind: t.field({ type: DeployAppKindEnum, nullable: true, resolve: (deployment) => (deployment.appKind as 'static_site' | 'service' | null) ?? null }),
    provider: t.exposeString('provider', { description: '`app-platform`, or `simulated` in test mode.' }),
    logTail: t.exposeString('logTail', { nullable: true, description: 'The end of the build log (or the error) when it failed.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.objectField(DeploymentRef, 'rollbackOf', (t) =>
  t.field({
    type: DeploymentRef,
    nullable: true,
    description: 'The deployment this one rolled back to.',
    resolve: (deployment, _args, context) => (deployment.rollbackOfId ? context.services.prisma.deployment.findFirst({ where: { id: deployment.rollbackOfId, projectId: deployment.projectId } }) : null),
  }),
);

builder.objectField(DeploymentRef, 'session', (t) =>
  t.field({
    type: SessionRef,
    nullable: true,
    description: 'The deploy session that made it (its events: phases, the build log): needs `sessions:read`.',
    resolve: (deployment, _args, context) =>
      deployment.sessionId ? context.services.prisma.session.findFirst({ where: { id: deployment.sessionId, tenantId: context.caller.tenantId, mode: context.caller.mode } }) : null,
  }),
);

builder.objectFields(ProjectRef, (t) => ({
  deployRepository: t.exposeString('deployRepository', { nullable: true, description: 'The GitHub repository (owner/name) deploys push to (setProjectDeployTarget).' }),
  customDomain: t.exposeString('customDomain', { nullable: true, description: "The app's custom domain (setProjectDomain)." }),
  deployment: t.field({
    type: DeploymentRef,
    nullable: true,
    description: 'The live deployment: the newest ACTIVE one of the project\'s app (null when it has none, or the app was removed).',
    resolve: (project, _args, context) =>
      project.deployAppId ? context.services.prisma.deployment.findFirst({ where: { projectId: project.id, appId: project.deployAppId, phase: 'ACTIVE' }, orderBy: { id: 'desc' } }) : null,
  }),
  deployments: t.connection({
    type: DeploymentRef,
    description: 'Every deployment of the project (rollbacks included), newest first.',
    resolve: (project, args, context) =>
      paginateById('Deployment', args, (page) =>
        context.services.prisma.deployment.findMany({ where: { projectId: project.id, id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      ),
  }),
}));

const DeployAppInput = builder.inputType('DeployAppInput', {
  description: 'What to deploy instead of what the files suggest; unset fields keep the detection.',
  fields: (t) => ({
    kind: t.field({ type: DeployAppKindEnum, required: false }),
    buildCommand: t.string({ required: false, validate: commandSchema }),
    outputDir: t.string({ required: false, validate: outputDirSchema, description: 'Static site: the folder the build writes.' }),
    runCommand: t.string({ required: false, validate: commandSchema, description: 'Service: the command that starts it.' }),
    httpPort: t.int({ required: false, validate: z.number().int().min(1).max(65_535), description: 'Service: the port it listens on (default 8080).' }),
  }),
});

const DeployProjectInput = builder.inputType('DeployProjectInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    app: t.field({ type: DeployAppInput, required: false }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

const SetProjectDeployTargetInput = builder.inputType('SetProjectDeployTargetInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    repository: t.string({
      required: false,
      validate: deployRepositorySchema,
      description: "GitHub owner/name; made (private) by the first deploy when missing. App Platform's GitHub app must be able to read it. null clears it.",
    }),
  }),
});

const SetProjectDomainInput = builder.inputType('SetProjectDomainInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    domain: t.string({ required: false, validate: domainSchema, description: 'A host name such as app.example.com; null clears it. Applied by the next deploy.' }),
  }),
});

const RollbackDeploymentInput = builder.inputType('RollbackDeploymentInput', {
  fields: (t) => ({
    deploymentId: t.id({ required: true, description: 'An earlier deployment of the project\'s current app that was live (ACTIVE or SUPERSEDED).' }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

const DeleteDeploymentInput = builder.inputType('DeleteDeploymentInput', {
  fields: (t) => ({ projectId: t.id({ required: true }) }),
});

/** FORBIDDEN in live mode with no DigitalOcean token at all: neither the platform's DIGITALOCEAN_TOKEN nor the tenant's own. */
function requireDeploysConfigured(context: RequestContext): void {
  if (context.caller.mode === 'live' && !context.services.config.digitalocean.token && !context.caller.tenant.digitaloceanTokenEncrypted) {
    throw new PermissionError("Deploys are not configured: set DIGITALOCEAN_TOKEN (a DigitalOcean API token with App Platform read and write access) for the API and the workers, or store the tenant's own with setDigitalOceanToken; test keys deploy without it (simulated)", {
      reason: 'DEPLOY_NOT_CONFIGURED',
    });
  }
}

/** No deploy of the project queued or running (a removal or a second deploy would race it). */
async function deployInProgress(context: RequestContext, projectId: string): Promise<boolean> {
  return (await context.services.prisma.session.count({ where: { projectId, kind: 'deploy', status: { in: ['queued', 'running'] } } })) > 0;
}

/** A DigitalOcean API token as DigitalOcean issues them (`dop_v1_…`): printable, no spaces. */
const digitalOceanTokenSchema = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters').regex(/^[\x21-\x7e]+$/, 'must not contain spaces');

const SetDigitalOceanTokenInput = builder.inputType('SetDigitalOceanTokenInput', {
  fields: (t) => ({
    token: t.string({
      required: false,
      validate: digitalOceanTokenSchema,
      description: 'A DigitalOcean API token that may create, read, update and delete App Platform apps. null clears it.',
    }),
  }),
});

builder.objectField(TenantRef, 'digitalOceanTokenSet', (t) =>
  t.boolean({
    description: "Whether the tenant's own DigitalOcean token is stored for deploys (the token itself is never shown).",
    resolve: (tenant) => tenant.digitaloceanTokenEncrypted != null,
  }),
);

builder.mutationFields((t) => ({
  setDigitalOceanToken: t.prismaField({
    type: 'Tenant',
    description:
      "Stores the tenant's own DigitalOcean token, encrypted at rest: apps its projects make from now on are in its account (apps made before stay where they are, with the token they were made with). `token: null` clears it. Needs `keys:write` and a live key.",
    args: { input: t.arg({ type: SetDigitalOceanTokenInput, required: true }) },
    resolve: (query, _root, { input }, context) =>
      storeTenantToken(context, query, { label: 'DigitalOcean token', column: 'digitaloceanTokenEncrypted', sealContext: SEALED_CONTEXTS.tenantDigitalOceanToken }, input.token),
  }),
  setProjectDeployTarget: t.prismaField({
    type: 'Project',
    description: 'Names the GitHub repository (owner/name) live deploys push the project to; App Platform builds from its `main` branch.',
    args: { input: t.arg({ type: SetProjectDeployTargetInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      requireSecretKey(context.caller, 'set a deploy target');
      const project = await findVisibleProject(context, String(input.projectId));
      return context.services.prisma.project.update({ ...query, where: { id: project.id }, data: { deployRepository: input.repository?.trim() || null } });
    },
  }),
  setProjectDomain: t.prismaField({
    type: 'Project',
    description: "Sets the custom domain of the project's app (its PRIMARY domain on App Platform; point a CNAME at the app's ondigitalocean.app URL). Applied by the next deploy.",
    args: { input: t.arg({ type: SetProjectDomainInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      requireSecretKey(context.caller, 'set a custom domain');
      const project = await findVisibleProject(context, String(input.projectId));
      return context.services.prisma.project.update({ ...query, where: { id: project.id }, data: { customDomain: input.domain ?? null } });
    },
  }),
  deployProject: t.prismaField({
    type: 'Session',
    description:
      "Deploys the project's current files: returns at once a session of kind `deploy` (deploy_started, deploy_progress, then deploy_ready { url } or deploy_failed { phase, log }; webhooks deploy.succeeded / deploy.failed). Live mode pushes one commit to the deploy target (setProjectDeployTarget) with the tenant's GitHub token and creates — the first time — or updates the project's one App Platform app, so its URL never changes; test mode is simulated (nothing is pushed or built; the URL is the static preview). Secret keys, and widget tokens minted with the DEPLOY permission.",
    args: { input: t.arg({ type: DeployProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      // A widget token deploys only when minted with the DEPLOY permission (its own project, which findVisibleProject narrows to).
      if (context.caller.widget && !context.caller.widget.permissions.has('deploy')) {
        throw new PermissionError('This widget token may not deploy: mint it with createWidgetToken(input: { permissions: [DEPLOY] })', { reason: 'WIDGET_PERMISSION_REQUIRED', requiredPermission: 'DEPLOY' });
      }
      requireDeploysConfigured(context);
      const { prisma } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      const files = await listProjectFiles(prisma, project.id);
      const manifest = files.some((file) => file.path === 'package.json') ? await readProjectFile(prisma, project.id, 'package.json') : null;
      const override: DeployAppOverride = {
        kind: input.app?.kind ?? null,
        buildCommand: input.app?.buildCommand ?? null,
        outputDir: input.app?.outputDir ?? null,
        runCommand: input.app?.runCommand ?? null,
        httpPort: input.app?.httpPort ?? null,
      };
      const detection = detectDeployApp(
        files.map((file) => ({ path: file.path, content: file.path === 'package.json' ? (manifest ?? '') : undefined })),
        override,
      );
      if (!detection.ok) throw new ValidationError(`input.projectId: ${detection.reason}`, { issues: [{ path: ['input', 'projectId'], message: detection.reason }] });
      if (context.caller.mode === 'live') {
        if (!project.deployRepository) {
          throw new ValidationError('input.projectId: the project has no deploy target: name its GitHub repository with setProjectDeployTarget', { issues: [{ path: ['input', 'projectId'], message: 'has no deploy target' }] });
        }
        const tenant = await prisma.tenant.findUnique({ where: { id: context.caller.tenantId }, select: { githubTokenEncrypted: true } });
        if (!tenant?.githubTokenEncrypted) {
          throw new ValidationError('input.projectId: no GitHub token to push the deployment with: store one with setGitHubToken', { issues: [{ path: ['input', 'projectId'], message: 'the tenant has no GitHub token' }] });
        }
      }
      const app = Object.fromEntries(Object.entries(override).filter(([, value]) => value != null));
      const session = await startSessionWithJob(context, {
        kind: 'deploy',
        project,
        operation: 'deployProject',
        idempotencyKey: input.idempotencyKey,
        idempotencyInput: { projectId: project.id, app },
        newApp: !project.deployAppId,
        jobPayload: () => ({ app }),
      });
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  rollbackDeployment: t.prismaField({
    type: 'Session',
    description:
      "Goes back to an earlier deployment of the project's app (App Platform's rollback: its commit and spec, on the same app and URL). Returns at once a session of kind `deploy`, with the same events as deployProject.",
    args: { input: t.arg({ type: RollbackDeploymentInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      requireSecretKey(context.caller, 'roll back a deployment');
      requireDeploysConfigured(context);
      const { prisma } = context.services;
      const id = decodeIdOf('Deployment', String(input.deploymentId));
      const target = id ? await prisma.deployment.findFirst({ where: { id, project: visibleProjects(context) }, include: { project: true } }) : null;
      if (!target) throw new NotFoundError('Deployment', String(input.deploymentId));
      const invalid = (message: string) => new ValidationError(`input.deploymentId: ${message}`, { issues: [{ path: ['input', 'deploymentId'], message }] });
      if (!target.project.deployAppId || target.appId !== target.project.deployAppId || !target.doDeploymentId) throw invalid("that deployment is not of the project's current app");
      if (target.phase === 'ACTIVE') throw invalid('that deployment is the live one already');
      if (target.phase !== 'SUPERSEDED') throw invalid(`only a deployment that was live can be rolled back to (this one is ${target.phase})`);
      const session = await startSessionWithJob(context, {
        kind: 'deploy',
        project: target.project,
        operation: 'rollbackDeployment',
        idempotencyKey: input.idempotencyKey,
        idempotencyInput: { deploymentId: target.id },
        jobPayload: () => ({ rollbackOfId: target.id }),
      });
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  deleteDeployment: t.prismaField({
    type: 'Project',
    description: "Removes the project's app from App Platform (by a job, retried): in live mode its URL stops answering; it no longer counts as a live app. (A simulated app's URL is the project's static preview, which answers while the project exists.) The history stays. A project without an app is returned as it is.",
    args: { input: t.arg({ type: DeleteDeploymentInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      requireSecretKey(context.caller, 'remove a deployment');
      const { prisma, config } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      if (await deployInProgress(context, project.id)) {
        throw new ValidationError('input.projectId: a deploy of this project is in progress: cancel it (cancelSession) or wait for it to end', { issues: [{ path: ['input', 'projectId'], message: 'a deploy is in progress' }] });
      }
      return prisma.$transaction(async (tx) => {
        await removeDeployedApp(tx, project, config);
        return tx.project.findUniqueOrThrow({ ...query, where: { id: project.id } });
      });
    },
  }),
}));
