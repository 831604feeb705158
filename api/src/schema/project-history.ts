import { z } from 'zod';
import {
  isSessionEnded,
  listCheckpointFiles,
  listProjectFiles,
  listSessionFiles,
  NotFoundError,
  replaceProjectFiles,
  ValidationError,
  decodeIdOf,
  type Prisma,
  type StoredFile,
} from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { createIdempotently } from '../services/idempotency.js';
import { checkProjectQuota, checkStorageQuota } from '../services/quotas.js';
import { builder } from './builder.js';
import { ProjectFileRef } from './files.js';
import { paginateById } from './pagination.js';
import { externalUserIdSchema, findVisibleProject, idempotencyKeySchema, metadataSchema, nameSchema, ProjectRef, visibleProjects } from './projects.js';
import { findVisibleSession } from './sessions.js';

/**
 * A project over time: forks (a new project from the current files or any session's snapshot, carrying
 * the conversation up to it) and named checkpoints to go back to.
 */

const checkpointNameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

/** An ended session of `projectId` (another project's, or one still running, is refused). */
async function findSnapshotSession(context: RequestContext, globalId: string, projectId: string) {
  const session = await findVisibleSession(context, globalId);
  if (session.projectId !== projectId) throw new NotFoundError('Session', globalId);
  if (!isSessionEnded(session.status)) throw new ValidationError('This session has not ended yet: it has no snapshot', { argument: 'sessionId' });
  return session;
}

const totalSize = (files: StoredFile[]) => files.reduce((sum, file) => sum + file.size, 0);

export const CheckpointRef = builder.prismaNode('ProjectCheckpoint', {
  variant: 'Checkpoint',
  id: { field: 'id' },
  description: "A named point in a project's history: its files as they were then. restoreCheckpoint puts them back.",
  // Node lookups follow the project's visibility: another tenant's checkpoint is simply not found.
  findUnique: (id, context) => ({ id, project: visibleProjects(context) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique within the project.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    files: t.field({
      type: [ProjectFileRef],
      description: 'Its files, by path.',
      resolve: (checkpoint, _args, context) => listCheckpointFiles(context.services.prisma, checkpoint.id),
    }),
  }),
});

