import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's bundle: one classic script (`console.js`, an IIFE: no module loader, no inline code)
 * and one stylesheet (`console.css`), minified by esbuild. `pnpm build` writes them to `dist/`
 * (write-dist.ts); the
 * API serves `dist/` when it runs from built JavaScript and otherwise builds them in memory on the
 * first request (`pnpm start` on a fresh clone needs no build step). Nothing built is committed.
 */

const here = dirname(fileURLToPath(import.meta.url));

/** A built file: its bytes, its content type, and a short hash of its bytes (the cache-busting `?v=`). */
export interface ConsoleAsset {
  bytes: Uint8Array;
  contentType: string;
  hash: string;
}

/** `console.js` and `console.css`, by file name. */
export type ConsoleAssets = Map<string, ConsoleAsset>;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Builds the bundle in memory (tens of milliseconds). `root` is this package's folder: the API names it
 * (bundled into api/dist/main.js, this module's own URL is the API's, not this folder).
 */
export async function buildConsole(options: { minify?: boolean; root?: string } = {}): Promise<ConsoleAssets> {
  const root = options.root ?? here;
  // Loaded here, not at the top: the API imports this module only when it has no prebuilt dist/.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { console: join(root, 'src', 'main.ts') },
    bundle: true,
    write: false,
    outdir: join(root, 'dist'),
    format: 'iife',
    platform: 'browser',
    // The browsers the widget supports (streaming fetch, ES2020).
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    minify: options.minify ?? true,
    legalComments: 'none',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'silent',
    loader: { '.graphql': 'text' },
  });
  const assets: ConsoleAssets = new Map();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const extension = name.slice(name.lastIndexOf('.'));
    assets.set(name, { bytes: file.contents, contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream', hash: createHash('sha256').update(file.contents).digest('hex').slice(0, 12) });
  }
  return assets;
}
