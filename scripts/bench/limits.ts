import { randomBytes } from 'node:crypto';
import { createLogger, createPubSub, loadConfig, type Config } from '@everjust/core';
import { createApp, listen, createApiKeyRecord, createTenant } from '@everjust/api';
import { format, measureInterleaved, openBenchDatabase, table, type Scenario, type Suite } from './_harness.js';

/**
 * The cost of rate limits and query-cost accounting (issue 5: "Throughput with limits and cost
 * accounting on against off, same run, on a tenant whose limits the load never reaches (so it measures
 * the checking, not refusals): target at least 0.85 of it.").
 *
 * Two API servers in this process, built by `createApp` as `main.ts` builds it, on the same database
 * (PostgreSQL when DATABASE_URL is set, else in-memory PGlite): one with EVERJUST_RATE_LIMITS=on (the
 * default: per request a burst take, and per operation a query-cost take, each a Redis call when
 * REDIS_URL is set, else in memory), one with EVERJUST_RATE_LIMITS=off (no rate-limit plugin at all;
 * query cost is still computed and capped by maxCost in both). One enterprise tenant with limits the
 * load never reaches (requestsPerHour unlimited, burstPerSecond 1e6, queryCostPerMinute 1e9).
 * autocannon, interleaved (viewer off, viewer on, projects off, projects on, …); every response's
 * `data` must equal the checked one (the `on` server's `extensions.cost.remaining` changes every time).
 */

const TARGET_RATIO = 0.85;
const PROJECT_COUNT = 25;

const suite: Suite = {
  name: 'limits',
  description: 'GraphQL req/s with rate limits + cost accounting on vs off (same run, limits never reached)',
  async run(settings) {
    const processConfig = loadConfig(process.env);
    const redisUrl = processConfig.redisUrl;
    const cleanup: Array<() => Promise<void>> = [];
    try {
      const bench = await openBenchDatabase(processConfig);
      cleanup.push(bench.close);
      const pubsub = createPubSub({ redisUrl });
      cleanup.push(() => pubsub.close());
      const prefix = `everjust-bench-${randomBytes(6).toString('hex')}`;
      const start = async (rateLimits: 'on' | 'off') => {
        const config: Config = loadConfig({ EVERJUST_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent', REDIS_URL: redisUrl, EVERJUST_RATE_LIMITS: rateLimits, EVERJUST_RATE_LIMIT_PREFIX: prefix });
        const app = await createApp({ config, database: bench.database, pubsub, logger: createLogger({ level: config.logLevel }) });
        cleanup.push(() => app.stop());
        const server = await listen(app.handler, 0, '127.0.0.1');
        cleanup.push(() => server.close());
        return { app, url: `${server.url}/graphql` };
      };
      const off = await start('off');
      const on = await start('on');

      const tenant = await createTenant(bench.database.prisma, {
        name: 'Bench limits',
        tier: 'enterprise',
        limitOverrides: { requestsPerHour: null, burstPerSecond: 1_000_000, queryCostPerMinute: 1_000_000_000 },
      });
      const { secret } = await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' });
      const headers = { authorization: `Bearer ${secret}` };
      for (let i = 1; i <= PROJECT_COUNT; i++) {
        await post(off.url, headers, 'mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: `Bench project ${i}` } });
      }
      const store = on.app.services.rateLimits?.store;
      console.log(
        `database: ${bench.label}; rate-limit counters: ${store === 'redis' ? `Redis ${new URL(redisUrl!).host}` : store === 'memory' ? 'in memory (REDIS_URL not set)' : `${store} (Redis configured but not reachable: in-memory insurance)`}; ` +
          `servers: ${off.url} (EVERJUST_RATE_LIMITS=off), ${on.url} (on)`,
      );
      if (redisUrl && store !== 'redis') throw new Error(`REDIS_URL is set but the rate-limit store is ${store}`);

      // Each server does what its setting says: the `on` one answers rate-limit headers and extensions.cost.
      const viewer = '{ viewer { id name tier } }';
      const projects = '{ projects(first: 20) { edges { node { id name createdAt } } } }';
      await expectLimited(on.url, headers, viewer, true);
      await expectLimited(off.url, headers, viewer, false);

      const checkViewer = (data: any) => assert(data.viewer?.tier === 'ENTERPRISE', 'viewer: expected the enterprise bench tenant');
      const checkProjects = (data: any) => assert(data.projects?.edges?.length === 20, 'projects: expected a full page of 20');
      const scenario = (name: string, url: string, query: string, check: (data: any) => void): Scenario => ({ name, url, query, headers, check, compare: 'data' });
      const scenarios = [
        scenario('viewer, limits off', off.url, viewer, checkViewer),
        scenario('viewer, limits on', on.url, viewer, checkViewer),
        scenario('projects(20), limits off', off.url, projects, checkProjects),
        scenario('projects(20), limits on', on.url, projects, checkProjects),
      ];
      const results = await measureInterleaved(scenarios, settings);

      const rows = [['scenario', 'req/s (median)', 'runs (req/s)', 'p50 ms', 'p99 ms', 'on / off']];
      const ratios: Array<[string, number]> = [];
      for (let index = 0; index < results.length; index += 2) {
        const [offResult, onResult] = [results[index], results[index + 1]];
        const ratio = onResult.median.requestsPerSecond / offResult.median.requestsPerSecond;
        ratios.push([onResult.scenario.name.split(',')[0], ratio]);
        for (const result of [offResult, onResult]) {
          rows.push([
            result.scenario.name,
            format(result.median.requestsPerSecond),
            result.runs.map((run) => format(run.requestsPerSecond)).join(' / '),
            String(result.median.p50),
            String(result.median.p99),
            result === onResult ? format(ratio, 3) : '',
          ]);
        }
      }
      console.log(`\n${table(rows)}\n`);
      console.log(
        `Target "limits on ≥ ${TARGET_RATIO} of off": ${ratios.every(([, ratio]) => ratio >= TARGET_RATIO) ? 'MET' : 'NOT MET'} ` +
          `(${ratios.map(([name, ratio]) => `${name} ${format(ratio, 3)}`).join(', ')})`,
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

async function post(url: string, headers: Record<string, string>, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[]; extensions?: Record<string, any> };
  if (!response.ok || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return { response, body };
}

/** Throws unless the server answers rate-limit headers and `extensions.cost` exactly when `limited`. */
async function expectLimited(url: string, headers: Record<string, string>, query: string, limited: boolean) {
  const { response, body } = await post(url, headers, query);
  const hasHeaders = response.headers.has('ratelimit-limit');
  const hasCost = body.extensions?.cost !== undefined;
  if (hasHeaders !== limited || hasCost !== limited) {
    throw new Error(`${url}: expected rate limits ${limited ? 'on' : 'off'}, got RateLimit headers ${hasHeaders}, extensions.cost ${hasCost}`);
  }
}