builder.objectFields(ProjectRef, (t) => ({
  forkedFrom: t.field({
    type: ProjectRef,
    nullable: true,
    description: 'The project this one was forked from (null when it was not, or that project is gone).',
    resolve: (project, _args, context) =>
      project.forkedFromId
        ? context.services.prisma.project.findFirst({ where: { id: project.forkedFromId, tenantId: context.caller.tenantId, mode: context.caller.mode, deletedAt: null } })
        : null,
  }),
  checkpoints: t.connection({
    type: CheckpointRef,
    description: 'Named checkpoints, newest first.',
    resolve: (project, args, context) =>
      paginateById('Checkpoint', args, (page) =>
        context.services.prisma.projectCheckpoint.findMany({ where: { projectId: project.id, id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      ),
  }),
}));

const ForkProjectInput = builder.inputType('ForkProjectInput', {
  fields: (t) => ({
    projectId: t.id({ required: true, description: 'The project to fork.' }),
    atSessionId: t.id({
      required: false,
      description: "Fork from this ended session's snapshot (and the conversation up to it); default: the current files.",
    }),
    name: t.string({ required: true, validate: nameSchema }),
    externalUserId: t.string({ required: false, validate: externalUserIdSchema, description: "Default: the source project's." }),
    metadata: t.field({ type: 'JSONObject', required: false, validate: metadataSchema, description: "Default: the source project's." }),
    idempotencyKey: t.string({ required: false, validate: idempotencyKeySchema }),
  }),
});

const CreateCheckpointInput = builder.inputType('CreateCheckpointInput', {
  fields: (t) => ({
    projectId: t.id({ required: true }),
    sessionId: t.id({ required: false, description: "A checkpoint of this ended session's snapshot; default: the current files." }),
    name: t.string({ required: true, validate: checkpointNameSchema }),
  }),
});

const RestoreCheckpointInput = builder.inputType('RestoreCheckpointInput', {
  fields: (t) => ({ checkpointId: t.id({ required: true }) }),
});

const DeleteCheckpointInput = builder.inputType('DeleteCheckpointInput', {
  fields: (t) => ({ checkpointId: t.id({ required: true }) }),
});

/** A checkpoint of a project the caller may see, or NOT_FOUND. */
async function findVisibleCheckpoint(context: RequestContext, globalId: string) {
  const id = decodeIdOf('Checkpoint', globalId);
  const checkpoint = id ? await context.services.prisma.projectCheckpoint.findFirst({ where: { id, project: visibleProjects(context) } }) : null;
  if (!checkpoint) throw new NotFoundError('Checkpoint', globalId);
  return checkpoint;
}

builder.mutationFields((t) => ({
  forkProject: t.prismaField({
    type: 'Project',
    description:
      "A new project with the source's files (or a session's snapshot) and its conversation up to that point, so the next prompt sees it. File contents are shared, not copied.",
    args: { input: t.arg({ type: ForkProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const { idempotencyKey, ...fields } = input;
      const { prisma, config } = context.services;
      const source = await findVisibleProject(context, String(fields.projectId));
      const atSession = fields.atSessionId ? await findSnapshotSession(context, String(fields.atSessionId), source.id) : null;
      return createIdempotently({
        prisma,
        tenantId: context.caller.tenantId,
        mode: context.caller.mode,
        operation: 'forkProject',
        key: idempotencyKey ?? undefined,
        input: fields,
        ttlMs: config.idempotency.ttlMs,
        create: async (tx) => {
          await checkProjectQuota(tx, context.caller);
          const files = atSession ? await listSessionFiles(tx, atSession.id) : await listProjectFiles(tx, source.id);
          await checkStorageQuota(tx, context.caller, totalSize(files));
          // The conversation the fork carries ends at the snapshot's session, or the newest ended one.
          const lastSession = atSession ?? (await tx.session.findFirst({ where: { projectId: source.id, status: { in: ['succeeded', 'failed', 'cancelled'] } }, orderBy: { id: 'desc' }, select: { id: true } }));
          const fork = await tx.project.create({
            data: {
              tenantId: context.caller.tenantId,
              mode: context.caller.mode,
              name: fields.name.trim(),
              description: source.description,
              externalUserId: fields.externalUserId ?? source.externalUserId,
              metadata: (fields.metadata ?? source.metadata ?? {}) as Prisma.InputJsonObject,
              forkedFromId: source.id,
              forkedAtSessionId: lastSession?.id ?? null,
            },
          });
          await replaceProjectFiles(tx, fork.id, files);
          return fork;
        },
        load: (id) => prisma.project.findUniqueOrThrow({ ...query, where: { id } }),
      });
    },
  }),
  createCheckpoint: t.prismaField({
    type: CheckpointRef,
    description: "Names the project's current files (or an ended session's snapshot) so they can be restored later.",
    args: { input: t.arg({ type: CreateCheckpointInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const { prisma } = context.services;
      const project = await findVisibleProject(context, String(input.projectId));
      const session = input.sessionId ? await findSnapshotSession(context, String(input.sessionId), project.id) : null;
      const name = input.name.trim();
      return prisma.$transaction(async (tx) => {
        const files = session ? await listSessionFiles(tx, session.id) : await listProjectFiles(tx, project.id);
        // ON CONFLICT DO NOTHING: two creates of one name at once, one wins and the other is told.
        const created = await tx.projectCheckpoint.createManyAndReturn({ data: [{ projectId: project.id, name, sessionId: session?.id ?? null }], skipDuplicates: true });
        const checkpoint = created[0];
        if (!checkpoint) throw new ValidationError(`This project already has a checkpoint named "${name}"`, { argument: 'name' });
        if (files.length > 0) await tx.checkpointFile.createMany({ data: files.map(({ path, sha, size }) => ({ checkpointId: checkpoint.id, path, sha, size })) });
        return tx.projectCheckpoint.findUniqueOrThrow({ ...query, where: { id: checkpoint.id } });
      });
    },
  }),
  restoreCheckpoint: t.prismaField({
    type: 'Project',
    description: "Puts the project's files back as the checkpoint holds them.",
    args: { input: t.arg({ type: RestoreCheckpointInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const { prisma } = context.services;
      const checkpoint = await findVisibleCheckpoint(context, String(input.checkpointId));
      await prisma.$transaction(async (tx) => replaceProjectFiles(tx, checkpoint.projectId, await listCheckpointFiles(tx, checkpoint.id)));
      return prisma.project.update({ ...query, where: { id: checkpoint.projectId }, data: { updatedAt: new Date() } });
    },
  }),
  deleteCheckpoint: t.prismaField({
    type: CheckpointRef,
    description: 'Deletes a checkpoint (the project and its files stay as they are).',
    args: { input: t.arg({ type: DeleteCheckpointInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const checkpoint = await findVisibleCheckpoint(context, String(input.checkpointId));
      return context.services.prisma.projectCheckpoint.delete({ ...query, where: { id: checkpoint.id } });
    },
  }),
}));
