import { resolve } from 'node:path';
import type { Config } from '@everjust/core';
import { createDaytona } from './daytona.js';
import { createLocal, localSandboxRoot } from './local.js';
import type { SandboxProvider } from './sandbox-provider.js';
import { createStatic } from './static.js';

export interface SandboxSelector {
  /** The provider for a session's mode; null when previews are off. Test mode always gets `static`. */
  forMode(mode: 'live' | 'test'): SandboxProvider | null;
  /** By name, for sandboxes made earlier (cleanup). */
  byName(name: string): SandboxProvider | undefined;
  /** At shutdown: lets each provider release what this process holds. */
  close(): Promise<void>;
}

/** Chooses the sandbox providers once from config (`EVERJUST_SANDBOX`, as docs/architecture.md says). */
export function createSandboxSelector(config: Config, secret: string, overrides: Partial<Record<'local' | 'daytona' | 'static', SandboxProvider>> = {}): SandboxSelector {
  if (config.sandbox === 'none') return { forMode: () => null, byName: () => undefined, close: async () => undefined };
  const providers: Partial<Record<string, SandboxProvider>> = {
    static: overrides.static ?? createStatic({ previewUrl: config.previewUrl, secret }),
  };
  // Sandbox folders outside the data dir, which commands must not read (see local-paths.ts).
  if (config.sandbox === 'local') providers.local = overrides.local ?? createLocal({ rootDir: localSandboxRoot(config.dataDir), privateFolders: [resolve(config.dataDir)] });
  if (config.sandbox === 'daytona' || config.daytona.apiKey) {
    providers.daytona =
      overrides.daytona ??
      (config.daytona.apiKey && config.daytona.apiUrl
        ? createDaytona({ apiKey: config.daytona.apiKey, apiUrl: config.daytona.apiUrl, target: config.daytona.target })
        : undefined);
  }
  const live = providers[config.sandbox] ?? providers.static!;
  return {
    forMode: (mode) => (mode === 'test' ? providers.static! : live),
    byName: (name) => providers[name],
    async close() {
      for (const provider of Object.values(providers)) await provider?.close?.();
    },
  };
}
