// temporary experiment: serve bare yoga and the API until SIGTERM; SIGUSR2 toggles a CPU profile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { startApi, startBareYoga } from './api-throughput.js';
const requireFromCore = createRequire(new URL('../../core/package.json', import.meta.url));
const { PGlite } = await import(requireFromCore.resolve('@electric-sql/pglite').replace(/\.cjs$/, '.js')) as any;
const counts: Record<string, number> = {};
for (const method of ['query', 'exec', 'transaction', 'execProtocol', 'execProtocolRaw']) {
  const original = PGlite.prototype[method];
  if (!original) continue;
  PGlite.prototype[method] = function (this: any, ...args: unknown[]) { counts[method] = (counts[method] ?? 0) + 1; return original.apply(this, args); };
}
let requests = 0;
process.on('SIGUSR1', () => { console.log('pglite calls', JSON.stringify(counts)); for (const k in counts) counts[k] = 0; requests = 0; });
const cleanup: Array<() => Promise<void>> = [];
const bare = await startBareYoga(); cleanup.push(bare.close);
const api = await startApi(cleanup);
writeFileSync('/tmp/bx/serve.json', JSON.stringify({ bare: bare.url, api: api.url, secret: api.secret, pid: process.pid }));
const session = new Session(); session.connect(); await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
let profiling = false; let n = 0;
process.on('SIGUSR2', async () => {
  if (!profiling) { profiling = true; await session.post('Profiler.start'); }
  else { profiling = false; const { profile } = await session.post('Profiler.stop'); writeFileSync(`/tmp/bx/prof-${++n}.cpuprofile`, JSON.stringify(profile)); console.log('profile written', n); }
});
process.on('SIGTERM', async () => { session.disconnect(); for (const c of cleanup.reverse()) await c(); });
