import { defineConfig } from 'tsup';

/**
 * Two builds of one entry: `dist/everjust-builder.js` (an ES module, with types, for bundlers and
 * `<script type="module">`) and `dist/everjust-builder.global.js` (one classic script for a script
 * tag; it defines the element and exposes `window.EverJust`). What it uses of the SDK (request
 * sender, errors, the resume loop) and of core (operation ids, session statuses) is bundled; nothing
 * else is, and the declarations import nothing (tsconfig.build.json maps those entries to source).
 */
export default defineConfig({
  entry: { 'everjust-builder': 'src/index.ts' },
  format: ['esm', 'iife'],
  globalName: 'EverJust',
  platform: 'browser',
  // Evergreen browsers with custom elements, Shadow DOM and streaming fetch.
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  minify: true,
  sourcemap: true,
  dts: { entry: { 'everjust-builder': 'src/index.ts' } },
  clean: true,
  tsconfig: 'tsconfig.build.json',
  outExtension: ({ format }) => ({ js: format === 'iife' ? '.global.js' : '.js' }),
});
