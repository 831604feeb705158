import { z } from 'zod';
import { encodeId, PermissionError, ValidationError, type Prisma, type Project } from '@everjust/core';
import { isOriginAllowed } from '../auth/allowed-origins.js';
import { requireScope, requireSecretKey } from '../auth/scopes.js';
import { WIDGET_SCOPES } from '../auth/widget-token-authenticator.js';
import { signWidgetToken } from '../auth/widget-tokens.js';
import { createIdempotently } from '../services/idempotency.js';
import { checkProjectQuota } from '../services/quotas.js';
import { builder } from './builder.js';
import { externalUserIdSchema, findVisibleProject, idempotencyKeySchema, metadataSchema, nameSchema, ProjectRef } from './projects.js';
import { originSchema } from './tenant.js';

/** Shorter tokens would expire before the widget had time to use and refresh them. */
const MIN_TTL_SECONDS = 60;

const NewWidgetProjectInput = builder.inputType('NewWidgetProjectInput', {
  description: 'A project made for the end user along with the token (its `externalUserId` is the token\'s).',
  fields: (t) => ({
    name: t.string({ required: true, validate: nameSchema }),
    metadata: t.field({ type: 'JSONObject', required: false, validate: metadataSchema }),
  }),
});

const WidgetPermissionEnum = builder.enumType('WidgetPermission', {
  description: 'What a widget token may do beyond building, previewing and restoring in its project: chosen when it is minted.',
  values: {
    DEPLOY: { value: 'deploy', description: "Deploy the token's project (`deployProject`), as the widget's Deploy button does (`features=\"deploy\"`)." },
  } as const,
});

const CreateWidgetTokenInput = builder.inputType('CreateWidgetTokenInput', {
  fields: (t) => ({
    projectId: t.id({ required: false, description: 'An existing project of this mode. Give this or `newProject`.' }),
    newProject: t.field({ type: NewWidgetProjectInput, required: false, description: 'Make a new project. Give this or `projectId`.' }),
    externalUserId: t.string({
      required: true,
      validate: externalUserIdSchema,
      description: 'Your id for the end user: the widget sees only the sessions it starts for this user.',
    }),
    origin: t.string({
      required: true,
      validate: originSchema,
      description: "The page's origin (`https://app.example.com`); one of the tenant's allowed origins. The token works from there only.",
    }),
    ttlSeconds: t.int({
      required: false,
      validate: z.number().int().min(MIN_TTL_SECONDS, `must be at least ${MIN_TTL_SECONDS}`),
      description: 'Lifetime: 900 (15 minutes) by default, at most 3600 (1 hour).',
    }),
    permissions: t.field({
      type: [WidgetPermissionEnum],
      required: false,
      description:
        'Extra rights for the token (none by default). `DEPLOY`: the widget may deploy its project; the minting key must be able to deploy itself (`sessions:write`), and in live mode the project needs its deploy target as for `deployProject`.',
    }),
    idempotencyKey: t.string({
      required: false,
      validate: idempotencyKeySchema,
      description: 'With `newProject`: a retried call returns the same project (never a second one). Every call mints a new token.',
    }),
  }),
});

interface WidgetTokenResult {
  token: string;
  expiresAt: Date;
  project: Project;
}

const CreateWidgetTokenPayload = builder.objectRef<WidgetTokenResult>('CreateWidgetTokenPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', {
      description: 'Hand it to `<everjust-builder>` (its token-url endpoint, `token` attribute or `getToken`). Sent as `Authorization: Bearer ej_wt_…`.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    project: t.field({ type: ProjectRef, resolve: (result) => result.project }),
  }),
});

builder.mutationField('createWidgetToken', (t) =>
  t.field({
    type: CreateWidgetTokenPayload,
    description:
      "Mints a short-lived widget token for one end user, one project and one origin, for `<everjust-builder>` on that page. Secret keys only, holding every scope the token carries (`projects:read`, `sessions:read`, `sessions:write`; and `projects:write` for `newProject`); the token's mode is the key's. `permissions: [DEPLOY]` also lets it deploy the project; without it, `deployProject` with the token is FORBIDDEN.",
    args: { input: t.arg({ type: CreateWidgetTokenInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { caller, services } = context;
      requireSecretKey(caller, 'mint widget tokens');
      // A widget token names the key that minted it (revoking the key ends its tokens): a console has none.
      if (!caller.apiKeyId) throw new PermissionError('A console session cannot mint widget tokens: call createWidgetToken from your backend with a secret key', { reason: 'SECRET_KEY_REQUIRED' });
      const apiKeyId = caller.apiKeyId;
      // A token never carries a scope its minting key lacks (a sessions:write-only key would
      // otherwise hand out projects:read).
      const missing = [...WIDGET_SCOPES].filter((scope) => !caller.scopes.has(scope));
      if (missing.length > 0) {
        throw new PermissionError(`A widget token carries ${[...WIDGET_SCOPES].join(', ')}, and a key hands on only scopes it has: this one lacks ${missing.join(', ')}`, {
          missingScopes: missing,
        });
      }
      const { config, prisma, widgetTokens } = services;
      if ((input.projectId == null) === (input.newProject == null)) {
        throw new ValidationError('input: give either projectId or newProject', { issues: [{ path: ['input', 'projectId'], message: 'give either projectId or newProject' }] });
      }
      const ttlSeconds = input.ttlSeconds ?? config.widgetTokens.ttlSeconds;
      const maxTtlSeconds = config.widgetTokens.maxTtlSeconds;
      if (ttlSeconds > maxTtlSeconds) {
        throw new ValidationError(`input.ttlSeconds: must be at most ${maxTtlSeconds}`, { issues: [{ path: ['input', 'ttlSeconds'], message: `must be at most ${maxTtlSeconds}` }] });
      }
      if (!isOriginAllowed(caller.tenant, input.origin, { embedded: config.embedded })) {
        throw new ValidationError(`input.origin: ${input.origin} is not among the tenant's allowed origins (add it with updateTenant)`, {
          issues: [{ path: ['input', 'origin'], message: 'not among the allowed origins' }],
        });
      }

      let project: Project;
      if (input.projectId != null) {
        project = await findVisibleProject(context, String(input.projectId));
      } else {
        requireScope(caller, 'projects:write');
        const newProject = input.newProject!;
        project = await createIdempotently({
          prisma,
          tenantId: caller.tenantId,
          mode: caller.mode,
          operation: 'createWidgetToken',
          key: input.idempotencyKey,
          // What makes the project; the origin and lifetime only concern the token.
          input: { newProject, externalUserId: input.externalUserId },
          ttlMs: config.idempotency.ttlMs,
          create: async (tx) => {
            await checkProjectQuota(tx, caller);
            return tx.project.create({
              data: {
                tenantId: caller.tenantId,
                mode: caller.mode,
                name: newProject.name.trim(),
                externalUserId: input.externalUserId,
                metadata: (newProject.metadata ?? {}) as Prisma.InputJsonObject,
              },
            });
          },
          load: (id) => prisma.project.findUniqueOrThrow({ where: { id } }),
        });
      }

      const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
      const token = await signWidgetToken(widgetTokens.signingKey, {
        tenantId: encodeId('Tenant', caller.tenantId),
        mode: caller.mode,
        projectId: encodeId('Project', project.id),
        externalUserId: input.externalUserId,
        origin: input.origin,
        apiKeyId: encodeId('ApiKey', apiKeyId),
        expiresAt,
        permissions: [...new Set(input.permissions ?? [])],
      });
      return { token, expiresAt: new Date(expiresAt * 1000), project };
    },
  }),
);
