/**
 * The `local` sandbox: a folder and child processes on this host. DEVELOPMENT ONLY: it runs generated
 * code with this user's rights and no isolation beyond a working directory and a minimal environment;
 * config allows it only while the API listens on 127.0.0.1.
 *
 * Layout under `rootDir` (the data dir's `sandboxes/`), one folder per sandbox:
 *
 *     <rootDir>/static-server.mjs      the built-in static server (written on first use)
 *     <rootDir>/local-<hex>/sandbox.json   labels, state, times, the running server's pid and port
 *     <rootDir>/local-<hex>/app/       the project's files; commands and servers run here
 *     <rootDir>/local-<hex>/home/      HOME of commands (npm's cache and the like stay out of app/)
 *
 * The metadata lives outside `app/` so the static server never serves it, and it is re-read on every
 * call, so `get`/`list`/`stop` work after this process restarts. Every command and server runs in its
 * own process group (`detached`), so a timeout, an abort or `stop` kills it with everything it spawned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative, sep, isAbsolute } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { normalizeProjectPath, ValidationError } from '@everjust/core';
import { staticServerSource } from './local-static-server.js';
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

export interface LocalSettings {
  /** Where sandbox folders live (the data dir's `sandboxes/`); created when missing. */
  rootDir: string;
  /** The only address servers bind to and previews point at. */
  host?: '127.0.0.1';
  /**
   * PATH of commands. Defaults to the folder of the node running this process (so `node`, `npm` and
   * `npx` are the same as ours) followed by the usual system folders.
   */
  path?: string;
  /** Characters of a command's combined output kept (its tail); 64 k by default. */
  maxOutputCharacters?: number;
}

/** The `local` provider, plus what a composition root needs at shutdown. */
export interface LocalSandboxProvider extends SandboxProvider {
  readonly name: 'local';
  /** Always present here: a free port on 127.0.0.1 (`findFreePort`). */
  choosePort(sandboxId: string): Promise<number>;
  /**
   * Kills, synchronously, every command and server this instance started (their sandboxes keep their
   * state, with no server). Call it when the process shuts down: servers run in their own process
   * groups, so Ctrl-C on the API does not reach them.
   */
  killAll(): void;
}

/** The start command that serves the sandbox's files with the built-in static server (`STATIC_SERVER_COMMAND`). */
export function staticServerCommand(): string {
  return STATIC_SERVER_COMMAND;
}

/**
 * The start command for a project: `npm start` when its package.json (given as text, or null when the
 * project has none) declares a `start` script, else the built-in static server.
 */
export function startCommandFor(packageJson: string | null): string {
  if (packageJson === null) return staticServerCommand();
  try {
    const parsed: unknown = JSON.parse(packageJson);
    const scripts = (parsed as { scripts?: unknown } | null)?.scripts;
    const start = scripts && typeof scripts === 'object' ? (scripts as Record<string, unknown>).start : undefined;
    return typeof start === 'string' && start.trim() !== '' ? 'npm start' : staticServerCommand();
  } catch {
    return staticServerCommand();
  }
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). Another process may still take it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('No port was assigned'))));
    });
  });
}

/** Where a local sandbox keeps its parts (see the layout at the top of this file). */
export function localSandboxPaths(rootDir: string, sandboxId: string) {
  const folder = join(rootDir, sandboxId);
  return { folder, app: join(folder, 'app'), home: join(folder, 'home'), metadata: join(folder, 'sandbox.json') };
}

