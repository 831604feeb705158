// temporary experiment: where the time goes, interleaved like the suite
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '@everjust/core';
import { createTenant } from '../../api/src/services/tenants.js';
import { startApi, startBareYoga } from './api-throughput.js';
import { format, measureInterleaved, settingsFromEnvironment, table, type Scenario } from './_harness.js';
const requireFromApi = createRequire(new URL('../../api/package.json', import.meta.url));
const manifestPath = requireFromApi.resolve('graphql-yoga/package.json');
const { createYoga, createSchema } = await import(pathToFileURL(join(dirname(manifestPath), JSON.parse(readFileSync(manifestPath, 'utf8')).exports['.'].import.default)).href);
const cleanup: Array<() => Promise<void>> = [];
const bare = await startBareYoga(); cleanup.push(bare.close);
const api = await startApi(cleanup);
// bare yoga whose resolver runs the viewer's Prisma query on its own PGlite
const database = await openDatabase({ kind: 'pglite' }); cleanup.push(() => database.close()); await database.migrate();
const tenant = await createTenant(database.prisma, { name: 'Bench tenant', tier: 'enterprise' });
const yoga = createYoga({ logging: false, schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: async () => (await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).name } } }) });
const server = createServer(yoga); await new Promise<void>((r) => server.listen(0, '127.0.0.1', r)); cleanup.push(() => new Promise((r) => { server.close(() => r()); server.closeIdleConnections(); }));
const prismaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
const auth = { authorization: `Bearer ${api.secret}` };
const scenarios: Scenario[] = [
  { name: 'bare yoga', url: `${bare.url}/graphql`, query: '{ hello }' },
  { name: 'bare yoga + prisma findUnique', url: prismaUrl, query: '{ hello }' },
  { name: 'API { __typename }', url: `${api.url}/graphql`, query: '{ __typename }', headers: auth },
  { name: 'API viewer', url: `${api.url}/graphql`, query: '{ viewer { id name tier } }', headers: auth },
];
try {
  const [base, ...rest] = await measureInterleaved(scenarios, settingsFromEnvironment());
  console.log(table([['scenario', 'req/s', 'µs/req', 'vs bare'], ...[base, ...rest].map((r) => [r.scenario.name, format(r.median.requestsPerSecond), format(1e6 / r.median.requestsPerSecond), `${format((100 * r.median.requestsPerSecond) / base.median.requestsPerSecond, 1)}%`])]));
} finally { for (const c of cleanup.reverse()) await c(); }
