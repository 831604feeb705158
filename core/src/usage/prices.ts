/**
 * What model tokens cost, per model, in USD per million tokens: the one place usage becomes money
 * (`costMicros`, integer micro-USD). Overridable per model with EVERJUST_MODEL_PRICES (a JSON object
 * `{ "<model>": { "input": 3, "output": 15, "cacheWrite": 3.75, "cacheRead": 0.3 } }`), for a
 * negotiated rate or a model this table does not know yet.
 *
 * Anthropic bills a 5-minute cache write at 1.25× the input price and a cache read at 0.1×; the
 * figures below follow its published list prices. Ids with a date suffix (`claude-sonnet-4-5-20250929`)
 * cost what their alias costs. The keys are also the models a tenant may choose when it restricts
 * none (`allowedModels` empty).
 */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

const priced = (input: number, output: number): ModelPrice => ({ input, output, cacheWrite: input * 1.25, cacheRead: input / 10 });

export const DEFAULT_MODEL_PRICES: PriceTable = {
  'claude-opus-4-5': priced(5, 25),
  'claude-opus-4-6': priced(5, 25),
  'claude-opus-4-7': priced(5, 25),
  'claude-opus-4-8': priced(5, 25),
  'claude-opus-5': priced(5, 25),
  'claude-sonnet-4-5': priced(3, 15),
  'claude-sonnet-4-6': priced(3, 15),
  // Sonnet 5 is cheaper than the 4.x Sonnets ($2 / $10, per the pricing page as stored in Dec 2026).
  'claude-sonnet-5': priced(2, 10),
  'claude-haiku-4-5': priced(1, 5),
};

/** The model id a price is looked up by: no provider prefix (`anthropic/…`), no date suffix. */
export function priceKey(model: string): string {
  return model.replace(/^[a-z]+\//, '').replace(/-\d{8}$/, '');
}

/** The price table: the defaults with config's overrides on top. */
export function priceTable(overrides: Record<string, ModelPrice> = {}): PriceTable {
  return { ...DEFAULT_MODEL_PRICES, ...overrides };
}

/** The price of a model, or null for one the table does not know (the offline generator costs nothing). */
export function modelPrice(model: string | null | undefined, table: PriceTable = DEFAULT_MODEL_PRICES): ModelPrice | null {
  if (!model || model.startsWith('offline/')) return null;
  return table[priceKey(model)] ?? table[model] ?? null;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens?: number;
  cacheReadTokens?: number;
}

/** Integer micro-USD for `usage` on `model` (USD per million tokens = micro-USD per token); 0 when unpriced. */
export function costMicros(usage: TokenUsage, model: string | null | undefined, table?: PriceTable): number {
  const price = modelPrice(model, table);
  if (!price) return 0;
  return Math.round(
    usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      (usage.cacheWriteTokens ?? 0) * price.cacheWrite +
      (usage.cacheReadTokens ?? 0) * price.cacheRead,
  );
}
