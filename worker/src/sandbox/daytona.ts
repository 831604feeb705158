import { randomUUID } from 'node:crypto';
import {
  Daytona,
  type CreateSandboxFromImageParams,
  type CreateSandboxFromSnapshotParams,
  type Sandbox,
} from '@daytonaio/sdk';
import { guard, isNotFound } from './daytona-errors.js';
import { staticServerSource } from './local-static-server.js';
import { OutputTail } from './output-tail.js';
import { abortError, untilAborted } from './sandbox-abort.js';
import {
  SandboxError,
  STATIC_SERVER_COMMAND,
  type CommandResult,
  type CreateSandboxOptions,
  type RunCommandOptions,
  type SandboxFile,
  type SandboxInfo,
  type SandboxLabels,
  type SandboxProvider,
  type StartServerOptions,
} from './sandbox-provider.js';

export interface DaytonaSettings {
  apiKey: string;
  /** Always passed to the SDK, so it never takes the endpoint from `DAYTONA_API_URL` (see below). */
  apiUrl: string;
  /** The region (`us`, `eu`); when omitted the SDK may take `DAYTONA_TARGET` from the environment or `.env`. */
  target?: string;
  /** Deadline of one HTTP request without a timeout of its own (default 60 s; the SDK's own default is 24 h). */
  requestTimeoutMs?: number;
  /** The image sandboxes are built from when no snapshot is set (default {@link DEFAULT_IMAGE}). */
  image?: string;
  /** A prepared snapshot to create sandboxes from instead of an image: faster, but it fixes the resources. */
  snapshot?: string;
}

/**
 * Node 22 LTS on Debian 12, slim: `node`, `npm` and `sh` (coreutils), which is what a generated Node or static web
 * app needs. Daytona builds a snapshot from it on first use (slow once, cached by the Dockerfile afterwards).
 * An image rather than Daytona's default snapshot (which has Node too) because only sandboxes made from an image
 * may be given resources: the API answers 400 "Cannot specify Sandbox resources when using a snapshot".
 */
export const DEFAULT_IMAGE = 'node:22-bookworm-slim';

/** Where uploaded files go and commands run; the paths the pipeline gives are relative to it. */
export const APP_ROOT = '/home/daytona/app';

/** The built-in static file server (the one `local` uses), kept outside the app root so it is never served. */
const STATIC_SERVER_PATH = '/home/daytona/.everjust/static-server.mjs';

/** The one session per sandbox that runs the preview server; starting a server again replaces it. */
const SERVER_SESSION = 'everjust-server';

/** Room for a first build from {@link DEFAULT_IMAGE}; later creates take seconds. */
const CREATE_TIMEOUT_SECONDS = 300;
const LIFECYCLE_TIMEOUT_SECONDS = 120;
const UPLOAD_TIMEOUT_SECONDS = 120;
/** The combined output kept of a command (its tail). */
const OUTPUT_LIMIT = 64 * 1024;
/** How long after its log stream ends a command's exit code may take to be recorded. */
const EXIT_CODE_GRACE_MS = 2_000;
const CACHE_LIMIT = 100;
/** A server's output is polled this often, for this long (the preview step waits 60 s by default). */
const SERVER_OUTPUT_POLL_MS = 1_000;
const SERVER_OUTPUT_FOLLOW_MS = 5 * 60_000;

