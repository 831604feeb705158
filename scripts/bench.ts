import { readdirSync } from 'node:fs';
import os from 'node:os';
import { settingsFromEnvironment, type Suite } from './bench/_harness.js';

/**
 * `pnpm bench [suite …]`: runs every benchmark suite in scripts/bench/ (each `*.ts` there that does
 * not start with `_` default-exports a `Suite`), or only the named ones. A new benchmark is a new file.
 * Settings: BENCH_DURATION_S (5), BENCH_WARMUP_S (2), BENCH_CONNECTIONS (10), BENCH_ROUNDS (3).
 * Exits 1 when a suite fails (a bad response, a setup error); figures themselves are reported only.
 */

const directory = new URL('./bench/', import.meta.url);
const wanted = process.argv.slice(2);

async function main() {
  const settings = settingsFromEnvironment();
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
    .sort();
  const names = files.map((file) => file.replace(/\.ts$/, ''));
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`no such suite: ${unknown.join(', ')} (there are: ${names.join(', ')})`);

  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg()[0].toFixed(2)}; ` +
      `${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s per run, ${settings.rounds} rounds interleaved`,
  );
  for (const file of files) {
    if (wanted.length > 0 && !wanted.includes(file.replace(/\.ts$/, ''))) continue;
    const suite = ((await import(new URL(file, directory).href)) as { default?: Suite }).default;
    if (!suite || typeof suite.run !== 'function') throw new Error(`scripts/bench/${file} does not default-export a Suite`);
    console.log(`\n== ${suite.name}: ${suite.description}`);
    await suite.run(settings);
  }
  console.log(`\nload average at the end: ${os.loadavg()[0].toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error('\nBenchmark failed:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
