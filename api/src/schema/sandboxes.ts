import { enqueueJob, jobsReadyChannel } from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import { startSessionWithJob } from '../services/start-session.js';
import { builder } from './builder.js';
import { findVisibleProject, idempotencyKeySchema } from './projects.js';

builder.prismaObject('Sandbox', {
  description: "Where the project's app runs. Reused while alive; stopped when idle and deleted later, per the tier.",
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'local, daytona or static.' }),
    status: t.exposeString('status', { description: 'starting, running, stopped, deleted or failed.' }),
    previewUrl: t.exposeString('previewUrl', { nullable: true, description: 'Open it in an iframe; no headers needed.' }),
    previewExpiresAt: t.expose('previewExpiresAt', { type: 'DateTime', nullable: true }),
    lastActiveAt: t.expose('lastActiveAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Project', 'sandbox', (t) => t.relation('sandbox', { nullable: true, description: 'Null until the first preview.' }));

const ProjectActionInput = builder.inputType('StartPreviewInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});
const StopSandboxInput = builder.inputType('StopSandboxInput', { fields: (t) => ({ projectId: t.id({ required: true }) }) });

builder.mutationFields((t) => ({
  startPreview: t.prismaField({
    type: 'Session',
    description: "Starts (or restarts) the project's preview on its current files: a session of kind `preview`; follow it with `sessionEvents`.",
    args: { input: t.arg({ type: ProjectActionInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      const { prisma, pubsub, config } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      const session = await startSessionWithJob(context, {
        kind: 'preview',
        project,
        operation: 'startPreview',
        idempotencyKey: input.idempotencyKey,
        idempotencyInput: { projectId: project.id },
      });
      return prisma.session.findUniqueOrThrow({ ...query, where: { id: session.id } });
    },
  }),
  stopSandbox: t.prismaField({
    type: 'Project',
    description: "Stops the project's sandbox now (a worker stops it within moments); the next preview starts it again.",
    args: { input: t.arg({ type: StopSandboxInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'sessions:write');
      const { prisma, pubsub, config } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      const stopped = await prisma.$transaction(async (tx) => {
        const updated = await tx.sandbox.updateMany({
          where: { projectId: project.id, status: { in: ['running', 'starting'] } },
          data: { status: 'stopped', stoppedAt: new Date(), runningSince: null, previewUrl: null, previewExpiresAt: null },
        });
        if (updated.count > 0) await enqueueJob(tx, { kind: 'sandbox-stop', payload: { projectId: project.id }, maxAttempts: config.jobs.maxAttempts, maxLeaseLosses: config.jobs.maxLeaseLosses });
        return updated.count > 0;
      });
      if (stopped) await pubsub.publish(jobsReadyChannel, project.id).catch(() => undefined);
      return prisma.project.findUniqueOrThrow({ ...query, where: { id: project.id } });
    },
  }),
}));
