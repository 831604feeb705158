import type { GraphQLResolveInfo } from 'graphql';
import { z } from 'zod';
import { limitsFor, NotFoundError, type Prisma, type Project, type SqlStatement, decodeIdOf } from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import type { RequestContext } from '../context.js';
import { createIdempotently } from '../services/idempotency.js';
import { removeDeployedApp } from '../services/deployed-apps.js';
import { checkProjectQuota } from '../services/quotas.js';
import { builder } from './builder.js';
import { paginateById, type IdPage, selectedNodeFields } from './pagination.js';
import { ModeEnum } from './tenant.js';

export const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const descriptionSchema = z.string().max(2_000, 'must be at most 2,000 characters');
export const externalUserIdSchema = z.string().min(1).max(200, 'must be at most 200 characters');
/** As Stripe does: at most 50 keys of at most 40 characters; the whole object at most 16 kB of JSON. */
export const metadataSchema = z
  .record(z.string().min(1).max(40, 'keys must be at most 40 characters'), z.unknown())
  .refine((value) => Object.keys(value).length <= 50, 'must have at most 50 keys')
  .refine((value) => JSON.stringify(value).length <= 16_384, 'must be at most 16 kB of JSON');
export const idempotencyKeySchema = z.string().min(1).max(255, 'must be at most 255 characters');

/**
 * Rows a caller may see: its tenant, its mode, not deleted; for a widget token, only its project.
 * Combine it with other conditions under `AND` (never by spreading an `id` over it).
 */
export function visibleProjects(context: RequestContext): Prisma.ProjectWhereInput {
  const { caller } = context;
  return { tenantId: caller.tenantId, mode: caller.mode, deletedAt: null, ...(caller.widget ? { id: caller.widget.projectId } : {}) };
}

