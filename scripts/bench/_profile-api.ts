/**
 * An investigation aid, not a suite (`_` files are not run by `pnpm bench`): the API's main-thread CPU
 * per request (from /proc's schedstat, so the load generator's worker thread and other processes do
 * not count) for the bare server, the viewer and a query (`Q`, default the page of 20 projects), on
 * PGlite or, with `DATABASE_URL`, PostgreSQL; `OUT=<path>` also writes a V8 CPU profile of the query's
 * run. `R` rounds (1) of `D` seconds (4) each, after a 1 s warm-up:
 *
 *   pnpm tsx scripts/bench/_profile-api.ts
 *   R=3 OUT=/tmp/projects.cpuprofile DATABASE_URL=postgresql://… pnpm tsx scripts/bench/_profile-api.ts
 */
import autocannon from 'autocannon';
import { startApi, startBareYoga } from './api-throughput.js';
import { schedulerTimes, startCpuProfile } from './_harness.js';

const cleanup: Array<() => Promise<void>> = [];
const api = await startApi(cleanup, { databaseUrl: process.env.DATABASE_URL });
const bare = await startBareYoga();
cleanup.push(bare.close);
const queries: Array<[string, string, string]> = [
  ['bare', bare.url, '{ hello }'],
  ['viewer', api.url, '{ viewer { id name tier } }'],
  ['projects', api.url, process.env.Q ?? '{ projects(first: 20) { edges { node { id name createdAt } } } }'],
];
for (let round = 0; round < Number(process.env.R ?? 1); round++)
  for (const [name, url, query] of queries) {
    const opts = {
      url: `${url}/graphql`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.secret}` },
      body: JSON.stringify({ query }),
      connections: 10,
      workers: 1,
    };
    if (round === 0) {
      const first = await fetch(opts.url, opts);
      console.log((await first.text()).slice(0, 120));
    }
    await autocannon({ ...opts, duration: 1 });
    const profile = process.env.OUT && name === 'projects' ? await startCpuProfile() : undefined;
    const before = schedulerTimes()!;
    const result = await autocannon({ ...opts, duration: Number(process.env.D ?? 4) });
    const after = schedulerTimes()!;
    await profile?.stop(process.env.OUT!);
    const requests = result.requests.total;
    console.log(
      `${name.padEnd(9)} req/s ${result.requests.average.toFixed(0).padStart(5)}  main-thread CPU µs/request ${((1000 * (after.runMs - before.runMs)) / requests).toFixed(0).padStart(5)}` +
        `  run-queue wait ${(((after.waitMs - before.waitMs) / (Number(process.env.D ?? 4) * 1000)) * 100).toFixed(0)}%  non2xx ${result.non2xx}`,
    );
  }
for (const close of cleanup.reverse()) await close();
