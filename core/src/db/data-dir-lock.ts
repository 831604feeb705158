import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';

/**
 * An exclusive lock on the embedded data dir. PGlite does not lock its files, and two processes on one
 * dir corrupt it (docs/toolchain.md), so whatever opens the embedded database takes this first.
 *
 * The lock is a file created with O_EXCL holding the owner's pid and command; a lock whose pid is no
 * longer alive (a crash) is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid: number; command: string; host: string },
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another process (pid ${holder.pid}: ${holder.command}).\n` +
        `PGlite cannot be shared between processes. Stop that process first (the server: Ctrl+C), ` +
        `or run against PostgreSQL by setting DATABASE_URL.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string, command = process.argv.slice(1).join(' ')): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'everjust.lock');
  const owner = JSON.stringify({ pid: process.pid, command, host: hostname() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, owner);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        rmSync(lockPath, { force: true });
      };
      process.on('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid: number; command: string; host: string };
      try {
        holder = JSON.parse(readFileSync(lockPath, 'utf8'));
      } catch {
        // Being written by its owner right now, or truncated by a crash mid-write: look again.
        if (attempt < 2) continue;
        throw new DataDirLockedError(dir, { pid: -1, command: 'unknown (unreadable lock file)', host: '' });
      }
      if (holder.host === hostname() && !isAlive(holder.pid)) {
        rmSync(lockPath, { force: true }); // left by a process that died: take it over
        continue;
      }
      throw new DataDirLockedError(dir, holder);
    }
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}
