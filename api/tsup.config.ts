import { defineConfig } from 'tsup';
import { processBundle } from '../worker/tsup.config.js';

/**
 * `dist/main.js`: the API process (`node api/dist/main.js`). `dist/cli.js`: the operator CLI, so a
 * deploy can run `node api/dist/cli.js migrate` without TypeScript tooling. How the bundles are made
 * (workspace packages bundled, npm packages linked) is explained in `worker/tsup.config.ts`.
 */
export default defineConfig(processBundle({ main: 'src/main.ts', cli: 'src/cli/index.ts' }));
