// temporary experiment: serve bare yoga and the API until SIGTERM; SIGUSR2 toggles a CPU profile
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startApi, startBareYoga } from './api-throughput.js';
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
