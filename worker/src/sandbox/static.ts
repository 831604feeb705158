import { previewUrlFor } from '@everjust/core';
import { SandboxError, type SandboxInfo, type SandboxProvider } from './sandbox-provider.js';

export interface StaticSettings {
  /** The preview origin (EVERJUST_PREVIEW_URL), where the API serves the files. */
  previewUrl: string;
  secret: string;
}

/**
 * `static`: nothing runs anywhere. The API serves the project's files at a signed, expiring URL under
 * `Content-Security-Policy: sandbox …`; there is no `run_command`. Test mode always gets
 * it, in production as on a laptop. Its "sandbox id" is `static:<mode>:<projectId>`.
 */
export function createStatic(settings: StaticSettings): SandboxProvider {
  const info = (id: string, labels: Record<string, string> = {}): SandboxInfo => ({ id, provider: 'static', state: 'started', labels });
  const parse = (sandboxId: string) => {
    const [kind, mode, projectId] = sandboxId.split(':');
    if (kind !== 'static' || (mode !== 'live' && mode !== 'test') || !projectId) throw new SandboxError(`Not a static sandbox id: ${sandboxId}`, { retryable: false, code: 'SANDBOX_NOT_FOUND' });
    return { mode: mode as 'live' | 'test', projectId };
  };
  const nothingRuns = () => {
    throw new SandboxError('The static preview runs nothing: commands need the local or daytona sandbox', { retryable: false, code: 'SANDBOX_CANNOT_RUN_COMMANDS' });
  };
  return {
    name: 'static',
    canRunCommands: false,
    async create(options) {
      const projectId = options.labels['everjust.project'];
      const mode = options.labels['everjust.mode'];
      if (!projectId || (mode !== 'live' && mode !== 'test')) throw new SandboxError('A static sandbox needs the everjust.project and everjust.mode labels', { retryable: false, code: 'SANDBOX_INVALID_INPUT' });
      return info(`static:${mode}:${projectId}`, options.labels);
    },
    async get(sandboxId) {
      parse(sandboxId);
      return info(sandboxId);
    },
    async start() {},
    async uploadFiles() {}, // the API reads the files from the database
    async deleteFiles() {},
    runCommand: async () => nothingRuns(),
    startServer: async () => nothingRuns(),
    async previewUrl(sandboxId, _port, expiresInSeconds) {
      const { mode, projectId } = parse(sandboxId);
      const expiresAt = new Date(Math.floor(Date.now() / 1000 + expiresInSeconds) * 1000);
      return { url: previewUrlFor(settings.previewUrl, settings.secret, { projectId, mode, expiresAt: expiresAt.getTime() / 1000, issuedAt: Date.now() }), expiresAt };
    },
    async stop() {},
    async delete() {},
    async list() {
      return [];
    },
  };
}
