import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalPubSub, createLogger, loadConfig } from '@everjust/core';
import { createApp, listen, createApiKeyRecord, createTenant } from '@everjust/api';
import { format, measureInterleaved, openBenchDatabase, table, type Scenario, type Suite } from './_harness.js';

/**
 * Requests per second of our API against a bare graphql-yoga server answering a constant: how much
 * our plugin chain, Prisma and the database cost per request. On in-memory PGlite, or with
 * `DATABASE_URL` set on a PostgreSQL database of its own (created and dropped by the run). Targets: the
 * authenticated viewer query at ≥ 50 % of the bare server, a page of 20 projects at ≥ 25 %.
 */

const TARGET_RATIO = 0.5;
const PAGE_TARGET_RATIO = 0.25;
const PROJECT_COUNT = 25;

const suite: Suite = {
  name: 'api-throughput',
  description: 'GraphQL req/s: bare graphql-yoga vs our API (viewer; a page of 20 projects) on in-memory PGlite, or PostgreSQL with DATABASE_URL',
  async run(settings) {
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const bare = await startBareYoga();
      cleanup.push(bare.close);
      const api = await startApi(cleanup, { databaseUrl: process.env.DATABASE_URL });
      console.log(`  database: ${api.databaseLabel}`);

      const auth = { authorization: `Bearer ${api.secret}` };
      const scenarios: Scenario[] = [
        // `data`: the API's answers carry a changing `extensions.cost`; all three are checked the same way.
        { name: 'bare graphql-yoga (baseline)', url: `${bare.url}/graphql`, query: '{ hello }', compare: 'data' },
        {
          name: 'API viewer',
          url: `${api.url}/graphql`,
          query: '{ viewer { id name tier } }',
          headers: auth,
          compare: 'data',
          check: (data) => assert(data.viewer?.tier === 'ENTERPRISE', 'viewer: expected the enterprise bench tenant'),
        },
        {
          name: 'API projects(first: 20)',
          url: `${api.url}/graphql`,
          query: '{ projects(first: 20) { edges { node { id name createdAt } } } }',
          headers: auth,
          compare: 'data',
          check: (data) => assert(data.projects?.edges?.length === 20, 'projects: expected a full page of 20'),
        },
      ];
      const [baseline, ...results] = await measureInterleaved(scenarios, settings);

      const ratio = (value: number) => value / baseline.median.requestsPerSecond;
      const rows = [['scenario', 'req/s (median)', 'runs (req/s)', 'p50 ms', 'p99 ms', 'vs baseline']];
      for (const result of [baseline, ...results]) {
        rows.push([
          result.scenario.name,
          format(result.median.requestsPerSecond),
          result.runs.map((run) => format(run.requestsPerSecond)).join(' / '),
          String(result.median.p50),
          String(result.median.p99),
          `${format(ratio(result.median.requestsPerSecond) * 100, 1)}%`,
        ]);
      }
      console.log(`\n${table(rows)}\n`);
      const viewerRatio = ratio(results[0].median.requestsPerSecond);
      const pageRatio = ratio(results[1].median.requestsPerSecond);
      console.log(
        `Target "authenticated viewer ≥ ${TARGET_RATIO * 100}% of the bare server": ${viewerRatio >= TARGET_RATIO ? 'MET' : 'NOT MET'}` +
          ` (viewer/baseline = ${format(viewerRatio * 100, 1)}%)`,
      );
      console.log(
        `Target "a page of 20 projects ≥ ${PAGE_TARGET_RATIO * 100}% of the bare server": ${pageRatio >= PAGE_TARGET_RATIO ? 'MET' : 'NOT MET'}` +
          ` (projects/baseline = ${format(pageRatio * 100, 1)}%)`,
      );
    } finally {
      for (const close of cleanup.reverse()) await close();
    }
  },
};
export default suite;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The baseline: graphql-yoga with its defaults, one constant field, nothing else. */
export async function startBareYoga() {
  const { createYoga, createSchema } = await importApiYoga();
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
    logging: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

interface YogaModule {
  createSchema(options: { typeDefs: string; resolvers: Record<string, Record<string, () => unknown>> }): unknown;
  createYoga(options: { schema: unknown; logging?: boolean }): RequestListener;
}

/**
 * graphql-yoga is a dependency of api/, not of the workspace root, so a bare import does not resolve
 * from here: load the api's own copy (same version, same `graphql`), by its ESM entry as server.ts does.
 */
async function importApiYoga(): Promise<YogaModule> {
  const requireFromApi = createRequire(new URL('../../api/package.json', import.meta.url));
  const manifestPath = requireFromApi.resolve('graphql-yoga/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: { '.': { import: { default: string } } } };
  return import(pathToFileURL(join(dirname(manifestPath), manifest.exports['.'].import.default)).href);
}

/**
 * Our API as `main.ts` builds it, on in-memory PGlite (or, given `databaseUrl`, a PostgreSQL database
 * of its own on that server), with an enterprise tenant and its projects. What it opens is pushed onto
 * `cleanup`, to be closed in reverse order.
 */
export async function startApi(cleanup: Array<() => Promise<void>>, options: { databaseUrl?: string } = {}) {
  const environment = { EVERJUST_LOG_LEVEL: 'silent', ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, EVERJUST_SECRET: 'bench-secret-'.padEnd(64, 'x'), EVERJUST_SANDBOX: 'static' } : {}) };
  const config = loadConfig(environment);
  const bench = await openBenchDatabase(config);
  cleanup.push(() => bench.close());
  const { database } = bench;
  const pubsub = createLocalPubSub();
  cleanup.push(() => pubsub.close());
  const app = await createApp({ config, database, pubsub, logger: createLogger({ level: 'silent' }) });
  cleanup.push(() => app.stop());
  const server = await listen(app.handler, 0, '127.0.0.1');
  cleanup.push(() => server.close());

  // Limits the load never reaches: the benchmark measures the checking, not refusals.
  const tenant = await createTenant(database.prisma, {
    name: 'Bench tenant',
    tier: 'enterprise',
    limitOverrides: { burstPerSecond: 1_000_000_000, requestsPerHour: null, queryCostPerMinute: 1_000_000_000_000 },
  });
  const { secret } = await createApiKeyRecord(database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' });
  for (let i = 1; i <= PROJECT_COUNT; i++) {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        query: 'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }',
        variables: { input: { name: `Bench project ${i}` } },
      }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    if (!response.ok || body.errors) throw new Error(`createProject failed (HTTP ${response.status}): ${JSON.stringify(body)}`);
  }
  return { url: server.url, secret, databaseLabel: bench.label, prisma: database.prisma, tenantId: tenant.id };
}
