/**
 * The `local` sandbox's processes: each command and server leads a process group of its own, killed
 * whole; a server's pid is recorded in its metadata, so a later process (after a restart) can kill it,
 * but only while it is still ours.
 */
import type { ChildProcess } from 'node:child_process';
import { lstat, readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { isErrno } from './local-paths.js';

/** Marks our processes, so a pid read back after a restart is killed only if it is still ours. */
export const sandboxIdVariable = 'EVERJUST_SANDBOX_ID';

/** Sends SIGKILL to a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if (!isErrno(error, 'ESRCH')) throw error;
  }
}

export function isAlive(pid: number): boolean {
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
export async function ownsProcessGroup(pid: number, sandboxId: string): Promise<boolean> {
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

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function waitForPidExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Calls an output callback; a throwing callback must not take the process or the command down. */
export function emitOutput(onOutput: ((stream: 'stdout' | 'stderr', text: string) => void) | undefined, stream: 'stdout' | 'stderr', text: string): void {
  if (!onOutput || text === '') return;
  try {
    onOutput(stream, text);
  } catch {
    // The caller's problem; the command goes on.
  }
}

/** Pipes a child's stdout and stderr, decoded as UTF-8 across chunk boundaries, to `sink`. */
export function streamOutput(child: ChildProcess, sink: (stream: 'stdout' | 'stderr', text: string) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = child[stream];
    if (!readable) continue;
    const decoder = new StringDecoder('utf8');
    readable.on('data', (chunk: Buffer) => sink(stream, decoder.write(chunk)));
    readable.on('end', () => sink(stream, decoder.end()));
    readable.on('error', () => undefined);
  }
}
