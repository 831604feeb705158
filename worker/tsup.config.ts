import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * Production bundles of a workspace process (`pnpm build` → `dist/`), shared by `api/tsup.config.ts`.
 *
 * - Our workspace packages (`@everjust/*`) are bundled: they export TypeScript sources, which plain
 *   `node` cannot load. That includes Prisma's generated client under `core/src/generated/prisma`.
 * - Every npm package stays external (a bare `import` in the bundle): the buildpack installs them,
 *   and packages that load their own files at run time (PGlite's wasm, Prisma's query compiler)
 *   keep working from their own folders.
 *
 * An external import has to resolve from `dist/` at run time. With pnpm's isolated layout a package
 * is only linked into the `node_modules` of the workspace package that depends on it: `pino` sits
 * in `core/node_modules`, not where `api/dist/main.js` looks. So the build writes
 * `dist/node_modules/<name>` → the very folder the importing workspace package resolves (the same
 * one `tsx` uses in development), relative symlinks. Node then resolves every external import the
 * normal way (package exports, conditions, its realpath for module identity), nothing is copied,
 * and no dependency has to be declared twice. The build fails on an import of a package that is not
 * in the importing workspace package's `dependencies` (it would be missing after the buildpack's
 * production install), and on a name two workspace packages install in two different versions.
 */
export function processBundle(entry: Record<string, string>): Options {
  const outDir = 'dist';
  // tsup's `clean` globs dist/**/* and follows symbolic links: it would delete the files of the very
  // packages dist/node_modules links to (a second `pnpm build` broke the install). The links go first;
  // removing them (rmSync does not follow links) leaves their targets alone.
  rmSync(resolve(outDir, 'node_modules'), { recursive: true, force: true });
  return {
    entry,
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    bundle: true,
    // One self-contained file per entry (`dist/main.js`, `dist/cli.js`), no shared chunks.
    splitting: false,
    sourcemap: true,
    clean: true,
    dts: false,
    // tsup would mark this package's own dependencies external by name and let every other
    // import through; the plugin below decides every bare import instead (bundle ours, link the rest).
    noExternal: [/.*/],
    esbuildPlugins: [linkExternalPackages(resolve(outDir))],
  };
}

const WORKSPACE_SCOPE = '@everjust/';
const BUILTINS = new Set(builtinModules);

function linkExternalPackages(outDir: string) {
  return {
    name: 'everjust-link-external-packages',
    setup(build: PluginBuild) {
      /** package name → the `node_modules/<name>` folders its importers resolve it to. */
      const found = new Map<string, Set<string>>();
      build.onStart(() => found.clear());
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || BUILTINS.has(args.path.split('/')[0]!)) return { path: args.path, external: true };
        if (args.path.startsWith(WORKSPACE_SCOPE)) return undefined; // bundled: esbuild follows the workspace link to the sources
        const name = packageName(args.path);
        const importer = args.importer || join(args.resolveDir, 'index.ts');
        const root = packageRoot(importer);
        const location = join(root, 'node_modules', name);
        if (!runtimeDependencies(root).has(name) || !existsSync(join(location, 'package.json'))) {
          return {
            errors: [{ text: `${name} (imported by ${relative(process.cwd(), importer)}) is not an installed dependency of ${join(relative(process.cwd(), root), 'package.json')}: the production install would not have it` }],
          };
        }
        if (!found.has(name)) found.set(name, new Set());
        found.get(name)!.add(location);
        return { path: args.path, external: true };
      });
      build.onEnd((result) => {
        if (result.errors.length > 0) return;
        const links = new Map<string, string>();
        for (const [name, locations] of found) {
          // pnpm may install one version twice (peer-dependency variants): any of them will do, the
          // first in path order, so builds are reproducible. Two versions under one name cannot be
          // served from one dist/node_modules: that fails the build.
          const candidates = [...locations].sort();
          const versions = new Set(candidates.map(installedVersion));
          if (versions.size > 1) {
            result.errors.push({ text: `${name} is installed in different versions for different workspace packages (${[...versions].join(', ')}): align them` });
            continue;
          }
          links.set(name, candidates[0]!);
        }
        if (result.errors.length > 0) return;
        const modules = join(outDir, 'node_modules');
        rmSync(modules, { recursive: true, force: true });
        for (const [name, location] of [...links].sort(([a], [b]) => a.localeCompare(b))) {
          const link = join(modules, name);
          mkdirSync(dirname(link), { recursive: true });
          symlinkSync(relative(dirname(link), location), link, 'dir');
        }
      });
    },
  };
}

function installedVersion(location: string): string {
  return (JSON.parse(readFileSync(join(location, 'package.json'), 'utf8')) as { version: string }).version;
}

/** `pino` → `pino`; `@prisma/client/runtime/client` → `@prisma/client`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The folder of the nearest package.json above a source file: the workspace package it belongs to. */
function packageRoot(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

/** What a package.json declares it needs at run time (devDependencies are pruned in production). */
function runtimeDependencies(root: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  return new Set(['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap((field) => Object.keys(manifest[field] ?? {})));
}

// The slice of esbuild's plugin API used here (tsup does not re-export esbuild's types).
interface PluginBuild {
  onStart(callback: () => void): void;
  onResolve(
    options: { filter: RegExp },
    callback: (args: { path: string; importer: string; resolveDir: string }) =>
      | { path?: string; external?: boolean; errors?: Array<{ text: string }> }
      | undefined,
  ): void;
  onEnd(callback: (result: { errors: Array<{ text: string }> }) => void): void;
}

export default defineConfig(processBundle({ main: 'src/main.ts', autoscale: 'src/autoscale/cli.ts' }));
