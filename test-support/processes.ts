import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The environment of this process less what would point a child at CI's shared servers. */
export function childEnvironment(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('EVERJUST_') || ['DATABASE_URL', 'DATABASE_DIRECT_URL', 'REDIS_URL', 'PORT', 'HOST'].includes(name)) delete environment[name];
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete environment[name];
    else environment[name] = value;
  }
  return environment;
}

export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the first match of `pattern` in stdout (or `from: 'stderr'`, where the JSON log goes),
   * or rejects when the process exits first.
   */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/**
 * Starts a TypeScript entry point of the repo (`api/src/main.ts`, …) through tsx's loader, in one
 * process (so its pid is the program's own: tests can stop or kill it).
 */
export function startTypeScript(entry: string, args: string[], environment: NodeJS.ProcessEnv, nodeArguments: string[] = []): RunningProcess {
  const child = spawn(process.execPath, [...nodeArguments, '--import', 'tsx', entry, ...args], { cwd: repoRoot, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    for (const listener of listeners) listener();
    resolve(code);
  }));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 60_000, from = 'stdout') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (from === 'stdout' ? stdout : stderr).match(pattern);
          if (match) return finish(() => resolve(match));
          if (child.exitCode !== null) finish(() => reject(new Error(`exited with ${child.exitCode} before ${pattern}:\n${stdout}\n${stderr}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${pattern}:\n${stdout}\n${stderr}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs an entry point to its end. */
export async function runTypeScript(entry: string, args: string[], environment: NodeJS.ProcessEnv) {
  const running = startTypeScript(entry, args, environment);
  const code = await running.exited;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}
