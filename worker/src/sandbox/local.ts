/**
 * The `local` sandbox: a folder and child processes on this host. DEVELOPMENT ONLY: config allows it only
 * for the embedded start (PGlite, the API on 127.0.0.1), never with DATABASE_URL or in a standalone worker.
 * What it isolates, and what not, is in `local-isolation.ts` and `docs/local-sandbox.md`.
 *
 * The parts: where folders live and the path checks (`local-paths.ts`), the metadata store
 * (`local-metadata.ts`), process groups and recorded pids (`local-process-groups.ts`), the user and
 * namespaces commands run in (`local-isolation.ts`); this file is the provider over them.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, lchown, lstat, mkdir, readdir, readFile, realpath, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { ValidationError } from '@everjust/core';
import { findFreePort } from './free-port.js';
import { detectLocalIsolation, spawnIsolated, type LocalIsolation, type LocalIsolationOptions } from './local-isolation.js';
import { createLocalMetadataStore, infoOf, type LocalMetadata } from './local-metadata.js';
import { ensurePrivateFolder, isErrno, localSandboxIdPattern, localSandboxPaths, parentInside, splitProjectPath, writeAtomically, type FileOwner } from './local-paths.js';
import { emitOutput, killGroup, ownsProcessGroup, sandboxIdVariable, streamOutput, waitForExit, waitForPidExit } from './local-process-groups.js';
import { staticServerSource } from './local-static-server.js';
import { OutputTail } from './output-tail.js';
import { abortError, throwIfAborted } from './sandbox-abort.js';
import {
  SandboxError,
  STATIC_SERVER_COMMAND,
  type CommandResult,
  type CreateSandboxOptions,
  type PreviewLink,
  type RunCommandOptions,
  type SandboxFile,
  type SandboxInfo,
  type SandboxLabels,
  type SandboxProvider,
  type StartServerOptions,
} from './sandbox-provider.js';

export { findFreePort } from './free-port.js';
export { localSandboxPaths, localSandboxRoot } from './local-paths.js';

export interface LocalSettings {
  /** Where sandbox folders live (`localSandboxRoot(dataDir)`: outside the data dir); created when missing. */
  rootDir: string;
  /**
   * Folders of ours that commands must not read (the data dir): made 0700 when commands run as another
   * user, so its database files and `secret` are out of their reach.
   */
  privateFolders?: string[];
  /** The only address servers bind to and previews point at. */
  host?: '127.0.0.1';
  /**
   * PATH of commands. Defaults to the folder of the node running this process (so `node`, `npm` and
   * `npx` are the same as ours) followed by the usual system folders.
   */
  path?: string;
  /** Characters of a command's combined output kept (its tail); 64 k by default. */
  maxOutputCharacters?: number;
  /** What isolation to try (default: all this host allows). */
  isolation?: LocalIsolationOptions;
}

/** The `local` provider, plus what a composition root needs at shutdown. */
export interface LocalSandboxProvider extends SandboxProvider {
  readonly name: 'local';
  /** Always present here: a free port on 127.0.0.1 (`findFreePort`). */
  choosePort(sandboxId: string): Promise<number>;
  /** What commands run in on this host (detected on first use). */
  isolation(): Promise<LocalIsolation>;
  /**
   * Kills, synchronously, every command and server this instance started (their sandboxes keep their
   * state, with no server). Call it when the process shuts down: servers run in their own process
   * groups, so Ctrl-C on the API does not reach them.
   */
  killAll(): void;
}

const defaultMaxOutputCharacters = 64 * 1024;
/** After a command exits, how long its pipes may stay open (a grandchild that escaped its group). */
const closeGraceMs = 500;
/** How long a replaced or stopped server may take to die before we go on. */
const exitWaitMs = 3_000;

/**
 * Makes the `local` provider. DEVELOPMENT ONLY (see the top of this file). Paths are re-validated
 * here, whatever the caller did: refusals are `ValidationError`s (BAD_USER_INPUT, so the model sees them
 * and can correct itself); an unknown sandbox or a stopped one is a `SandboxError`. On abort, every
 * method that takes a signal throws the providers' AbortError (`sandbox-abort.ts`), after killing what it ran.
 */
