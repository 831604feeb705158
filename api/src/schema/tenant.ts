import { z } from 'zod';
import { limitsFor, type Tenant, type TierLimits, encodeId } from '@everjust/core';
import { requireLiveKey, requireScope } from '../auth/scopes.js';
import { generationSettingsUpdate, MAX_INSTRUCTIONS_CHARS, modelsAllowedFor } from '../services/generation-settings.js';
import { builder } from './builder.js';

export const TierEnum = builder.enumType('Tier', {
  values: { FREE: { value: 'free' }, STARTER: { value: 'starter' }, PROFESSIONAL: { value: 'professional' }, ENTERPRISE: { value: 'enterprise' } } as const,
});

export const ModeEnum = builder.enumType('Mode', {
  description: 'Live and test mode are separate worlds: what a test key creates only test keys see.',
  values: { LIVE: { value: 'live' }, TEST: { value: 'test' } } as const,
});

const TenantLimitsRef = builder.objectRef<TierLimits>('TenantLimits').implement({
  description: "The tenant's limits: its tier's, with any per-tenant overrides, and in test mode test mode's own. Null means unlimited.",
  fields: (t) => ({
    projects: t.exposeInt('projects', { nullable: true }),
    concurrentSessions: t.exposeInt('concurrentSessions'),
    requestsPerHour: t.exposeInt('requestsPerHour', { nullable: true }),
    burstPerSecond: t.exposeInt('burstPerSecond'),
    queryCostPerMinute: t.exposeInt('queryCostPerMinute'),
    generationsPerDay: t.exposeInt('generationsPerDay', { nullable: true }),
    sandboxHoursPerMonth: t.exposeInt('sandboxHoursPerMonth', { nullable: true }),
    storageBytes: t.exposeFloat('storageBytes'),
    sandboxIdleStopMinutes: t.exposeInt('sandboxIdleStopMinutes'),
    stoppedSandboxDeleteDays: t.exposeInt('stoppedSandboxDeleteDays', { nullable: true }),
    deploysPerDay: t.exposeInt('deploysPerDay', { nullable: true, description: 'Deployments started per UTC day (deployProject and rollbackDeployment).' }),
    liveApps: t.exposeInt('liveApps', { nullable: true, description: 'Projects with a deployed app at once.' }),
  }),
});

const TenantGenerationRef = builder.objectRef<Tenant>('TenantGeneration').implement({
  description: "The tenant's generation settings (`updateTenant(input: { generation })`). The Anthropic key itself is never shown.",
  fields: (t) => ({
    instructions: t.string({ nullable: true, description: 'Appended to our system prompt in every live session (at most 10,000 characters).', resolve: (tenant) => tenant.generationInstructions }),
    model: t.string({ nullable: true, description: "The model sessions use when they name none; null: the platform's default.", resolve: (tenant) => tenant.defaultModel }),
    allowedModels: t.stringList({ description: 'The models a session may ask for, as set; empty: any the platform offers (see `availableModels`).', resolve: (tenant) => tenant.allowedModels }),
    availableModels: t.stringList({
      description: "The models `startSession(input: { model })` accepts for this tenant: `allowedModels`, or all the platform's when that is empty.",
      resolve: (tenant, _args, context) => modelsAllowedFor(tenant, context.services.config),
    }),
    hasAnthropicApiKey: t.boolean({
      description: "Whether the tenant's own Anthropic key is set: its live sessions then run on it (and are marked `byok`).",
      resolve: (tenant) => tenant.anthropicApiKeyEncrypted != null,
    }),
    anthropicApiKeyLast4: t.string({ nullable: true, description: 'The last four characters of that key, to tell keys apart.', resolve: (tenant) => tenant.anthropicApiKeyLast4 }),
    allowQuestions: t.exposeBoolean('allowQuestions', {
      description: 'Whether the model may stop to ask the end user a question when a request is ambiguous (the session waits, `waiting_for_input`). Default true.',
    }),
    autoRepairRounds: t.exposeInt('autoRepairRounds', {
      description: 'How many rounds the model gets to repair the errors the preview check (EVERJUST_BROWSER) found, each a `repair_started` event; 0 turns repair off. Default 2.',
    }),
  }),
});