/**
 * Daytona sandboxes as a {@link SandboxProvider}, through the official SDK (`@daytonaio/sdk` 0.218).
 * The client (and so the key) is made on first use.
 *
 * Configuration does not depend on the environment: `apiUrl` is always passed, so the SDK neither reads
 * `DAYTONA_API_URL` nor refuses to start when a `.env` in the working directory and the environment both set
 * it (only `target`, when not given, may still come from `DAYTONA_TARGET` there). Request timeouts are explicit
 * (the SDK's default is 24 h). `useDeprecatedPolling` keeps the SDK from
 * opening a socket.io connection per client and per sandbox object (with reconnect loops when it cannot):
 * sandbox states are polled instead (every 100 ms at first, backing off to 1 s).
 *
 * - Sandboxes are made from {@link DEFAULT_IMAGE} (or `settings.image`) with the requested resources, or from
 *   `settings.snapshot` when set, which then ignores the resources. `autoDeleteMinutes: null` is sent as
 *   `autoDeleteInterval: -1`, Daytona's "never". The SDK adds its own label `code-toolbox-language`.
 * - Files go under {@link APP_ROOT} in one multipart request; commands run there.
 * - `startServer` runs the command (with `PORT` set) in one long-lived session per sandbox, replacing the
 *   one before; `STATIC_SERVER_COMMAND` runs the built-in static server (`local-static-server.ts`) with the
 *   sandbox's `node`, written to {@link STATIC_SERVER_PATH} first. Its output is polled (see
 *   `followServerOutput`) rather than streamed, so that `close()` can stop following it.
 * - `runCommand` runs the command in a session of its own (`sh -c`, so an `exit` or `cd` cannot touch the
 *   session's shell), follows its output over the toolbox's log WebSocket, then reads the exit code. On
 *   timeout or abort it deletes the session, which makes the daemon kill the process tree (SIGTERM, then
 *   SIGKILL): the SDK 0.218 has no other way to stop a command or its log stream.
 * - Errors are {@link SandboxError}s classified in `daytona-errors.ts`: retryable for connection errors,
 *   timeouts, 429 and 5xx, not for other 4xx or a sandbox in an error state. On abort, the providers' one
 *   AbortError (`sandbox-abort.ts`).
 */
