import { z } from 'zod';
import { API_KEY_SCOPES, NotFoundError, PermissionError, type ApiKey, type ApiKeyScope, type Prisma, decodeIdOf } from '@everjust/core';
import { requireScope } from '../auth/scopes.js';
import { createApiKeyRecord } from '../services/tenants.js';
import type { RequestContext } from '../context.js';
import { builder } from './builder.js';
import { paginateById } from './pagination.js';
import { ModeEnum } from './tenant.js';

const scopeValues = Object.fromEntries(
  API_KEY_SCOPES.map((scope) => [scope.replace(':', '_').toUpperCase(), { value: scope }]),
) as Record<string, { value: ApiKeyScope }>;

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What a key may do. New keys get every scope unless told otherwise.',
  values: scopeValues,
});

/** A live key manages keys of both modes; a test key only test keys (a test key can never mint a live one). */
function visibleKeys(context: RequestContext) {
  return { tenantId: context.caller.tenantId, ...(context.caller.mode === 'test' ? { mode: 'test' as const } : {}) } satisfies Prisma.ApiKeyWhereInput;
}

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  description: 'A secret key. The secret itself is shown once, at creation, and stored only as a hash.',
  findUnique: (id, context) => ({ id, ...visibleKeys(context) }),
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The start of the secret, to tell keys apart.' }),
    mode: t.field({ type: ModeEnum, resolve: (key) => key.mode }),
    scopes: t.field({ type: [ApiKeyScopeEnum], resolve: (key) => key.scopes as ApiKeyScope[] }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ secret: string; apiKey: ApiKey }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.apiKey }),
    secret: t.exposeString('secret', { description: 'The whole secret key. Shown this once: store it now.' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true, validate: z.string().trim().min(1, 'must not be empty').max(100) }),
    mode: t.field({ type: ModeEnum, required: false, description: "Defaults to the calling key's mode." }),
    scopes: t.field({
      type: [ApiKeyScopeEnum],
      required: false,
      validate: z.array(z.string()).min(1, 'give at least one scope, or leave it out for all of them'),
      description: 'Defaults to every scope. A key can only grant scopes it has itself.',
    }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  fields: (t) => ({ id: t.id({ required: true }) }),
});

builder.queryField('apiKeys', (t) =>
  t.connection({
    type: ApiKeyRef,
    description: 'Secret keys, newest first (live keys see both modes, test keys only test keys). Needs `keys:write`.',
    resolve: (_root, args, context) => {
      requireScope(context.caller, 'keys:write');
      return paginateById('ApiKey', args, (page) =>
        context.services.prisma.apiKey.findMany({
          where: { ...visibleKeys(context), id: page.idFilter },
          take: page.take,
          orderBy: page.orderBy,
        }),
      );
    },
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: 'Creates a secret key and returns its secret once. Takes no idempotency key: a secret is shown exactly once.',
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireScope(context.caller, 'keys:write');
      const mode = input.mode ?? context.caller.mode;
      if (context.caller.mode === 'test' && mode === 'live') {
        throw new PermissionError('A test key cannot create live keys');
      }
      const scopes = [...new Set(input.scopes ?? API_KEY_SCOPES)];
      const missing = scopes.filter((scope) => !context.caller.scopes.has(scope));
      if (missing.length > 0) {
        throw new PermissionError(`A key can only grant scopes it has; this one lacks ${missing.join(', ')}`, { missingScopes: missing });
      }
      return createApiKeyRecord(context.services.prisma, {
        tenantId: context.caller.tenantId,
        mode,
        name: input.name.trim(),
        scopes,
      });
    },
  }),
  revokeApiKey: t.prismaField({
    type: 'ApiKey',
    description: 'Revokes a key at once, on every instance. Revoking an already revoked key changes nothing.',
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'keys:write');
      const id = decodeIdOf('ApiKey', String(input.id));
      const key = id ? await context.services.prisma.apiKey.findFirst({ where: { id, ...visibleKeys(context) } }) : null;
      if (!key) throw new NotFoundError('API key', String(input.id));
      const revoked = key.revokedAt
        ? await context.services.prisma.apiKey.findUniqueOrThrow({ ...query, where: { id: key.id } })
        : await context.services.prisma.apiKey.update({ ...query, where: { id: key.id }, data: { revokedAt: new Date() } });
      await context.services.authenticator.revoked(key.id);
      return revoked;
    },
  }),
}));
