import {
  API_KEY_SCOPES,
  createPubSub,
  resolveSecret,
  isApiKeyScope,
  isTierName,
  TIERS,
  ValidationError,
  type Config,
  type Database,
  type KeyMode,
  type TierLimits,
  decodeIdOf,
  encodeId,
} from '@everjust/core';
import { TENANT_CHANGED_CHANNEL } from '../auth/api-key-authenticator.js';
import { mintConsoleLink } from '../console/console-links.js';
import { originSchema } from '../schema/tenant.js';
import { generationSettingsUpdate, type GenerationSettingsInput } from '../services/generation-settings.js';
import { createApiKeyRecord, createTenant } from '../services/tenants.js';

export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

export interface Flags {
  name?: string;
  tier?: string;
  tenant?: string;
  mode?: string;
  scopes?: string;
  'allowed-origins'?: string;
  limit?: string[];
  /** Generation settings; an empty value clears one. */
  instructions?: string;
  model?: string;
  'allowed-models'?: string;
  'anthropic-api-key'?: string;
  /** `true` or `false`; empty: the default (true). */
  'allow-questions'?: string;
  'auto-repair-rounds'?: string;
  json?: boolean;
}

export interface CommandContext {
  database: Database;
  config: Config;
  output: CommandOutput;
  /**
   * Tells running API instances a tenant changed (they cache tenants). By default through Redis when
   * configured; the server's operator endpoint passes its own authenticator's.
   */
  tenantChanged?: (tenantId: string) => Promise<void>;
  /** Where browsers reach the API (console links point there); by default `config.publicUrl`. */
  publicUrl?: string;
}

/** `tenant create`, `migrate`, …: the command a CLI invocation names. */
export function commandName(positionals: readonly string[]): string {
  const [group, action] = positionals;
  return `${group ?? ''} ${action ?? ''}`.trim();
}

/** Runs one CLI command; returns the exit code. Bad input throws ValidationError (exit 1, message shown). */
export async function runCommand(positionals: string[], flags: Flags, context: CommandContext): Promise<number> {
  const rest = positionals.slice(2);
  const command = commandName(positionals);
  switch (command) {
    case 'migrate':
      return migrate(context);
    case 'tenant create':
      return tenantCreate(flags, context);
    case 'tenant update':
      return tenantUpdate(rest[0], flags, context);
    case 'tenant list':
      return tenantList(flags, context);
    case 'key create':
      return keyCreate(flags, context);
    case 'console link':
      return consoleLink(flags, context);
    default:
      throw new ValidationError(`Unknown command "${command}". Run \`pnpm everjust --help\`.`);
  }
}

async function migrate({ database, output }: CommandContext): Promise<number> {
  const { applied, modified } = await database.migrate();
  output.out(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}\n`).join('')}` : 'Database is up to date.\n');
  for (const name of modified) output.err(`warning: migration ${name} changed on disk after it was applied\n`);
  return 0;
}

function parseTier(value: string | undefined, fallback?: string) {
  const tier = value ?? fallback;
  if (tier === undefined) return undefined;
  if (!isTierName(tier)) throw new ValidationError(`--tier must be one of ${Object.keys(TIERS).join(', ')} (got "${tier}")`);
  return tier;
}

function parseOrigins(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    const result = originSchema.safeParse(origin);
    if (!result.success) throw new ValidationError(`--allowed-origins: "${origin}" ${result.error.issues[0]?.message}`);
  }
  return [...new Set(origins)];
}

function parseName(value: string | undefined, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) throw new ValidationError('--name is required');
    return undefined;
  }
  const name = value.trim();
  if (!name || name.length > 200) throw new ValidationError('--name must be 1 to 200 characters');
  return name;
}

function tenantIdFrom(value: string | undefined): string {
  if (!value) throw new ValidationError('A tenant id is required');
  let id: string | null = null;
  try {
    id = decodeIdOf('Tenant', value);
  } catch {
    id = null;
  }
  if (!id) throw new ValidationError(`"${value}" is not a tenant id`);
  return id;
}

/** `--limit concurrentSessions=5`, `=unlimited` (null) or `=default` (drop the override). */
function parseLimits(values: string[] | undefined): Record<string, number | null | undefined> | undefined {
  if (!values?.length) return undefined;
  const overrides: Record<string, number | null | undefined> = {};
  for (const pair of values) {
    const [name, raw] = pair.split('=');
    if (!name || raw === undefined || !(name in TIERS.free)) {
      throw new ValidationError(`--limit ${pair}: expected NAME=VALUE with NAME one of ${Object.keys(TIERS.free).join(', ')}`);
    }
    if (raw === 'default') overrides[name] = undefined;
    else if (raw === 'unlimited') overrides[name] = null;
    else if (/^\d+$/.test(raw)) overrides[name] = Number(raw);
    else throw new ValidationError(`--limit ${pair}: VALUE must be a whole number, "unlimited" or "default"`);
  }
  return overrides;
}

