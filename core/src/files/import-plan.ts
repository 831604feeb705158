import type { FileLimits } from './project-files.js';
import { ArchiveRefusedError, unsafePathReason, type ZipEntry } from './zip-archive.js';

/**
 * Which entries of an archive become project files, and what is left out and why: the platform's
 * file limits (count and size), dependencies and build outputs, and (for archives that are not
 * trusted to be well-formed) the refusals that stop the whole import.
 */

/** Folders never imported, wherever they are: dependencies, version control, build outputs, macOS litter. */
export const SKIPPED_FOLDERS: Readonly<Record<string, string>> = {
  node_modules: 'dependencies (node_modules/) are installed, not imported',
  '.git': 'version control data (.git/)',
  dist: 'a build output (dist/)',
  build: 'a build output (build/)',
  '.next': 'a build output (.next/)',
  __MACOSX: 'macOS archive metadata (__MACOSX/)',
};

/** Something left out: a file, or a whole folder (`path` ends with `/`, `files` counts what was in it). */
export interface ImportSkip {
  path: string;
  reason: string;
  files: number;
}

export interface ImportPlanOptions {
  /**
   * `refuse`: an unsafe path (absolute, drive letter, `..`, or one no project may hold), a symbolic
   * link or an encrypted entry refuses the whole archive (an upload). `skip`: it is left out with its
   * reason (a GitHub repository, which may hold symbolic links and names with colons).
   */
  untrusted: 'refuse' | 'skip';
  /**
   * Drops the first path segment: `always` (a GitHub zipball's `owner-repo-sha/`), or `when-single`
   * when every file sits in one top folder (a ZIP of a folder, `my-app/…`: its files become the root).
   */
  stripTopFolder?: 'always' | 'when-single';
  /** Only what is under this folder, which becomes the project's root. */
  subfolder?: string;
  limits: FileLimits;
}

export interface ImportPlan {
  files: Array<{ path: string; entry: ZipEntry }>;
  skipped: ImportSkip[];
  /** The top folder dropped by `when-single` (`my-app/`), if one was. */
  strippedFolder?: string;
}

/** The one top folder every file of the archive is in (macOS litter aside), or undefined. */
function singleTopFolder(entries: readonly ZipEntry[]): string | undefined {
  let top: string | undefined;
  for (const entry of entries) {
    if (entry.directory) continue;
    const name = entry.name.replace(/^\.\/+/, '');
    const slash = name.indexOf('/');
    if (slash <= 0) return undefined;
    const first = name.slice(0, slash);
    if (first === '__MACOSX') continue;
    if (top !== undefined && top !== first) return undefined;
    top = first;
  }
  return top;
}

/** The plan for an archive's entries (throws ArchiveRefusedError in `refuse` mode). */
export function planImport(entries: readonly ZipEntry[], options: ImportPlanOptions): ImportPlan {
  const skipped = new Map<string, ImportSkip>();
  const skip = (path: string, reason: string) => {
    const known = skipped.get(path);
    if (known) known.files += 1;
    else skipped.set(path, { path, reason, files: 1 });
  };
  const subfolder = options.subfolder?.replace(/^\/+|\/+$/g, '');
  const single = options.stripTopFolder === 'when-single' ? singleTopFolder(entries) : undefined;
  const strip = options.stripTopFolder === 'always' || single !== undefined;
  // By path: an archive that lists a path twice imports its last entry.
  const byPath = new Map<string, { path: string; entry: ZipEntry }>();
  for (const entry of entries) {
    if (options.untrusted === 'refuse') {
      const unsafe = unsafePathReason(entry.name);
      if (unsafe) throw new ArchiveRefusedError('UNSAFE_PATH', `The entry ${JSON.stringify(entry.name.slice(0, 300))} ${unsafe}: archives may only hold paths inside the project`, entry.name);
      if (entry.symlink) throw new ArchiveRefusedError('SYMLINK', `The entry ${JSON.stringify(entry.name.slice(0, 300))} is a symbolic link: archives may only hold files and folders`, entry.name);
      if (entry.encrypted) throw new ArchiveRefusedError('UNSUPPORTED', `The entry ${JSON.stringify(entry.name.slice(0, 300))} is encrypted`, entry.name);
    }
    if (entry.directory) continue;
    let path = entry.name.replace(/^\.\/+/, '');
    if (strip && !(single && path.startsWith('__MACOSX/'))) {
      const slash = path.indexOf('/');
      if (slash < 0) continue;
      path = path.slice(slash + 1);
    }
    if (subfolder) {
      if (!path.startsWith(`${subfolder}/`)) continue;
      path = path.slice(subfolder.length + 1);
    }
    if (!path) continue;
    if (entry.symlink) {
      skip(path, 'a symbolic link');
      continue;
    }
    if (entry.encrypted) {
      skip(path, 'encrypted');
      continue;
    }
    const unsafe = unsafePathReason(path);
    if (unsafe) {
      skip(path, `its path ${unsafe}`);
      continue;
    }
    const segments = path.split('/');
    const folder = segments.slice(0, -1).findIndex((segment) => Object.hasOwn(SKIPPED_FOLDERS, segment));
    if (folder >= 0) {
      skip(`${segments.slice(0, folder + 1).join('/')}/`, SKIPPED_FOLDERS[segments[folder]]);
      continue;
    }
    if (entry.size > options.limits.fileMaxBytes) {
      skip(path, `${entry.size} bytes, over the ${options.limits.fileMaxBytes}-byte limit for a file`);
      continue;
    }
    byPath.delete(path);
    byPath.set(path, { path, entry });
  }
  const candidates = [...byPath.values()];
  // Over the file count, the shallowest files stay (the root's package.json and index.html before a
  // deep asset folder), then by path, so the same archive always keeps the same files.
  const depth = (path: string) => path.split('/').length;
  candidates.sort((a, b) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const files = candidates.slice(0, options.limits.projectMaxFiles);
  for (const { path } of candidates.slice(options.limits.projectMaxFiles)) skip(path, `over the ${options.limits.projectMaxFiles}-file limit of a project`);
  return {
    files: files.sort((a, b) => (a.path < b.path ? -1 : 1)),
    skipped: [...skipped.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    ...(single !== undefined ? { strippedFolder: `${single}/` } : {}),
  };
}
