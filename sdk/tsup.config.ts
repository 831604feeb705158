import { defineConfig } from 'tsup';

/**
 * ESM (`dist/index.js`), CJS (`dist/index.cjs`) and their types (`.d.ts`, `.d.cts`), each one file.
 * The types are bundled with the one type the generated code imports (`DocumentTypeDecoration`)
 * inlined, so a consumer needs neither `graphql` nor `@graphql-typed-document-node/core`.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  tsconfig: 'tsconfig.build.json',
  dts: { resolve: ['@graphql-typed-document-node/core'] },
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
});