function parseBooleanFlag(name: string, value: string): boolean | null {
  if (value === '') return null;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ValidationError(`--${name} must be true or false (got "${value.slice(0, 40)}")`);
}

function parseRoundsFlag(value: string): number | null {
  if (value === '') return null;
  if (!/^\d+$/.test(value)) throw new ValidationError(`--auto-repair-rounds must be a whole number from 0 to 3 (got "${value.slice(0, 40)}")`);
  return Number(value);
}

/** The generation flags given (`--model ''` clears the default model); none given: undefined. */
function parseGenerationFlags(flags: Flags): GenerationSettingsInput | undefined {
  const settings: GenerationSettingsInput = {
    ...(flags.instructions !== undefined ? { instructions: flags.instructions || null } : {}),
    ...(flags.model !== undefined ? { model: flags.model || null } : {}),
    ...(flags['allowed-models'] !== undefined ? { allowedModels: flags['allowed-models'].split(',').map((model) => model.trim()).filter(Boolean) } : {}),
    ...(flags['anthropic-api-key'] !== undefined ? { anthropicApiKey: flags['anthropic-api-key'] || null } : {}),
    ...(flags['allow-questions'] !== undefined ? { allowQuestions: parseBooleanFlag('allow-questions', flags['allow-questions']) } : {}),
    ...(flags['auto-repair-rounds'] !== undefined ? { autoRepairRounds: parseRoundsFlag(flags['auto-repair-rounds']) } : {}),
  };
  return Object.keys(settings).length > 0 ? settings : undefined;
}

function printTenant(
  output: CommandOutput,
  json: boolean | undefined,
  tenant: {
    id: string;
    name: string;
    tier: string;
    allowedOrigins: string[];
    limitOverrides: unknown;
    generationInstructions: string | null;
    defaultModel: string | null;
    allowedModels: string[];
    anthropicApiKeyEncrypted: string | null;
    anthropicApiKeyLast4: string | null;
    allowQuestions: boolean;
    autoRepairRounds: number;
  },
): void {
  // The Anthropic key is never printed: only whether one is set, and its last four characters.
  const generation = {
    instructions: tenant.generationInstructions,
    model: tenant.defaultModel,
    allowedModels: tenant.allowedModels,
    hasAnthropicApiKey: tenant.anthropicApiKeyEncrypted != null,
    anthropicApiKeyLast4: tenant.anthropicApiKeyLast4,
    allowQuestions: tenant.allowQuestions,
    autoRepairRounds: tenant.autoRepairRounds,
  };
  const view = { tenantId: encodeId('Tenant', tenant.id), name: tenant.name, tier: tenant.tier, allowedOrigins: tenant.allowedOrigins, limitOverrides: tenant.limitOverrides, generation };
  const key = generation.hasAnthropicApiKey ? `own key …${generation.anthropicApiKeyLast4 ?? ''}` : 'platform key';
  output.out(
    json
      ? `${JSON.stringify(view)}\n`
      : `${view.tenantId}  ${view.name}  ${view.tier}  origins: ${view.allowedOrigins.join(', ') || '(none)'}  model: ${generation.model ?? '(default)'}  models: ${generation.allowedModels.join(', ') || '(any)'}  ${key}\n`,
  );
}

async function tenantCreate(flags: Flags, { database, output }: CommandContext): Promise<number> {
  const name = parseName(flags.name, true)!;
  const tier = parseTier(flags.tier, 'free')!;
  const allowedOrigins = parseOrigins(flags['allowed-origins']);
  const { tenant, secret } = await database.prisma.$transaction(async (tx) => {
    const created = await createTenant(tx, { name, tier, allowedOrigins });
    const key = await createApiKeyRecord(tx, { tenantId: created.id, mode: 'live', name: 'First live key' });
    return { tenant: created, secret: key.secret };
  });
  const tenantId = encodeId('Tenant', tenant.id);
  if (flags.json) output.out(`${JSON.stringify({ tenantId, secretKey: secret })}\n`);
  else output.out(`Created tenant ${name} (${tier}): ${tenantId}\nLive secret key (shown once, keep it): ${secret}\n`);
  return 0;
}

