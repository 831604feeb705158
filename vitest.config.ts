import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds; Node loads the CJS one for Pothos and Yoga,
    // while Vite would pick the ESM one for our sources: two realms, and "another module or realm"
    // errors. Point our sources at the same file Node uses.
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql', { paths: [require.resolve('graphql-yoga', { paths: ['./api'] })] }) },
      // The SDK's source entry, as tsconfig.base.json's `paths` maps it (its package `exports` name the build).
      { find: /^@everjust\/sdk$/, replacement: fileURLToPath(new URL('./sdk/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: one test file per core keeps PGlite and PostgreSQL from starving each other.
    maxWorkers: 2,
    pool: 'forks',
  },
});
