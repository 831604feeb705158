/**
 * The `local` sandbox's metadata store: one `sandbox.json` per sandbox, outside `app/` so the static
 * server never serves it, readable by this process's user only, and re-read on every call, so
 * `get`/`list`/`stop` work after this process restarts. Updates of one sandbox are serialized.
 */
import { readFile } from 'node:fs/promises';
import { isErrno, localSandboxIdPattern, localSandboxPaths, writeAtomically } from './local-paths.js';
import { SandboxError, type SandboxInfo, type SandboxLabels } from './sandbox-provider.js';

export interface LocalMetadata {
  id: string;
  labels: SandboxLabels;
  state: 'started' | 'stopped';
  env: Record<string, string>;
  autoStopMinutes: number;
  autoDeleteMinutes: number | null;
  createdAt: string;
  lastActiveAt: string;
  server: { pid: number; port: number; command: string; startedAt: string } | null;
}

type LocalMetadataStore = ReturnType<typeof createLocalMetadataStore>;

export function sandboxNotFound(sandboxId: string): SandboxError {
  return new SandboxError(`Sandbox ${sandboxId} not found`, { retryable: false, code: 'SANDBOX_NOT_FOUND' });
}

export function createLocalMetadataStore(rootDir: string) {
  /** Serializes metadata updates per sandbox, so two calls never lose each other's write. */
  const locks = new Map<string, Promise<unknown>>();

  function withLock<T>(sandboxId: string, action: () => Promise<T>): Promise<T> {
    const previous = locks.get(sandboxId) ?? Promise.resolve();
    const next = previous.then(action, action);
    const settled = next.catch(() => undefined);
    locks.set(sandboxId, settled);
    void settled.then(() => {
      if (locks.get(sandboxId) === settled) locks.delete(sandboxId);
    });
    return next;
  }

  /** Null for an unknown id, or one that is not shaped like ours (never a path outside the root). */
  async function read(sandboxId: string): Promise<LocalMetadata | null> {
    if (!localSandboxIdPattern.test(sandboxId)) return null;
    try {
      return JSON.parse(await readFile(localSandboxPaths(rootDir, sandboxId).metadata, 'utf8')) as LocalMetadata;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      throw new SandboxError(`Sandbox ${sandboxId} has unreadable metadata`, { retryable: false, code: 'SANDBOX_METADATA_UNREADABLE', cause: error });
    }
  }

  async function readOrThrow(sandboxId: string): Promise<LocalMetadata> {
    const metadata = await read(sandboxId);
    if (!metadata) throw sandboxNotFound(sandboxId);
    return metadata;
  }

  function write(metadata: LocalMetadata): Promise<void> {
    return writeAtomically(localSandboxPaths(rootDir, metadata.id).metadata, `${JSON.stringify(metadata, null, 2)}\n`, { mode: 0o600 });
  }

  /** Reads, changes and writes a sandbox's metadata under its lock; returns what was written. */
  function update(sandboxId: string, change: (metadata: LocalMetadata) => void): Promise<LocalMetadata> {
    return withLock(sandboxId, async () => {
      const metadata = await readOrThrow(sandboxId);
      change(metadata);
      await write(metadata);
      return metadata;
    });
  }

  async function readStarted(sandboxId: string): Promise<LocalMetadata> {
    const metadata = await readOrThrow(sandboxId);
    if (metadata.state !== 'started') throw new SandboxError(`Sandbox ${sandboxId} is stopped; start it first`, { retryable: false, code: 'SANDBOX_STOPPED' });
    return metadata;
  }

  function touch(sandboxId: string): Promise<LocalMetadata> {
    return update(sandboxId, (metadata) => {
      metadata.lastActiveAt = new Date().toISOString();
    });
  }

  return { withLock, read, readOrThrow, write, update, readStarted, touch };
}

export function infoOf(metadata: LocalMetadata): SandboxInfo {
  return { id: metadata.id, provider: 'local', state: metadata.state, labels: { ...metadata.labels } };
}