async function tenantUpdate(id: string | undefined, flags: Flags, context: CommandContext): Promise<number> {
  const { database, output } = context;
  const tenantId = tenantIdFrom(id);
  const existing = await database.prisma.tenant.findUnique({ where: { id: tenantId } });
  if (!existing) throw new ValidationError(`No tenant ${id}`);
  const limits = parseLimits(flags.limit);
  const overrides = { ...(existing.limitOverrides as Partial<TierLimits>), ...limits };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete overrides[name as keyof TierLimits];
  const generationInput = parseGenerationFlags(flags);
  const generation = generationInput ? generationSettingsUpdate(existing, generationInput, { secret: resolveSecret(context.config), config: context.config }) : {};
  const tenant = await database.prisma.tenant.update({
    where: { id: tenantId },
    data: {
      ...(flags.name !== undefined ? { name: parseName(flags.name, true) } : {}),
      ...(flags.tier !== undefined ? { tier: parseTier(flags.tier) } : {}),
      ...(flags['allowed-origins'] !== undefined ? { allowedOrigins: parseOrigins(flags['allowed-origins']) } : {}),
      ...(limits ? { limitOverrides: overrides } : {}),
      ...generation,
    },
  });
  await announceTenantChange(context, tenant.id);
  printTenant(output, flags.json, tenant);
  return 0;
}

/** Running API instances cache tenants (30 s); with Redis they hear of the change at once. */
async function announceTenantChange({ config, tenantChanged }: CommandContext, tenantId: string): Promise<void> {
  if (tenantChanged) return tenantChanged(tenantId);
  if (!config.redisUrl) return;
  const pubsub = createPubSub({ redisUrl: config.redisUrl });
  try {
    await pubsub.publish(TENANT_CHANGED_CHANNEL, tenantId);
  } finally {
    await pubsub.close();
  }
}

async function tenantList(flags: Flags, { database, output }: CommandContext): Promise<number> {
  const tenants = await database.prisma.tenant.findMany({ orderBy: { id: 'asc' } });
  for (const tenant of tenants) printTenant(output, flags.json, tenant);
  return 0;
}

async function keyCreate(flags: Flags, { database, output }: CommandContext): Promise<number> {
  const tenantId = tenantIdFrom(flags.tenant);
  const mode = (flags.mode ?? 'live') as KeyMode;
  if (mode !== 'live' && mode !== 'test') throw new ValidationError(`--mode must be live or test (got "${flags.mode}")`);
  const scopes = flags.scopes === undefined ? [...API_KEY_SCOPES] : flags.scopes.split(',').map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !isApiKeyScope(scope));
  if (unknown.length || scopes.length === 0) {
    throw new ValidationError(`--scopes must be a comma-separated list of ${API_KEY_SCOPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  if (!(await database.prisma.tenant.findUnique({ where: { id: tenantId } }))) throw new ValidationError(`No tenant ${flags.tenant}`);
  const { apiKey, secret } = await createApiKeyRecord(database.prisma, {
    tenantId,
    mode,
    name: parseName(flags.name, false) ?? `${mode} key`,
    scopes: scopes.filter(isApiKeyScope),
  });
  const apiKeyId = encodeId('ApiKey', apiKey.id);
  if (flags.json) output.out(`${JSON.stringify({ apiKeyId, tenantId: flags.tenant, mode, scopes: apiKey.scopes, secretKey: secret })}\n`);
  else output.out(`Created ${mode} key ${apiKeyId} (${apiKey.scopes.join(', ')})\nSecret key (shown once, keep it): ${secret}\n`);
  return 0;
}

/** A one-time console sign-in link for a tenant (15 min, one use): whoever opens it signs in as the tenant. */
async function consoleLink(flags: Flags, { database, config, output, publicUrl }: CommandContext): Promise<number> {
  const tenantId = tenantIdFrom(flags.tenant);
  if (!(await database.prisma.tenant.findUnique({ where: { id: tenantId } }))) throw new ValidationError(`No tenant ${flags.tenant}`);
  const link = await mintConsoleLink(database.prisma, { tenantId, publicUrl: publicUrl ?? config.publicUrl, ttlMs: config.console.linkTtlMs });
  if (flags.json) output.out(`${JSON.stringify({ tenantId: flags.tenant, url: link.url, expiresAt: link.expiresAt.toISOString() })}\n`);
  else output.out(`Console sign-in link (one use, until ${link.expiresAt.toISOString()}; anyone with it signs in as this tenant):\n${link.url}\n`);
  return 0;
}
