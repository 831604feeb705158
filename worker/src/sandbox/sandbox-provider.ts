/**
 * The narrow interface between the pipeline and where generated apps run (v1): `local` (a folder and
 * child processes on this host, development only), `daytona` (Daytona sandboxes), `static` (nothing
 * runs; the API serves the files). Chosen once from config (`EVERJUST_SANDBOX`).
 */
import { WorkerError } from '../worker-error.js';

export interface SandboxLabels {
  /** Always set: `everjust.tenant`, `everjust.project`, `everjust.mode`. */
  [label: string]: string;
}

export interface CreateSandboxOptions {
  labels: SandboxLabels;
  env?: Record<string, string>;
  resources?: { cpu?: number; memoryGiB?: number; diskGiB?: number };
  /** Stop after this many idle minutes (the tenant's tier). */
  autoStopMinutes: number;
  /** Delete this many minutes after it stopped; null: never. */
  autoDeleteMinutes: number | null;
  signal?: AbortSignal;
}

export interface SandboxInfo {
  id: string;
  provider: string;
  state: 'starting' | 'started' | 'stopped' | 'error' | 'unknown';
  labels: SandboxLabels;
}

export interface SandboxFile {
  /** Relative to the app root; already validated (normalizeProjectPath). */
  path: string;
  /** The text, or (`binary`) the bytes in base64. */
  content: string;
  binary?: boolean;
}

export interface RunCommandOptions {
  /** A shell command line, run by `sh -c` inside the sandbox (the model writes these). */
  command: string;
  timeoutMs: number;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Output as it streams. */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface CommandResult {
  exitCode: number | null;
  /** Combined output, bounded (the tail is kept). */
  output: string;
  timedOut: boolean;
  durationMs: number;
}

/** The start command that serves the app's files as they are (no package.json start script). */
export const STATIC_SERVER_COMMAND = 'everjust:static';

export interface StartServerOptions {
  /** A shell command line, or STATIC_SERVER_COMMAND for the provider's own static file server. */
  command: string;
  port: number;
  env?: Record<string, string>;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/**
 * Where a port of a sandbox answers. `static`: a URL on the preview origin that opens in a plain
 * iframe. `local` and `daytona`: the upstream the API's preview proxy forwards to, with the headers it
 * must send (Daytona's preview token); browsers never see it, they get a signed URL on the preview origin.
 */
export interface PreviewLink {
  url: string;
  expiresAt: Date | null;
  /** Headers every request upstream carries (never shown to a browser). */
  headers?: Record<string, string>;
}

/**
 * Every provider, for every method that takes an `AbortSignal`: on abort it stops what it started (kills the
 * command, deletes a sandbox created late) and rejects with an `Error` named `AbortError` whose `cause` is
 * the signal's reason (`abortError` in `sandbox-abort.ts`), also when the signal was aborted before the
 * call. It never resolves with a result for an aborted call: a timeout is a result (`timedOut: true`), an
 * abort is not. Other failures are {@link SandboxError}s with a code (`SANDBOX_*`) and `retryable`.
 */
export interface SandboxProvider {
  readonly name: 'local' | 'daytona' | 'static';
  /** False for `static`: nothing runs, so the model gets no `run_command`. */
  readonly canRunCommands: boolean;
  create(options: CreateSandboxOptions): Promise<SandboxInfo>;
  get(sandboxId: string): Promise<SandboxInfo | null>;
  /** Starts a stopped sandbox again. */
  start(sandboxId: string): Promise<void>;
  uploadFiles(sandboxId: string, files: readonly SandboxFile[], signal?: AbortSignal): Promise<void>;
  deleteFiles(sandboxId: string, paths: readonly string[]): Promise<void>;
  runCommand(sandboxId: string, options: RunCommandOptions): Promise<CommandResult>;
  /** Starts a long-running server (replacing one already started); it keeps running after this returns. */
  startServer(sandboxId: string, options: StartServerOptions): Promise<void>;
  /** The port the app should listen on (default 3000); `local` picks a free one on this host. */
  choosePort?(sandboxId: string): Promise<number>;
  /** Where a port answers: see {@link PreviewLink}. */
  previewUrl(sandboxId: string, port: number, expiresInSeconds: number): Promise<PreviewLink>;
  stop(sandboxId: string): Promise<void>;
  delete(sandboxId: string): Promise<void>;
  list(labels: SandboxLabels): Promise<SandboxInfo[]>;
  /** Releases what this process holds (local: kills the servers it started) when the worker stops. */
  close?(): void | Promise<void>;
}

/** A sandbox failure, classified: the job loop reads `code` and `retryable` (see WorkerError). */
export class SandboxError extends WorkerError {
  constructor(message: string, options: { retryable: boolean; code?: string; cause?: unknown } = { retryable: false }) {
    super(options.code ?? (options.retryable ? 'SANDBOX_UNAVAILABLE' : 'SANDBOX_ERROR'), message, options.retryable, { cause: options.cause });
    this.name = 'SandboxError';
  }
}
