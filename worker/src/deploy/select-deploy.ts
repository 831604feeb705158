import type { Config, Logger } from '@everjust/core';
import { createAppPlatform } from './app-platform.js';
import type { DeployProvider } from './deploy-provider.js';
import { createSimulatedDeploy } from './simulated.js';

/**
 * The deploy provider of each mode, chosen once from config: test mode is always simulated; live mode is
 * App Platform with the tenant's own token when given, else DIGITALOCEAN_TOKEN (null: neither).
 */
export interface DeploySelector {
  forMode(mode: 'live' | 'test', logger: Logger, tenantToken?: string | null): DeployProvider | null;
}

export function createDeploySelector(config: Config, secret: string, overrides: Partial<Record<'live' | 'test', DeployProvider>> = {}): DeploySelector {
  const simulated = overrides.test ?? createSimulatedDeploy({ previewUrl: config.previewUrl, secret });
  const token = config.digitalocean.token;
  // The first wait between tries of a refused call: a second in production, shorter where tests shorten the polls.
  const retry = { attempts: 4, baseDelayMs: Math.min(1_000, config.deploy.pollIntervalMs) };
  const live = (logger: Logger, tenantToken?: string | null) => {
    if (overrides.live) return overrides.live;
    const use = tenantToken ?? token;
    return use ? createAppPlatform({ token: use, apiUrl: config.digitalocean.apiUrl, logger, retry }) : null;
  };
  return {
    forMode: (mode, logger, tenantToken) => (mode === 'test' ? simulated : live(logger, tenantToken)),
  };
}
