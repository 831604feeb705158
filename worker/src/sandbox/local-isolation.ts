/**
 * How the `local` sandbox keeps generated commands away from this process, as far as the host allows.
 * Decided once per provider (`detectLocalIsolation`), used for every command and server:
 *
 * - always: a process group of its own (`detached`), so a timeout, an abort or `stop` kills it with
 *   everything it spawned; a clean environment (see `local.ts`), never this process's;
 * - when this process is root: another, unprivileged user (`nobody`), which cannot read this process's
 *   `/proc/<pid>/environ` nor files only we may read (the data dir's `secret`, the data dir itself);
 * - on Linux with util-linux `unshare` that works here: new PID and mount namespaces with a fresh
 *   `/proc`, so the command sees only its own processes (no `$PPID`, no worker to read).
 *
 * What it is not: a container. Commands still share this host's network, file system (whatever any
 * user may read), CPU and memory, and the kernel. `docs/local-sandbox.md` lists what that means.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';

export interface LocalIsolation {
  /** The user commands run as; null: this process's own (it is not root, or was told not to switch). */
  user: { uid: number; gid: number; name: string } | null;
  /** Whether commands get their own PID and mount namespaces with a fresh /proc. */
  namespaces: boolean;
  /** The `unshare` command line put before every command, when `namespaces`. */
  unshare?: string[];
}

export interface LocalIsolationOptions {
  /** 'auto' (default): switch to `nobody` when root. 'none': stay this user. Or a user of your own. */
  user?: 'auto' | 'none' | { uid: number; gid: number; name?: string };
  /** 'auto' (default): PID and mount namespaces when `unshare` works here. 'none': never. */
  namespaces?: 'auto' | 'none';
}

const nobodyId = 65534;

/** Finds what this host allows; every probe that fails falls back to the next weaker level. */
export async function detectLocalIsolation(options: LocalIsolationOptions = {}): Promise<LocalIsolation> {
  const user = await chooseUser(options.user ?? 'auto');
  if ((options.namespaces ?? 'auto') === 'none' || process.platform !== 'linux') return { user, namespaces: false };
  const unshare = await firstExisting(['/usr/bin/unshare', '/bin/unshare', '/usr/sbin/unshare']);
  if (!unshare) return { user, namespaces: false };
  const ids = user ? ['--setgid', String(user.gid), '--setuid', String(user.uid)] : [];
  const candidates = [
    // As root: the namespaces are made before dropping to the user.
    ...(isRoot() ? [[unshare, '--pid', '--fork', '--kill-child', '--mount-proc', ...ids, '--']] : []),
    // As anyone else, where unprivileged user namespaces are allowed.
    ...(!isRoot() ? [[unshare, '--user', '--map-current-user', '--pid', '--fork', '--kill-child', '--mount-proc', '--']] : []),
  ];
  for (const command of candidates) {
    if (await works(command)) return { user, namespaces: true, unshare: command };
  }
  return { user, namespaces: false };
}

/** Starts `file args` isolated as `isolation` says, in a process group of its own, output piped. */
export function spawnIsolated(isolation: LocalIsolation, file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  const base = { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  if (isolation.namespaces && isolation.unshare) {
    // unshare runs as us (it needs the privilege to make namespaces) and switches user itself.
    const [command, ...flags] = isolation.unshare;
    return spawn(command, [...flags, file, ...args], base);
  }
  // libuv drops supplementary groups (setgroups) when it switches uid/gid as root.
  return spawn(file, [...args], isolation.user ? { ...base, uid: isolation.user.uid, gid: isolation.user.gid } : base);
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function chooseUser(choice: NonNullable<LocalIsolationOptions['user']>): Promise<LocalIsolation['user']> {
  if (choice === 'none') return null;
  if (typeof choice === 'object') return { uid: choice.uid, gid: choice.gid, name: choice.name ?? String(choice.uid) };
  if (!isRoot()) return null; // only root may switch; as anyone else, commands run as that user
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const line = passwd.split('\n').find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid) || nobodyId, gid: Number(gid) || nobodyId, name: 'nobody' };
}

/** Whether `unshare … sh -c 'exit 0'` runs here (the kernel, seccomp or a missing binary may refuse). */
function works(unshare: readonly string[]): Promise<boolean> {
  const [command, ...flags] = unshare;
  return new Promise((resolve) => {
    execFile(command, [...flags, 'sh', '-c', 'exit 0'], { timeout: 5_000, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } }, (error) => resolve(!error));
  });
}

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (await access(path, constants.X_OK).then(() => true, () => false)) return path;
  }
  return undefined;
}