export function createDaytona(settings: DaytonaSettings): SandboxProvider & { close(): Promise<void> } {
  let client: Daytona | undefined;
  const getClient = (): Daytona => {
    if (!settings.apiKey) throw new SandboxError('The Daytona API key is not set.', { retryable: false, code: 'SANDBOX_NOT_CONFIGURED' });
    client ??= new Daytona({
      apiKey: settings.apiKey,
      apiUrl: settings.apiUrl,
      ...(settings.target ? { target: settings.target } : {}),
      requestTimeoutMs: settings.requestTimeoutMs ?? 60_000,
      useDeprecatedPolling: true,
    });
    return client;
  };

  // Sandbox objects carry the toolbox URL: keeping the recent ones saves a GET before each toolbox call.
  const cache = new Map<string, Sandbox>();
  const remember = (sandbox: Sandbox): Sandbox => {
    cache.delete(sandbox.id);
    cache.set(sandbox.id, sandbox);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    return sandbox;
  };
  const sandboxFor = async (sandboxId: string): Promise<Sandbox> =>
    cache.get(sandboxId) ?? remember(await getClient().get(sandboxId));
  /** Servers whose output is being followed; `close` stops them. */
  const followers = new Set<AbortController>();

  return {
    name: 'daytona',
    canRunCommands: true,

    async create(options: CreateSandboxOptions): Promise<SandboxInfo> {
      const { signal } = options;
      if (signal?.aborted) throw abortError(signal);
      const base = {
        language: 'javascript',
        labels: { ...options.labels },
        envVars: { ...options.env },
        autoStopInterval: options.autoStopMinutes,
        autoDeleteInterval: options.autoDeleteMinutes ?? -1,
      };
      const params: CreateSandboxFromSnapshotParams | CreateSandboxFromImageParams = settings.snapshot
        ? { ...base, snapshot: settings.snapshot }
        : {
            ...base,
            image: settings.image ?? DEFAULT_IMAGE,
            resources: {
              cpu: options.resources?.cpu,
              memory: options.resources?.memoryGiB,
              disk: options.resources?.diskGiB,
            },
          };
      const creating = guard('create a sandbox', () => getClient().create(params, { timeout: CREATE_TIMEOUT_SECONDS }));
      // The SDK takes no signal: on abort stop waiting, and delete the sandbox once it exists.
      const sandbox = await untilAborted(creating, signal, (late) => {
        void late.delete(LIFECYCLE_TIMEOUT_SECONDS).catch(() => undefined);
      });
      return toInfo(remember(sandbox));
    },

    async get(sandboxId: string): Promise<SandboxInfo | null> {
      try {
        const sandbox = await guard('get a sandbox', () => getClient().get(sandboxId));
        if (isGone(sandbox.state)) {
          cache.delete(sandboxId);
          return null;
        }
        return toInfo(remember(sandbox));
      } catch (error) {
        if (!isNotFound(error)) throw error;
        cache.delete(sandboxId);
        return null;
      }
    },

    async start(sandboxId: string): Promise<void> {
      await guard('start a sandbox', async () => (await sandboxFor(sandboxId)).start(LIFECYCLE_TIMEOUT_SECONDS));
    },

    async uploadFiles(sandboxId: string, files: readonly SandboxFile[], signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) throw abortError(signal);
      if (files.length === 0) return;
      const uploads = files.map((file) => ({ source: Buffer.from(file.content, file.binary ? 'base64' : 'utf8'), destination: appPath(file.path) }));
      // A Buffer, never a string: the SDK reads a string source as a path on this machine.
      const uploading = guard('upload files', async () =>
        (await sandboxFor(sandboxId)).fs.uploadFiles(uploads, UPLOAD_TIMEOUT_SECONDS));
      await untilAborted(uploading, signal);
    },

    async deleteFiles(sandboxId: string, paths: readonly string[]): Promise<void> {
      const targets = paths.map(appPath);
      await guard('delete files', async () => {
        const sandbox = await sandboxFor(sandboxId);
        for (let index = 0; index < targets.length; index += 8) {
          await Promise.all(targets.slice(index, index + 8).map(async (path) => {
            try {
              await sandbox.fs.deleteFile(path);
            } catch (error) {
              if (!isNotFound(error)) throw error; // already gone is what was asked
            }
          }));
        }
      });
    },

    async runCommand(sandboxId: string, options: RunCommandOptions): Promise<CommandResult> {
      const started = performance.now();
      const { signal } = options;
      if (signal?.aborted) throw abortError(signal);
      const commandLine = wrapCommand(options.command, options.env);
      const sandbox = await guard('reach the sandbox', () => sandboxFor(sandboxId));
      const sessionId = `everjust-run-${randomUUID()}`;
      const output = new OutputTail(OUTPUT_LIMIT);
      const seen = { stdout: 0, stderr: 0 };
      let open = true; // no output is reported after the result (the log socket may outlive a kill briefly)
      const emit = (stream: 'stdout' | 'stderr', text: string) => {
        if (!open || text === '') return;
        seen[stream] += text.length;
        output.append(text);
        options.onOutput?.(stream, text);
      };

      // Settles with why the command must stop; the session's deletion (in `finally`) then kills it.
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, options.timeoutMs - (performance.now() - started)));
        onAbort = () => resolve('aborted');
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) onAbort(); // aborted while the sandbox was looked up
      });
      const result = (exitCode: number | null, timedOut: boolean): CommandResult => {
        open = false;
        return { exitCode, output: output.text(), timedOut, durationMs: Math.round(performance.now() - started) };
      };

      try {
        const finished = guard('run a command', async () => {
          await sandbox.process.createSession(sessionId);
          const { cmdId } = await sandbox.process.executeSessionCommand(sessionId, {
            command: commandLine,
            runAsync: true,
          });
          let streamed = true;
          await sandbox.process
            .getSessionCommandLogs(sessionId, cmdId, (text) => emit('stdout', text), (text) => emit('stderr', text))
            .catch(() => { streamed = false; }); // e.g. a proxy without WebSockets: poll instead
          const exitCode = await waitForExitCode(sandbox, sessionId, cmdId, streamed ? EXIT_CODE_GRACE_MS : Number.POSITIVE_INFINITY);
          if (!streamed) {
            // Report what the stream did not deliver, from the stored logs.
            const logs = await sandbox.process.getSessionCommandLogs(sessionId, cmdId);
            emit('stdout', (logs.stdout ?? '').slice(seen.stdout));
            emit('stderr', (logs.stderr ?? '').slice(seen.stderr));
          }
          return exitCode;
        });
        finished.catch(() => undefined); // it may lose the race below and fail afterwards
        const outcome = await Promise.race([finished.then((exitCode) => ({ exitCode })), stopped.then((reason) => ({ reason }))]);
        if ('exitCode' in outcome) return result(outcome.exitCode, false);
        if (outcome.reason === 'aborted') throw abortError(signal as AbortSignal);
        return result(null, true);
      } finally {
        open = false;
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        await sandbox.process.deleteSession(sessionId).catch(() => undefined);
      }
    },

    async startServer(sandboxId: string, options: StartServerOptions): Promise<void> {
      const { onOutput } = options;
      await guard('start the server', async () => {
        const sandbox = await sandboxFor(sandboxId);
        try {
          await sandbox.process.deleteSession(SERVER_SESSION); // stops the server started before, if any
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        let command = options.command;
        if (command === STATIC_SERVER_COMMAND) {
          // Written each time, so a sandbox always runs the worker's current version. All interfaces:
          // Daytona's preview proxy reaches the port from outside the sandbox.
          await sandbox.fs.uploadFiles([{ source: Buffer.from(staticServerSource, 'utf8'), destination: STATIC_SERVER_PATH }], UPLOAD_TIMEOUT_SECONDS);
          command = ['node', STATIC_SERVER_PATH, APP_ROOT, String(options.port), '0.0.0.0'].map(quote).join(' ');
        }
        await sandbox.process.createSession(SERVER_SESSION);
        const { cmdId } = await sandbox.process.executeSessionCommand(SERVER_SESSION, {
          command: wrapCommand(command, { PORT: String(options.port), ...options.env }),
          runAsync: true,
        });
        if (onOutput) {
          const follower = new AbortController();
          followers.add(follower);
          void followServerOutput(sandbox, cmdId, onOutput, follower.signal).finally(() => followers.delete(follower));
        }
      });
    },

    /**
     * The port's preview link and its token: the API's preview proxy sends the token in a header
     * (browsers never see it) and skips Daytona's preview warning page.
     */
    async previewUrl(sandboxId: string, port: number) {
      const link = await guard('get a preview link', async () => (await sandboxFor(sandboxId)).getPreviewLink(port));
      return {
        url: link.url,
        expiresAt: null,
        headers: { 'x-daytona-preview-token': link.token, 'x-daytona-skip-preview-warning': 'true' },
      };
    },

    async stop(sandboxId: string): Promise<void> {
      await guard('stop a sandbox', async () => (await sandboxFor(sandboxId)).stop(LIFECYCLE_TIMEOUT_SECONDS));
    },

    async delete(sandboxId: string): Promise<void> {
      try {
        await guard('delete a sandbox', async () => (await sandboxFor(sandboxId)).delete(LIFECYCLE_TIMEOUT_SECONDS));
      } catch (error) {
        // Deleting what is already gone succeeds: deletes are retried and run by cleanup jobs.
        if (!isNotFound(error)) throw error;
      } finally {
        cache.delete(sandboxId);
      }
    },

    async list(labels: SandboxLabels): Promise<SandboxInfo[]> {
      return guard('list sandboxes', async () => {
        const found: SandboxInfo[] = [];
        for await (const sandbox of getClient().list({ labels })) {
          if (!isGone(sandbox.state)) found.push(toInfo(sandbox));
        }
        return found;
      });
    },

    /** Stops following servers' output; the sandboxes and their servers keep running. */
    async close(): Promise<void> {
      for (const follower of followers) follower.abort();
      followers.clear();
    },
  };
}