interface LocalMetadata {
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

const idPattern = /^local-[0-9a-f]{16}$/;
const defaultMaxOutputCharacters = 64 * 1024;
/** After a command exits, how long its pipes may stay open (a grandchild that escaped its group). */
const closeGraceMs = 500;
/** How long a replaced or stopped server may take to die before we go on. */
const exitWaitMs = 3_000;
/** Marks our processes, so a pid read back after a restart is killed only if it is still ours. */
const sandboxIdVariable = 'EVERJUST_SANDBOX_ID';

function notFound(sandboxId: string): SandboxError {
  return new SandboxError(`Sandbox ${sandboxId} not found`, { retryable: false });
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/** Sends SIGKILL to a whole process group; a group that is already gone is fine. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if (!isErrno(error, 'ESRCH')) throw error;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

/**
 * Whether a recorded server pid may be killed as a group. If the leader still exists it must carry our
 * sandbox id in its environment (Linux `/proc`), else the pid was reused by a stranger. If it is gone, a
 * group with that id can only be ours (an id is not reused while its group lives), so killing is safe.
 */
async function ownsProcessGroup(pid: number, sandboxId: string): Promise<boolean> {
  if (!isAlive(pid)) return true;
  try {
    // A zombie leader (orphaned after our restart, not yet reaped) still holds its pid, so the group
    // is ours; its environment reads empty, so it must be recognized here.
    const status = await readFile(`/proc/${pid}/stat`, 'latin1');
    if (status.slice(status.lastIndexOf(')') + 2).startsWith('Z')) return true;
    const environment = await readFile(`/proc/${pid}/environ`, 'latin1');
    return environment.split('\u0000').includes(`${sandboxIdVariable}=${sandboxId}`);
  } catch (error) {
    // No /proc (macOS): trust the record, as a development tool may.
    if (isErrno(error, 'ENOENT') && !(await lstat('/proc/self').then(() => true, () => false))) return true;
    return false;
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitForPidExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Writes a file whole (temp file, then rename), so readers never see half of it. */
async function writeAtomically(path: string, content: string): Promise<void> {
  // A short dotted name in the same folder: a rename within one folder is atomic, the name stays
  // under NAME_MAX however long the target's is, and the static server never serves dotfiles.
  const temporary = join(dirname(path), `.everjust-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temporary, content, { flag: 'wx' });
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Calls an output callback; a throwing callback must not take the process or the command down. */
function emit(onOutput: RunCommandOptions['onOutput'], stream: 'stdout' | 'stderr', text: string): void {
  if (!onOutput || text === '') return;
  try {
    onOutput(stream, text);
  } catch {
    // The caller's problem; the command goes on.
  }
}

/** Pipes a child's stdout and stderr, decoded as UTF-8 across chunk boundaries, to `sink`. */
function streamOutput(child: ChildProcess, sink: (stream: 'stdout' | 'stderr', text: string) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = child[stream];
    if (!readable) continue;
    const decoder = new StringDecoder('utf8');
    readable.on('data', (chunk: Buffer) => sink(stream, decoder.write(chunk)));
    readable.on('end', () => sink(stream, decoder.end()));
    readable.on('error', () => undefined);
  }
}

/** Keeps the tail of a stream of text, in bounded memory. */
class OutputTail {
  private text = '';
  private dropped = 0;

  constructor(private readonly limit: number) {}

  append(text: string): void {
    this.text += text;
    if (this.text.length > this.limit * 2) this.trim();
  }

  toString(): string {
    this.trim();
    return this.dropped > 0 ? `[${this.dropped} earlier characters dropped]\n${this.text}` : this.text;
  }

  private trim(): void {
    if (this.text.length <= this.limit) return;
    this.dropped += this.text.length - this.limit;
    this.text = this.text.slice(-this.limit);
  }
}

/**
 * Makes the `local` provider. DEVELOPMENT ONLY (see the top of this file). Paths are re-validated
 * here, whatever the caller did: refusals are `ValidationError`s (BAD_USER_INPUT, so the model sees them
 * and can correct itself); an unknown sandbox or a stopped one is a `SandboxError`.
 */
export function createLocal(settings: LocalSettings): LocalSandboxProvider {
  const rootDir = settings.rootDir;
  const host = settings.host ?? '127.0.0.1';
  const commandPath = settings.path ?? [dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':');
  const maxOutputCharacters = settings.maxOutputCharacters ?? defaultMaxOutputCharacters;
  const staticServerScript = join(rootDir, 'static-server.mjs');

  /** Children started by this instance, per sandbox: running commands and the server. */
  const commands = new Map<string, Set<ChildProcess>>();
  const servers = new Map<string, ChildProcess>();
  /** Serializes metadata updates per sandbox, so two calls never lose each other's write. */
  const locks = new Map<string, Promise<unknown>>();
  let staticServerWritten: Promise<void> | undefined;

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

  async function readMetadata(sandboxId: string): Promise<LocalMetadata | null> {
    if (!idPattern.test(sandboxId)) return null;
    try {
      return JSON.parse(await readFile(localSandboxPaths(rootDir, sandboxId).metadata, 'utf8')) as LocalMetadata;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return null;
      throw new SandboxError(`Sandbox ${sandboxId} has unreadable metadata`, { retryable: false, cause: error });
    }
  }

  async function requireMetadata(sandboxId: string): Promise<LocalMetadata> {
    const metadata = await readMetadata(sandboxId);
    if (!metadata) throw notFound(sandboxId);
    return metadata;
  }

  /** Reads, changes and writes a sandbox's metadata under its lock; returns what was written. */
  function update(sandboxId: string, change: (metadata: LocalMetadata) => void): Promise<LocalMetadata> {
    return withLock(sandboxId, async () => {
      const metadata = await requireMetadata(sandboxId);
      change(metadata);
      await writeAtomically(localSandboxPaths(rootDir, sandboxId).metadata, `${JSON.stringify(metadata, null, 2)}\n`);
      return metadata;
    });
  }

  async function requireStarted(sandboxId: string): Promise<LocalMetadata> {
    const metadata = await requireMetadata(sandboxId);
    if (metadata.state !== 'started') throw new SandboxError(`Sandbox ${sandboxId} is stopped; start it first`, { retryable: false });
    return metadata;
  }

  function touch(sandboxId: string): Promise<LocalMetadata> {
    return update(sandboxId, (metadata) => {
      metadata.lastActiveAt = new Date().toISOString();
    });
  }

  function infoOf(metadata: LocalMetadata): SandboxInfo {
    return { id: metadata.id, provider: 'local', state: metadata.state, labels: { ...metadata.labels } };
  }

  function environment(sandboxId: string, metadata: LocalMetadata, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
    const paths = localSandboxPaths(rootDir, sandboxId);
    return {
      PATH: commandPath,
      HOME: paths.home,
      LANG: 'C.UTF-8',
      ...metadata.env,
      ...extra,
      // Last, so no caller can change it: it is how a pid read back after a restart is recognized.
      [sandboxIdVariable]: sandboxId,
    };
  }

  /**
   * The directory a project path's file goes in, as a real path inside the app folder. Parents are
   * created one at a time; an existing parent that is a symlink must resolve inside the app folder.
   */
  async function parentInside(appReal: string, segments: readonly string[], create: boolean): Promise<string | null> {
    let current = appReal;
    for (const segment of segments) {
      const next = join(current, segment);
      let stats;
      try {
        stats = await lstat(next);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw error;
        if (!create) return null;
        await mkdir(next);
        current = next;
        continue;
      }
      if (stats.isSymbolicLink()) {
        const real = await realpath(next).catch(() => null);
        if (!real || !isInside(appReal, real)) throw new ValidationError(`File path leaves the sandbox through the symlink ${relative(appReal, next)}`);
        current = real;
      } else if (stats.isDirectory()) {
        current = next;
      } else {
        throw new ValidationError(`${relative(appReal, next)} is a file, not a folder`);
      }
    }
    return current;
  }

  /** A validated project path, split into its parent folders and its file name. */
  function split(path: string): { parents: string[]; name: string } {
    const segments = normalizeProjectPath(path).split('/');
    return { parents: segments.slice(0, -1), name: segments[segments.length - 1] };
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
      const existing = await readFile(staticServerScript, 'utf8').catch(() => null);
      if (existing !== staticServerSource) await writeAtomically(staticServerScript, staticServerSource);
    })().catch((error: unknown) => {
      staticServerWritten = undefined;
      throw error;
    });
    return staticServerWritten;
  }

  const provider: LocalSandboxProvider = {
    name: 'local',
    canRunCommands: true,

    async create(options: CreateSandboxOptions): Promise<SandboxInfo> {
      options.signal?.throwIfAborted();
      const sandboxId = `local-${randomBytes(8).toString('hex')}`;
      const paths = localSandboxPaths(rootDir, sandboxId);
      await mkdir(rootDir, { recursive: true });
      await mkdir(paths.folder);
      await mkdir(paths.app);
      await mkdir(paths.home);
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
      await writeAtomically(paths.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
      return infoOf(metadata);
    },

    async get(sandboxId: string): Promise<SandboxInfo | null> {
      const metadata = await readMetadata(sandboxId);
      return metadata ? infoOf(metadata) : null;
    },

    async start(sandboxId: string): Promise<void> {
      await update(sandboxId, (metadata) => {
        metadata.state = 'started';
        metadata.lastActiveAt = new Date().toISOString();
      });
    },

    async uploadFiles(sandboxId: string, files: readonly SandboxFile[], signal?: AbortSignal): Promise<void> {
      await requireStarted(sandboxId);
      // Validate every path before writing any file: a refused batch writes nothing.
      const prepared = files.map((file) => ({ ...split(file.path), content: file.content }));
      const appReal = await realpath(localSandboxPaths(rootDir, sandboxId).app);
      for (const file of prepared) {
        signal?.throwIfAborted();
        const parent = await parentInside(appReal, file.parents, true);
        if (!parent) continue;
        const target = join(parent, file.name);
        const existing = await lstat(target).catch(() => null);
        if (existing?.isDirectory()) throw new ValidationError(`${relative(appReal, target)} is a folder, not a file`);
        // A new file, then rename over the target: a symlink there is replaced, never followed.
        await writeAtomically(target, file.content);
      }
      await touch(sandboxId);
    },

    async deleteFiles(sandboxId: string, paths: readonly string[]): Promise<void> {
      await requireStarted(sandboxId);
      const prepared = paths.map(split);
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
      await touch(sandboxId);
    },

    async runCommand(sandboxId: string, options: RunCommandOptions): Promise<CommandResult> {
      await requireStarted(sandboxId);
      const metadata = await touch(sandboxId);
      const startedAt = Date.now();
      const output = new OutputTail(maxOutputCharacters);
      if (options.signal?.aborted) return { exitCode: null, output: '', timedOut: false, durationMs: 0 };

      // The command line is shell by design (the model wrote it); no shell string is built here.
      const child = spawn('sh', ['-c', options.command], {
        cwd: localSandboxPaths(rootDir, sandboxId).app,
        env: environment(sandboxId, metadata, options.env),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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

        const finish = (error?: unknown) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          clearTimeout(graceTimer);
          options.signal?.removeEventListener('abort', onAbort);
          running.delete(child);
          if (running.size === 0 && commands.get(sandboxId) === running) commands.delete(sandboxId);
          if (error) {
            reject(new SandboxError(`Command could not start: ${error instanceof Error ? error.message : String(error)}`, { retryable: false, cause: error }));
            return;
          }
          resolve({ exitCode: killed ? null : exitCode, output: output.toString(), timedOut, durationMs: Date.now() - startedAt });
        };

        streamOutput(child, (stream, text) => {
          output.append(text);
          emit(options.onOutput, stream, text);
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
      await requireStarted(sandboxId);
      if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
        throw new ValidationError(`Port ${options.port} is not a TCP port`);
      }
      const paths = localSandboxPaths(rootDir, sandboxId);
      const command = options.command.trim();
      const useStaticServer = command === '' || command === staticServerCommand();
      if (useStaticServer) await ensureStaticServerScript();

      await withLock(sandboxId, async () => {
        const metadata = await requireMetadata(sandboxId);
        await killServer(sandboxId, metadata);
        const env = { ...environment(sandboxId, metadata, options.env), PORT: String(options.port), HOST: host, [sandboxIdVariable]: sandboxId };
        const child = useStaticServer
          ? spawn(process.execPath, [staticServerScript, paths.app, String(options.port), host], { cwd: paths.app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn('sh', ['-c', command], { cwd: paths.app, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const pid = await new Promise<number>((resolve, reject) => {
          child.once('spawn', () => resolve(child.pid!));
          child.once('error', (error) => reject(new SandboxError(`Server could not start: ${error.message}`, { retryable: false, cause: error })));
        });
        // Kill errors are handled where we kill; an unhandled 'error' event would crash the process.
        child.on('error', () => undefined);
        servers.set(sandboxId, child);
        streamOutput(child, (stream, text) => emit(options.onOutput, stream, text));
        child.once('exit', (code, signal) => {
          if (servers.get(sandboxId) === child) servers.delete(sandboxId);
          emit(options.onOutput, 'stderr', `\n[server exited ${code === null ? `on ${signal}` : `with code ${code}`}]\n`);
          // Forget the pid unless a newer server replaced it; the sandbox may be gone already.
          void update(sandboxId, (latest) => {
            if (latest.server?.pid === pid) latest.server = null;
          }).catch(() => undefined);
        });
        const now = new Date().toISOString();
        metadata.server = { pid, port: options.port, command: useStaticServer ? staticServerCommand() : command, startedAt: now };
        metadata.lastActiveAt = now;
        await writeAtomically(paths.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
      });
    },

    /** A free port on this host: every local sandbox shares its ports, so 3000 would collide. */
    async choosePort(sandboxId: string): Promise<number> {
      await requireMetadata(sandboxId);
      return findFreePort();
    },

    async previewUrl(sandboxId: string, port: number): Promise<PreviewLink> {
      await requireMetadata(sandboxId);
      // Development only: the browser is on this host, and the link does not expire.
      return { url: `http://${host}:${port}/`, expiresAt: null };
    },

    async stop(sandboxId: string): Promise<void> {
      await withLock(sandboxId, async () => {
        const metadata = await requireMetadata(sandboxId);
        killCommands(sandboxId);
        await killServer(sandboxId, metadata);
        metadata.state = 'stopped';
        metadata.server = null;
        await writeAtomically(localSandboxPaths(rootDir, sandboxId).metadata, `${JSON.stringify(metadata, null, 2)}\n`);
      });
    },

    async delete(sandboxId: string): Promise<void> {
      if (!idPattern.test(sandboxId)) return;
      await withLock(sandboxId, async () => {
        const metadata = await readMetadata(sandboxId).catch(() => null);
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
      for (const entry of entries.filter((name) => idPattern.test(name)).sort()) {
        const metadata = await readMetadata(entry).catch(() => null);
        if (!metadata) continue;
        if (Object.entries(labels).every(([key, value]) => metadata.labels[key] === value)) found.push(infoOf(metadata));
      }
      return found;
    },

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
