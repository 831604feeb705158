import type { Config } from '@everjust/core';
import { createAnthropic } from './anthropic.js';
import type { LlmProvider } from './llm-provider.js';
import { createOffline } from './offline.js';

/**
 * Chooses the model once from config: test mode always gets the offline generator (free, for
 * integrators' CI); live mode gets Claude when ANTHROPIC_API_KEY is set, else the offline generator.
 */
export function createLlmSelector(config: Config, overrides: { offline?: LlmProvider; anthropic?: LlmProvider } = {}) {
  const offline = overrides.offline ?? createOffline({ deltaIntervalMs: config.offline.deltaIntervalMs });
  const anthropic =
    overrides.anthropic ??
    (config.anthropic.apiKey
      ? createAnthropic({ apiKey: config.anthropic.apiKey, model: config.anthropic.model, baseUrl: config.anthropic.baseUrl })
      : undefined);
  return (mode: 'live' | 'test'): LlmProvider => (mode === 'live' && anthropic ? anthropic : offline);
}
