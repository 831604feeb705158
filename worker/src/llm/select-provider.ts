import type { Config } from '@everjust/core';
import { createAnthropic } from './anthropic.js';
import type { LlmProvider } from './llm-provider.js';
import { createOffline } from './offline.js';

/**
 * Chooses the model once from config: test mode always gets the offline generator (free, for
 * integrators' CI); live mode gets Claude when ANTHROPIC_API_KEY is set, else the offline generator —
 * except for a request that brings its own Anthropic key (a tenant's), which goes to Claude on that key.
 */
export function createLlmSelector(config: Config, overrides: { offline?: LlmProvider; anthropic?: LlmProvider } = {}) {
  const offline = overrides.offline ?? createOffline({ deltaIntervalMs: config.offline.deltaIntervalMs });
  const claude = overrides.anthropic ?? createAnthropic({ apiKey: config.anthropic.apiKey ?? '', model: config.anthropic.model, baseUrl: config.anthropic.baseUrl });
  const platformHasKey = Boolean(overrides.anthropic ?? config.anthropic.apiKey);
  const liveWithoutKey: LlmProvider = {
    name: offline.name,
    model: offline.model,
    stream: (request) => (request.apiKey ? claude.stream(request) : offline.stream(request)),
  };
  return (mode: 'live' | 'test'): LlmProvider => (mode === 'test' ? offline : platformHasKey ? claude : liveWithoutKey);
}