export function createLocal(settings: LocalSettings): LocalSandboxProvider {
  const rootDir = resolve(settings.rootDir);
  const host = settings.host ?? '127.0.0.1';
  const commandPath = settings.path ?? [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
  const maxOutputCharacters = settings.maxOutputCharacters ?? defaultMaxOutputCharacters;
  const staticServerScript = join(rootDir, 'static-server.mjs');
  const store = createLocalMetadataStore(rootDir);

  /** Children started by this instance, per sandbox: running commands and the server. */
  const commands = new Map<string, Set<ChildProcess>>();
  const servers = new Map<string, ChildProcess>();
  let staticServerWritten: Promise<void> | undefined;
  let readiness: Promise<LocalIsolation> | undefined;

  /** Detects the isolation and readies the root for it, once (again after a failure). */
  function prepare(): Promise<LocalIsolation> {
    readiness ??= (async () => {
      const isolation = await detectLocalIsolation(settings.isolation);
      // Another user must traverse the root to reach its app/ (0711: it cannot list the sandboxes).
      await ensurePrivateFolder(rootDir, isolation.user ? 0o711 : 0o700);
      if (isolation.user) {
        for (const folder of settings.privateFolders ?? []) await makePrivate(folder);
      }
      return isolation;
    })().catch((error: unknown) => {
      readiness = undefined;
      throw error;
    });
    return readiness;
  }

  async function ownerOf(): Promise<FileOwner> {
    const { user } = await prepare();
    return user ? { uid: user.uid, gid: user.gid } : null;
  }

  function killCommands(sandboxId: string): void {
    for (const child of commands.get(sandboxId) ?? []) if (child.pid) killGroup(child.pid);
  }

  /** Kills the sandbox's server: ours if we started it, else the one its metadata records (if still ours). */
  async function killServer(sandboxId: string, metadata: LocalMetadata | null): Promise<void> {
    const child = servers.get(sandboxId);
    if (child?.pid) {
      servers.delete(sandboxId);
      killGroup(child.pid);
      await waitForExit(child, exitWaitMs);
    }
    const recorded = metadata?.server?.pid;
    if (recorded && recorded !== child?.pid && (await ownsProcessGroup(recorded, sandboxId))) {
      killGroup(recorded);
      await waitForPidExit(recorded, exitWaitMs);
    }
  }

  function ensureStaticServerScript(): Promise<void> {
    staticServerWritten ??= (async () => {
      await prepare();
      const existing = await readFile(staticServerScript, 'utf8').catch(() => null);
      // Readable by the sandbox's user, who runs it; written by us only.
      if (existing !== staticServerSource) await writeAtomically(staticServerScript, staticServerSource, { mode: 0o644 });
    })().catch((error: unknown) => {
      staticServerWritten = undefined;
      throw error;
    });
    return staticServerWritten;
  }

  /**
   * The whole environment of a command: nothing of this process's. PATH, HOME (the sandbox's own),
   * LANG, what the sandbox and the call were given, and our marker last, so no caller can change it.
   */
  function environment(sandboxId: string, metadata: LocalMetadata, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
    const paths = localSandboxPaths(rootDir, sandboxId);
    return { PATH: commandPath, HOME: paths.home, LANG: 'C.UTF-8', ...metadata.env, ...extra, [sandboxIdVariable]: sandboxId };
  }

  async function spawnIn(sandboxId: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildProcess> {
    const isolation = await prepare();
    return spawnIsolated(isolation, file, args, { cwd: localSandboxPaths(rootDir, sandboxId).app, env });
  }

  const provider: LocalSandboxProvider = {
    name: 'local',
    canRunCommands: true,

    async create(options: CreateSandboxOptions): Promise<SandboxInfo> {
      throwIfAborted(options.signal);
      const isolation = await prepare();
      const sandboxId = `local-${randomBytes(8).toString('hex')}`;
      const paths = localSandboxPaths(rootDir, sandboxId);
      await mkdir(paths.folder, { mode: isolation.user ? 0o711 : 0o700 });
      await mkdir(paths.app, { mode: 0o700 });
      await mkdir(paths.home, { mode: 0o700 });
      if (isolation.user) {
        for (const folder of [paths.app, paths.home]) await lchown(folder, isolation.user.uid, isolation.user.gid);
      }
      const now = new Date().toISOString();
      const metadata: LocalMetadata = {
        id: sandboxId,
        labels: { ...options.labels },
        state: 'started',
        env: { ...options.env },
        autoStopMinutes: options.autoStopMinutes,
        autoDeleteMinutes: options.autoDeleteMinutes,
        createdAt: now,
        lastActiveAt: now,
        server: null,
      };
      await store.write(metadata);
      return infoOf(metadata);
    },

    async get(sandboxId: string): Promise<SandboxInfo | null> {
      const metadata = await store.read(sandboxId);
      return metadata ? infoOf(metadata) : null;
    },

    async start(sandboxId: string): Promise<void> {
      await store.update(sandboxId, (metadata) => {
        metadata.state = 'started';
        metadata.lastActiveAt = new Date().toISOString();
      });
    },

    async uploadFiles(sandboxId: string, files: readonly SandboxFile[], signal?: AbortSignal): Promise<void> {
      throwIfAborted(signal);
      await store.readStarted(sandboxId);
      // Validate every path before writing any file: a refused batch writes nothing.
      const prepared = files.map((file) => ({ ...splitProjectPath(file.path), content: file.binary ? Buffer.from(file.content, 'base64') : file.content }));
      const owner = await ownerOf();
      const appReal = await realpath(localSandboxPaths(rootDir, sandboxId).app);
      for (const file of prepared) {
        throwIfAborted(signal);
        const parent = await parentInside(appReal, file.parents, true, owner);
        if (!parent) continue;
        const target = join(parent, file.name);
        const existing = await lstat(target).catch(() => null);
        if (existing?.isDirectory()) throw new ValidationError(`${relative(appReal, target)} is a folder, not a file`);
        // A new file, then rename over the target: a symlink there is replaced, never followed. The
        // sandbox's user owns it, so its commands may change it (npm, a build) as they could before.
        await writeAtomically(target, file.content, { owner });
      }
      await store.touch(sandboxId);
    },

    async deleteFiles(sandboxId: string, paths: readonly string[]): Promise<void> {
      await store.readStarted(sandboxId);
      const prepared = paths.map(splitProjectPath);
      const appReal = await realpath(localSandboxPaths(rootDir, sandboxId).app);
      for (const file of prepared) {
        const parent = await parentInside(appReal, file.parents, false);
        if (!parent) continue;
        const target = join(parent, file.name);
        const existing = await lstat(target).catch(() => null);
        if (!existing) continue;
        // A symlink is removed itself (unlink never follows it); a folder with what is inside it.
        if (existing.isDirectory()) await rm(target, { recursive: true, force: true });
        else await unlink(target);
      }
      await store.touch(sandboxId);
    },

    async runCommand(sandboxId: string, options: RunCommandOptions): Promise<CommandResult> {
      await store.readStarted(sandboxId);
      const metadata = await store.touch(sandboxId);
      throwIfAborted(options.signal);
      const startedAt = Date.now();
      const output = new OutputTail(maxOutputCharacters);

      // The command line is shell by design (the model wrote it); no shell string is built here.
      const child = await spawnIn(sandboxId, 'sh', ['-c', options.command], environment(sandboxId, metadata, options.env));
      const running = commands.get(sandboxId) ?? new Set<ChildProcess>();
      commands.set(sandboxId, running);
      running.add(child);

      return new Promise<CommandResult>((resolve, reject) => {
        let timedOut = false;
        let killed = false;
        let exitCode: number | null = null;
        let graceTimer: NodeJS.Timeout | undefined;
        let finished = false;

        const kill = () => {
          killed = true;
          if (child.pid) killGroup(child.pid);
        };
        const onAbort = () => kill();
        // setTimeout fires at once for delays above 2^31 - 1 ms; no command needs 24 days anyway.
        const timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, Math.min(Math.max(options.timeoutMs, 0), 2_147_483_647));
        options.signal?.addEventListener('abort', onAbort, { once: true });
        if (options.signal?.aborted) kill(); // aborted while the sandbox was looked up

        const finish = (error?: unknown) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          clearTimeout(graceTimer);
          options.signal?.removeEventListener('abort', onAbort);
          running.delete(child);
          if (running.size === 0 && commands.get(sandboxId) === running) commands.delete(sandboxId);
          // The process group is dead by now: an abort is reported only once nothing runs any more.
          if (options.signal?.aborted) return reject(abortError(options.signal));
          if (error) {
            return reject(new SandboxError(`Command could not start: ${error instanceof Error ? error.message : String(error)}`, { retryable: false, code: 'SANDBOX_COMMAND_NOT_STARTED', cause: error }));
          }
          resolve({ exitCode: killed ? null : exitCode, output: output.text(), timedOut, durationMs: Date.now() - startedAt });
        };

        streamOutput(child, (stream, text) => {
          output.append(text);
          emitOutput(options.onOutput, stream, text);
        });
        child.on('error', (error) => finish(error));
        child.once('exit', (code) => {
          exitCode = code;
          // Whatever it left running in the background goes too: long-running work is startServer's.
          if (child.pid) killGroup(child.pid);
          // Wait for the pipes to drain ('close'), but not forever: a grandchild that left the group
          // (setsid) may hold them open.
          graceTimer = setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish();
          }, closeGraceMs);
        });
        child.once('close', () => finish());
      });
    },

    async startServer(sandboxId: string, options: StartServerOptions): Promise<void> {
      await store.readStarted(sandboxId);
      if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
        throw new ValidationError(`Port ${options.port} is not a TCP port`);
      }
      const paths = localSandboxPaths(rootDir, sandboxId);
      const command = options.command.trim();
      const useStaticServer = command === '' || command === STATIC_SERVER_COMMAND;
      if (useStaticServer) await ensureStaticServerScript();

      await store.withLock(sandboxId, async () => {
        const metadata = await store.readOrThrow(sandboxId);
        await killServer(sandboxId, metadata);
        const env = { ...environment(sandboxId, metadata, options.env), PORT: String(options.port), HOST: host, [sandboxIdVariable]: sandboxId };
        const child = useStaticServer
          ? await spawnIn(sandboxId, process.execPath, [staticServerScript, paths.app, String(options.port), host], env)
          : await spawnIn(sandboxId, 'sh', ['-c', command], env);
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('spawn', () => resolve(child.pid!));
          child.once('error', (error) => reject(new SandboxError(`Server could not start: ${error.message}`, { retryable: false, code: 'SANDBOX_SERVER_NOT_STARTED', cause: error })));
        });
        // Kill errors are handled where we kill; an unhandled 'error' event would crash the process.
        child.on('error', () => undefined);
        servers.set(sandboxId, child);
        streamOutput(child, (stream, text) => emitOutput(options.onOutput, stream, text));
        child.once('exit', (code, signal) => {
          if (servers.get(sandboxId) === child) servers.delete(sandboxId);
          emitOutput(options.onOutput, 'stderr', `\n[server exited ${code === null ? `on ${signal}` : `with code ${code}`}]\n`);
          // Forget the pid unless a newer server replaced it; the sandbox may be gone already.
          void store
            .update(sandboxId, (latest) => {
              if (latest.server?.pid === pid) latest.server = null;
            })
            .catch(() => undefined);
        });
        const now = new Date().toISOString();
        metadata.server = { pid, port: options.port, command: useStaticServer ? STATIC_SERVER_COMMAND : command, startedAt: now };
        metadata.lastActiveAt = now;
        await store.write(metadata);
      });
    },

    /** A free port on this host: every local sandbox shares its ports, so 3000 would collide. */
    async choosePort(sandboxId: string): Promise<number> {
      await store.readOrThrow(sandboxId);
      return findFreePort();
    },

    async previewUrl(sandboxId: string, port: number): Promise<PreviewLink> {
      await store.readOrThrow(sandboxId);
      // Development only: the browser is on this host, and the link does not expire.
      return { url: `http://${host}:${port}/`, expiresAt: null };
    },

    async stop(sandboxId: string): Promise<void> {
      await store.withLock(sandboxId, async () => {
        const metadata = await store.readOrThrow(sandboxId);
        killCommands(sandboxId);
        await killServer(sandboxId, metadata);
        metadata.state = 'stopped';
        metadata.server = null;
        await store.write(metadata);
      });
    },

    async delete(sandboxId: string): Promise<void> {
      if (!localSandboxIdPattern.test(sandboxId)) return;
      await store.withLock(sandboxId, async () => {
        const metadata = await store.read(sandboxId).catch(() => null);
        killCommands(sandboxId);
        await killServer(sandboxId, metadata);
        await rm(localSandboxPaths(rootDir, sandboxId).folder, { recursive: true, force: true, maxRetries: 3 });
      });
    },

    async list(labels: SandboxLabels): Promise<SandboxInfo[]> {
      const entries = await readdir(rootDir).catch((error: unknown) => {
        if (isErrno(error, 'ENOENT')) return [] as string[];
        throw error;
      });
      const found: SandboxInfo[] = [];
      for (const entry of entries.filter((name) => localSandboxIdPattern.test(name)).sort()) {
        const metadata = await store.read(entry).catch(() => null);
        if (!metadata) continue;
        if (Object.entries(labels).every(([key, value]) => metadata.labels[key] === value)) found.push(infoOf(metadata));
      }
      return found;
    },

    isolation: prepare,

    killAll(): void {
      for (const sandboxId of commands.keys()) killCommands(sandboxId);
      for (const child of servers.values()) if (child.pid) killGroup(child.pid);
      servers.clear();
    },

    close(): void {
      provider.killAll();
    },
  };
  return provider;
}

/** Takes group and other access away from a folder of ours (a missing one is made so). */
async function makePrivate(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const stats = await stat(folder);
  if (process.getuid && stats.uid !== process.getuid()) return; // not ours to change
  if ((stats.mode & 0o077) !== 0) await chmod(folder, stats.mode & 0o700);
}