/**
 * Reports a server's output as it grows, by polling its stored logs: the log WebSocket would do it too, but
 * the SDK gives no way to close that socket, which would then hold the worker open for as long as the server
 * runs. Ends when the server exits, its session goes (replaced, sandbox stopped), on `signal`, or after
 * {@link SERVER_OUTPUT_FOLLOW_MS}.
 */
async function followServerOutput(
  sandbox: Sandbox,
  commandId: string,
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const seen = { stdout: 0, stderr: 0 };
  const until = Date.now() + SERVER_OUTPUT_FOLLOW_MS;
  while (Date.now() < until) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, SERVER_OUTPUT_POLL_MS);
      timer.unref(); // never what keeps the worker running
      signal.addEventListener('abort', done, { once: true });
    });
    if (signal.aborted) return;
    try {
      // The exit code first: when it is set, the logs read after it are complete.
      const { exitCode } = await sandbox.process.getSessionCommand(SERVER_SESSION, commandId);
      const logs = await sandbox.process.getSessionCommandLogs(SERVER_SESSION, commandId);
      if (signal.aborted) return;
      for (const stream of ['stdout', 'stderr'] as const) {
        const text = logs[stream] ?? '';
        if (text.length > seen[stream]) onOutput(stream, text.slice(seen[stream]));
        seen[stream] = Math.max(seen[stream], text.length);
      }
      if (exitCode !== undefined && exitCode !== null) return;
    } catch {
      return;
    }
  }
}