export const ProjectRef = builder.prismaNode('Project', {
  id: { field: 'id' },
  description: 'An app being built: its files, sessions and preview belong to it.',
  // Node lookups are scoped like every other read: another tenant's id is simply not found.
  findUnique: (id, context) => ({ id, AND: [visibleProjects(context)] }),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    externalUserId: t.exposeString('externalUserId', {
      nullable: true,
      description: "Your own id for the end user this project belongs to.",
    }),
    metadata: t.field({ type: 'JSONObject', resolve: (project) => (project.metadata ?? {}) as Record<string, unknown> }),
    mode: t.field({ type: ModeEnum, resolve: (project) => project.mode }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});

/** The fields of Project that read one column each, and that column (as Prisma names it on the row). */
const PROJECT_COLUMNS: Record<string, string> = {
  id: 'id',
  name: 'name',
  description: 'description',
  externalUserId: 'external_user_id AS "externalUserId"',
  metadata: 'metadata',
  mode: 'mode',
  createdAt: 'created_at AS "createdAt"',
  updatedAt: 'updated_at AS "updatedAt"',
  deletedAt: 'deleted_at AS "deletedAt"',
};

/** The columns a `projects` selection reads (always the id, for cursors), or undefined if it asks for any other field. */
function projectColumnsOf(info: GraphQLResolveInfo): string[] | undefined {
  const fields = selectedNodeFields(info);
  if (!fields) return undefined;
  const columns = new Set(['id']);
  for (const field of fields) {
    if (field === '__typename') continue;
    const column = PROJECT_COLUMNS[field];
    if (!column) return undefined;
    columns.add(column);
  }
  return [...columns];
}

/** The page as one statement, with `visibleProjects`' conditions (tenant, mode, not deleted, a widget's one project). */
function projectPageSql(context: RequestContext, columns: string[], externalUserId: string | undefined, page: IdPage): SqlStatement {
  const { caller } = context;
  const values: unknown[] = [caller.tenantId, caller.mode];
  const conditions = ['tenant_id = $1::uuid', 'mode = $2::"Mode"', 'deleted_at IS NULL'];
  const add = (condition: (parameter: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(condition(`$${values.length}`));
  };
  if (caller.widget) add((p) => `id = ${p}::uuid`, caller.widget.projectId);
  if (externalUserId) add((p) => `external_user_id = ${p}`, externalUserId);
  if (page.idFilter.lt !== undefined) add((p) => `id < ${p}::uuid`, page.idFilter.lt);
  if (page.idFilter.gt !== undefined) add((p) => `id > ${p}::uuid`, page.idFilter.gt);
  values.push(page.take);
  return {
    text: `SELECT ${columns.join(', ')} FROM projects WHERE ${conditions.join(' AND ')} ORDER BY id ${page.orderBy.id === 'asc' ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
    values,
  };
}

/** Loads a project the caller may see, or NOT_FOUND. */
export async function findVisibleProject(context: RequestContext, globalId: string, query: object = {}) {
  const id = decodeIdOf('Project', globalId);
  const project = id
    ? await context.services.prisma.project.findFirst({ ...query, where: { AND: [{ id }, visibleProjects(context)] } })
    : null;
  if (!project) throw new NotFoundError('Project', globalId);
  return project;
}

builder.queryFields((t) => ({
  project: t.prismaField({
    type: 'Project',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, context) => {
      requireScope(context.caller, 'projects:read');
      return findVisibleProject(context, String(args.id), query);
    },
  }),
  projects: t.connection({
    type: ProjectRef,
    description: 'Projects, newest first. Filter by your end user id, or by metadata (every given key must match).',
    args: {
      externalUserId: t.arg.string({ required: false, validate: externalUserIdSchema }),
      metadata: t.arg({ type: 'JSONObject', required: false, validate: metadataSchema }),
    },
    resolve: (_root, args, context, info) => {
      requireScope(context.caller, 'projects:read');
      // A plain page of plain fields (the common list): one SQL statement on the driver, only the
      // columns asked for. Metadata filters and any other field of a project: through Prisma.
      const columns = args.metadata && Object.keys(args.metadata).length > 0 ? undefined : projectColumnsOf(info);
      if (columns) {
        return paginateById('Project', args, (page) =>
          context.services.database.read<Project>(projectPageSql(context, columns, args.externalUserId ?? undefined, page)),
        );
      }
      const where: Prisma.ProjectWhereInput = {
        AND: [
          visibleProjects(context),
          ...(args.externalUserId ? [{ externalUserId: args.externalUserId }] : []),
          ...Object.entries(args.metadata ?? {}).map(([key, value]) => ({
            metadata: { path: [key], equals: value as Prisma.InputJsonValue },
          })),
        ],
      };
      return paginateById('Project', args, (page) =>
        context.services.prisma.project.findMany({ where: { ...where, id: page.idFilter }, take: page.take, orderBy: page.orderBy }),
      );
    },
  }),
}));

const CreateProjectInput = builder.inputType('CreateProjectInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: nameSchema }),
    description: t.string({ required: false, validate: descriptionSchema }),
    externalUserId: t.string({ required: false, validate: externalUserIdSchema }),
    metadata: t.field({ type: 'JSONObject', required: false, validate: metadataSchema }),
    idempotencyKey: t.string({
      required: false,
      validate: idempotencyKeySchema,
      description: 'The same key within 24 h returns the first result; with a different input, IDEMPOTENCY_CONFLICT.',
    }),
  }),
});

const UpdateProjectInput = builder.inputType('UpdateProjectInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string({ required: false, validate: nameSchema }),
    description: t.string({ required: false, validate: descriptionSchema }),
    externalUserId: t.string({ required: false, validate: externalUserIdSchema }),
    metadata: t.field({ type: 'JSONObject', required: false, validate: metadataSchema, description: 'Replaces the whole metadata object.' }),
  }),
});

const DeleteProjectInput = builder.inputType('DeleteProjectInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

builder.mutationFields((t) => ({
  createProject: t.prismaField({
    type: 'Project',
    args: { input: t.arg({ type: CreateProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const { idempotencyKey, ...fields } = input;
      const { prisma, config } = context.services;
      const insert = (client: Prisma.TransactionClient) =>
        client.project.create({
          ...query,
          data: {
            tenantId: context.caller.tenantId,
            mode: context.caller.mode,
            name: fields.name.trim(),
            description: fields.description ?? null,
            externalUserId: fields.externalUserId ?? null,
            metadata: (fields.metadata ?? {}) as Prisma.InputJsonObject,
          },
        });
      // No key to record and no quota to check under the tenant's lock: one statement, no transaction.
      if (!idempotencyKey && limitsFor(context.caller.tenant, context.caller.mode).projects === null) return insert(prisma);
      return createIdempotently({
        prisma,
        tenantId: context.caller.tenantId,
        mode: context.caller.mode,
        operation: 'createProject',
        key: idempotencyKey,
        input: fields,
        ttlMs: config.idempotency.ttlMs,
        create: async (tx) => {
          await checkProjectQuota(tx, context.caller);
          return insert(tx);
        },
        load: (id) => prisma.project.findUniqueOrThrow({ ...query, where: { id } }),
      });
    },
  }),
  updateProject: t.prismaField({
    type: 'Project',
    args: { input: t.arg({ type: UpdateProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const project = await findVisibleProject(context, String(input.id));
      return context.services.prisma.project.update({
        ...query,
        where: { id: project.id },
        data: {
          ...(input.name != null ? { name: input.name.trim() } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.externalUserId !== undefined ? { externalUserId: input.externalUserId } : {}),
          ...(input.metadata != null ? { metadata: input.metadata as Prisma.InputJsonObject } : {}),
        },
      });
    },
  }),
  deleteProject: t.prismaField({
    type: 'Project',
    description: 'Deletes a project; it is gone from every list and lookup at once. Its deployed app, if any, is removed from App Platform (by a job, retried).',
    args: { input: t.arg({ type: DeleteProjectInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'projects:write');
      const project = await findVisibleProject(context, String(input.id));
      const { prisma, config } = context.services;
      if (!project.deployAppId) return prisma.project.update({ ...query, where: { id: project.id }, data: { deletedAt: new Date() } });
      return prisma.$transaction(async (tx) => {
        await removeDeployedApp(tx, project, config);
        return tx.project.update({ ...query, where: { id: project.id }, data: { deletedAt: new Date() } });
      });
    },
  }),
}));
