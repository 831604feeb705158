import { DEFAULT_MODEL_PRICES, priceKey, sealSecret, SEALED_CONTEXTS, ValidationError, type Config, type Prisma, type Tenant } from '@everjust/core';

/** The longest `instructions` a tenant may append to our system prompt. */
export const MAX_INSTRUCTIONS_CHARS = 10_000;
const MAX_ALLOWED_MODELS = 20;
const modelIdPattern = /^[a-z0-9][a-z0-9.-]{0,99}$/;
/** Anthropic's keys (`sk-ant-api03-…`): printable, no spaces. A pasted key of another vendor is refused here, not at the first session. */
const anthropicKeyPattern = /^sk-ant-[\x21-\x7e]{10,400}$/;

/** What `updateTenant(input: { generation })` and `everjust tenant update` may change; null clears, absent keeps. */
export interface GenerationSettingsInput {
  instructions?: string | null;
  model?: string | null;
  allowedModels?: readonly string[] | null;
  anthropicApiKey?: string | null;
  /** Whether the model may ask end users questions (ask_user); null: the default (true). */
  allowQuestions?: boolean | null;
  /** Rounds in which the model repairs the errors the preview check found (0–3); null: the default (2). */
  autoRepairRounds?: number | null;
}

/** The most repair rounds a tenant may ask for, and the default. */
export const MAX_AUTO_REPAIR_ROUNDS = 3;
const DEFAULT_AUTO_REPAIR_ROUNDS = 2;

/**
 * The models the platform knows: those of the price table (core/src/usage/prices.ts) and the configured
 * default. A model id with a date suffix (`claude-sonnet-4-5-20250929`) is known when its alias is.
 */
export function knownModels(config: Pick<Config, 'anthropic'>): string[] {
  return [...new Set([...Object.keys(DEFAULT_MODEL_PRICES), config.anthropic.model])].sort();
}

function isKnownModel(model: string, config: Pick<Config, 'anthropic'>): boolean {
  const known = knownModels(config);
  return known.includes(model) || known.includes(priceKey(model));
}

/** The models a session of this tenant may ask for: its `allowedModels`, or every known model when it restricts none. */
export function modelsAllowedFor(tenant: Pick<Tenant, 'allowedModels'>, config: Pick<Config, 'anthropic'>): string[] {
  return tenant.allowedModels.length > 0 ? [...tenant.allowedModels] : knownModels(config);
}

function invalid(field: string, message: string): never {
  const path = ['input', 'generation', field];
  throw new ValidationError(`${path.join('.')}: ${message}`, { issues: [{ path, message }] });
}

/**
 * Checks a generation settings change against the tenant as it is, and returns the columns to write:
 * instructions at most 10,000 characters; models known to the platform; a default model among the
 * allowed ones; the Anthropic key sealed with the secret box under the tenant's own context (only its
 * last four characters are kept in clear, so people can tell keys apart). Nothing is written on a refusal,
 * and no message ever repeats the key.
 */
export function generationSettingsUpdate(
  tenant: Pick<Tenant, 'id' | 'defaultModel' | 'allowedModels'>,
  input: GenerationSettingsInput,
  options: { secret: string; config: Pick<Config, 'anthropic'> },
): Prisma.TenantUpdateInput {
  const data: Prisma.TenantUpdateInput = {};
  if (input.instructions !== undefined) {
    const instructions = input.instructions?.trim() ?? '';
    if (instructions.length > MAX_INSTRUCTIONS_CHARS) invalid('instructions', `must be at most 10,000 characters (got ${instructions.length})`);
    data.generationInstructions = instructions || null;
  }
  const checkModel = (field: string, model: string) => {
    if (!modelIdPattern.test(model)) invalid(field, `"${model.slice(0, 100)}" is not a model id`);
    if (!isKnownModel(model, options.config)) invalid(field, `"${model}" is not a model this platform offers (one of ${knownModels(options.config).join(', ')})`);
  };
  let allowedModels = tenant.allowedModels;
  if (input.allowedModels !== undefined) {
    allowedModels = [...new Set((input.allowedModels ?? []).map((model) => model.trim()))];
    if (allowedModels.length > MAX_ALLOWED_MODELS) invalid('allowedModels', `at most ${MAX_ALLOWED_MODELS} models`);
    for (const model of allowedModels) checkModel('allowedModels', model);
    data.allowedModels = allowedModels;
  }
  let defaultModel = tenant.defaultModel;
  if (input.model !== undefined) {
    defaultModel = input.model?.trim() || null;
    if (defaultModel) checkModel('model', defaultModel);
    data.defaultModel = defaultModel;
  }
  if (defaultModel && allowedModels.length > 0 && !allowedModels.includes(defaultModel)) {
    invalid(input.model !== undefined ? 'model' : 'allowedModels', `the default model ${defaultModel} must be one of the allowed models (${allowedModels.join(', ')})`);
  }
  if (input.allowQuestions !== undefined) data.allowQuestions = input.allowQuestions ?? true;
  if (input.autoRepairRounds !== undefined) {
    const rounds = input.autoRepairRounds ?? DEFAULT_AUTO_REPAIR_ROUNDS;
    if (!Number.isInteger(rounds) || rounds < 0 || rounds > MAX_AUTO_REPAIR_ROUNDS) invalid('autoRepairRounds', `must be a whole number from 0 to ${MAX_AUTO_REPAIR_ROUNDS} (got ${rounds})`);
    data.autoRepairRounds = rounds;
  }
  if (input.anthropicApiKey !== undefined) {
    const key = input.anthropicApiKey?.trim() ?? '';
    if (key && !anthropicKeyPattern.test(key)) invalid('anthropicApiKey', 'must be an Anthropic API key (sk-ant-…, printable characters, no spaces); the value given was not stored');
    data.anthropicApiKeyEncrypted = key ? sealSecret(options.secret, key, SEALED_CONTEXTS.tenantAnthropicKey(tenant.id)) : null;
    data.anthropicApiKeyLast4 = key ? key.slice(-4) : null;
  }
  return data;
}