/** The command's exit code, polled until recorded: the log stream can end just before the daemon writes it. */
async function waitForExitCode(sandbox: Sandbox, sessionId: string, commandId: string, graceMs: number): Promise<number | null> {
  const deadline = Date.now() + graceMs;
  for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
    const command = await sandbox.process.getSessionCommand(sessionId, commandId);
    if (command.exitCode !== undefined && command.exitCode !== null) return command.exitCode;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** `mkdir -p <root> && cd <root> && [env K=V …] sh -c '<command>'`, every piece single-quoted. */
function wrapCommand(command: string, env: Record<string, string> = {}): string {
  const assignments = Object.entries(env).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new SandboxError(`Not an environment variable name: ${JSON.stringify(name)}`, { retryable: false, code: 'SANDBOX_INVALID_INPUT' });
    }
    return quote(`${name}=${value}`);
  });
  const run = `${assignments.length > 0 ? `env ${assignments.join(' ')} ` : ''}sh -c ${quote(command)}`;
  return `mkdir -p ${quote(APP_ROOT)} && cd ${quote(APP_ROOT)} && ${run}`;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The absolute path of a project path; paths are validated upstream, this only refuses escaping ones. */
function appPath(path: string): string {
  if (path.startsWith('/') || path.split('/').some((segment) => segment === '..' || segment === '')) {
    throw new SandboxError(`Not a relative project path: ${JSON.stringify(path)}`, { retryable: false, code: 'SANDBOX_INVALID_INPUT' });
  }
  return `${APP_ROOT}/${path}`;
}

function isGone(state: string | undefined): boolean {
  return state === 'destroyed' || state === 'destroying';
}

function toInfo(sandbox: Sandbox): SandboxInfo {
  return { id: sandbox.id, provider: 'daytona', state: toState(sandbox.state), labels: { ...sandbox.labels } };
}

function toState(state: string | undefined): SandboxInfo['state'] {
  switch (state) {
    case 'started':
      return 'started';
    case 'creating':
    case 'starting':
    case 'restoring':
    case 'pending_build':
    case 'building_snapshot':
    case 'pulling_snapshot':
    case 'resuming':
      return 'starting';
    case 'stopped':
    case 'stopping':
    case 'archived':
    case 'archiving':
    case 'paused':
    case 'pausing':
      return 'stopped';
    case 'error':
    case 'build_failed':
      return 'error';
    default:
      return 'unknown'; // resizing, snapshotting, forking, …
  }
}
