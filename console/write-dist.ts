import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build.js';

/**
 * `pnpm --filter @everjust/console build` (part of the root `pnpm build`): writes the bundle to
 * `dist/`, which the API serves when it runs from built JavaScript. A file of its own, so that
 * importing build.ts (the API does, bundled into api/dist/main.js) never writes anything.
 */
const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const assets = await buildConsole({ root });
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const [name, asset] of assets) writeFileSync(join(dist, name), asset.bytes);
console.log(`console: ${[...assets].map(([name, asset]) => `${name} ${asset.bytes.length} B`).join(', ')} → ${dist}`);