export const TenantRef = builder.prismaObject('Tenant', {
  description: 'An integrator: the account every key, project and session belongs to.',
  fields: (t) => ({
    id: t.id({ resolve: (tenant) => encodeId('Tenant', tenant.id) }),
    name: t.exposeString('name'),
    tier: t.field({ type: TierEnum, resolve: (tenant) => tenant.tier }),
    allowedOrigins: t.exposeStringList('allowedOrigins', {
      description: 'Origins allowed to use widget tokens (scheme://host[:port]).',
    }),
    limits: t.field({
      type: TenantLimitsRef,
      description: "The limits that apply to the calling key's mode: a test key sees test mode's own (requests per hour, generations per day, concurrent sessions).",
      resolve: (tenant, _args, context) => limitsFor(tenant, context.caller.mode),
    }),
    mode: t.field({
      type: ModeEnum,
      description: 'The mode of the key making this request.',
      resolve: (_tenant, _args, context) => context.caller.mode,
    }),
    generation: t.field({ type: TenantGenerationRef, description: 'Generation settings: instructions, models, own Anthropic key.', resolve: (tenant) => tenant }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

/** An origin exactly as browsers send it: scheme, host and optional port, nothing else. */
export const originSchema = z
  .string()
  .max(255)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://example.com or http://localhost:3000 (no path, no trailing slash)');

builder.queryField('viewer', (t) =>
  t.field({
    type: TenantRef,
    description: 'The tenant of the calling API key.',
    // From the authentication cache: the hottest query costs no database round trip.
    resolve: (_root, _args, context) => context.caller.tenant,
  }),
);

const TenantGenerationInput = builder.inputType('TenantGenerationInput', {
  description: 'Generation settings; a field left out is kept, `null` clears it.',
  fields: (t) => ({
    instructions: t.string({ required: false, description: `Appended to our system prompt in every live session; at most ${MAX_INSTRUCTIONS_CHARS.toLocaleString('en')} characters.` }),
    model: t.string({ required: false, description: "The default model; it must be among `allowedModels` when those are set. null: the platform's default." }),
    allowedModels: t.stringList({ required: false, description: 'The models sessions may ask for (each one the platform offers); empty or null: any.' }),
    anthropicApiKey: t.string({
      required: false,
      description: "The tenant's own Anthropic key (bring your own key): live sessions run on it and are marked `byok`. Stored sealed, never shown again; null clears it.",
    }),
    allowQuestions: t.boolean({ required: false, description: 'Whether the model may ask the end user a question (ask_user); null: the default, true.' }),
    autoRepairRounds: t.int({ required: false, description: 'Repair rounds after a preview check that found errors, 0–3 (0: none); null: the default, 2.' }),
  }),
});

const UpdateTenantInput = builder.inputType('UpdateTenantInput', {
  fields: (t) => ({
    name: t.string({ required: false, validate: z.string().trim().min(1).max(200) }),
    allowedOrigins: t.stringList({ required: false, validate: z.array(originSchema).max(50) }),
    generation: t.field({ type: TenantGenerationInput, required: false }),
  }),
});

builder.mutationField('updateTenant', (t) =>
  t.prismaField({
    type: 'Tenant',
    description:
      "Changes the tenant's name, allowed widget origins or generation settings. Needs the `keys:write` scope and a live key: tenant settings apply to both modes, so a test key gets FORBIDDEN.",
    args: { input: t.arg({ type: UpdateTenantInput, required: true }) },
    resolve: async (query, _root, { input }, context) => {
      requireScope(context.caller, 'keys:write');
      requireLiveKey(context.caller, 'change tenant settings');
      const { prisma, secret, config } = context.services;
      // Checked against the row as it is now (not the cached one): a default model must stay allowed.
      const generation = input.generation
        ? generationSettingsUpdate(await prisma.tenant.findUniqueOrThrow({ where: { id: context.caller.tenantId } }), input.generation, { secret, config })
        : {};
      const tenant = await prisma.tenant.update({
        ...query,
        where: { id: context.caller.tenantId },
        data: {
          ...(input.name != null ? { name: input.name.trim() } : {}),
          ...(input.allowedOrigins != null ? { allowedOrigins: [...new Set(input.allowedOrigins)] } : {}),
          ...generation,
        },
      });
      await context.services.authenticator.tenantChanged(tenant.id);
      return tenant;
    },
  }),
);
