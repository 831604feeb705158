/**
 * Where the `local` sandbox keeps its folders, and the file operations that stay inside them. Sandbox
 * folders live outside the data dir (generated code must never sit next to the database or the
 * `secret`), under the system's temporary folder, one root per data dir:
 *
 *     <tmp>/everjust-sandboxes-<hash of the data dir>/     0700 (0711 when commands run as another user)
 *         static-server.mjs                                the built-in static server (written on first use)
 *         local-<hex>/                                     one sandbox; 0700 (0711)
 *             sandbox.json                                 labels, state, times, the server's pid and port (0600)
 *             app/                                         the project's files; commands and servers run here
 *             home/                                        HOME of commands (npm's cache and the like stay out of app/)
 *
 * With another user, only `app/` and `home/` are that user's; the root and the sandbox folders can be
 * traversed but not listed, so a command finds no other sandbox's (random) name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lchown, lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { normalizeProjectPath, ValidationError } from '@everjust/core';
import { SandboxError } from './sandbox-provider.js';

/** An owner for files the sandbox's commands must be able to change; null: this process's user. */
export type FileOwner = { uid: number; gid: number } | null;

export const localSandboxIdPattern = /^local-[0-9a-f]{16}$/;

/** The root of the sandboxes of one data dir (see the layout above); the same after a restart. */
export function localSandboxRoot(dataDir: string): string {
  const hash = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16);
  return join(tmpdir(), `everjust-sandboxes-${hash}`);
}

/** Where a local sandbox keeps its parts (see the layout above). */
export function localSandboxPaths(rootDir: string, sandboxId: string) {
  const folder = join(rootDir, sandboxId);
  return { folder, app: join(folder, 'app'), home: join(folder, 'home'), metadata: join(folder, 'sandbox.json') };
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * Makes `path` a folder of ours with exactly `mode`. The temporary folder is shared with every user of
 * this host: a folder (or a symlink) someone else made there first under our predictable name is refused,
 * never used.
 */
export async function ensurePrivateFolder(path: string, mode: number): Promise<void> {
  await mkdir(path, { mode }).catch((error: unknown) => {
    if (!isErrno(error, 'EEXIST')) throw error;
  });
  const stats = await lstat(path);
  const ours = process.getuid ? stats.uid === process.getuid() : true;
  if (!stats.isDirectory() || !ours) {
    throw new SandboxError(`${path} exists but is not a folder of this user: refusing to keep sandboxes there`, { retryable: false, code: 'SANDBOX_ROOT_UNSAFE' });
  }
  if ((stats.mode & 0o777) !== mode) await chmod(path, mode);
}

/**
 * Writes a file whole (temp file, then rename), so readers never see half of it, and a symlink at the
 * target is replaced, never followed. `owner` gets the file before it is in place (no path is followed).
 */
export async function writeAtomically(path: string, content: string | Uint8Array, options: { mode?: number; owner?: FileOwner } = {}): Promise<void> {
  // A short dotted name in the same folder: a rename within one folder is atomic, the name stays
  // under NAME_MAX however long the target's is, and the static server never serves dotfiles.
  const temporary = join(dirname(path), `.everjust-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(content);
    if (options.owner) await handle.chown(options.owner.uid, options.owner.gid);
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A validated project path, split into its parent folders and its file name. */
export function splitProjectPath(path: string): { parents: string[]; name: string } {
  const segments = normalizeProjectPath(path).split('/');
  return { parents: segments.slice(0, -1), name: segments[segments.length - 1] };
}

/**
 * The directory a project path's file goes in, as a real path inside the app folder. Parents are
 * created one at a time (given to `owner`); an existing parent that is a symlink must resolve inside
 * the app folder. Null when a parent is missing and `create` is false.
 */
export async function parentInside(appReal: string, segments: readonly string[], create: boolean, owner: FileOwner = null): Promise<string | null> {
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
      // lchown: had a command swapped the new folder for a symlink, only the link changes owner.
      if (owner) await lchown(next, owner.uid, owner.gid);
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

function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}
