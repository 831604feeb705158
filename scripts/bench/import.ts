import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { zipSync, type Zippable } from 'fflate';
import { loadConfig, sessionEventsChannel } from '@everjust/core';
import { createApiKeyRecord, createTenant } from '@everjust/api';
import { startFakeGitHub } from '../../test-support/fake-github.js';
import { startTestPlatform } from '../../test-support/platform.js';
import { format, graphqlRequest, median, openBenchDatabase, readInteger, table, type Suite } from './_harness.js';

/**
 * Issue 17's figures: an import of a 500-file repository (GitHub, through Octokit against the fake
 * GitHub on 127.0.0.1: the zipball downloaded, read, inflated and written) and of the same files as an
 * uploaded ZIP, and a fork of a 500-file project: wall time and database statements.
 *
 * The API and an in-process worker run on the bench database (PostgreSQL when DATABASE_URL is set,
 * else in-memory PGlite). Time: from the mutation's request to its answer (fork), or to the session's
 * `done` event as the worker publishes it (imports; the wait reads no table). Statements: every query
 * node-postgres sends (Client#query, BEGIN and COMMIT included), split into the API's part (until the
 * mutation answered) and the worker's (until `done`); on PGlite only times are reported (its adapter
 * sends no node-postgres queries). Background polling (the worker's, webhooks', sandbox cleanup) is set
 * to 10 minutes so it does not land in a window; the leases are the defaults (30 s, heartbeat 10 s).
 *
 * Settings: BENCH_IMPORT_FILES (500), BENCH_IMPORT_ROUNDS (5), BENCH_IMPORT_FILE_BYTES (1500).
 */

let counting = false;
let statements = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (counting) statements += 1;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

interface Figures {
  ms: number;
  apiStatements: number;
  workerStatements: number;
}

const suite: Suite = {
  name: 'import',
  description: 'importProject of a 500-file repository (GitHub zipball) and ZIP upload, forkProject of a 500-file project: time and database statements',
  async run() {
    const fileCount = readInteger('BENCH_IMPORT_FILES', 500, 1);
    const rounds = readInteger('BENCH_IMPORT_ROUNDS', 5, 1);
    const fileBytes = readInteger('BENCH_IMPORT_FILE_BYTES', 1500, 10);
    const bench = await openBenchDatabase(loadConfig(process.env));
    const github = await startFakeGitHub();
    const idle = String(10 * 60_000);
    const platform = await startTestPlatform(bench.database, {
      environment: {
        EVERJUST_RATE_LIMITS: 'off',
        EVERJUST_JOB_LEASE_MS: '30000',
        EVERJUST_JOB_HEARTBEAT_MS: '10000',
        EVERJUST_WORKER_POLL_INTERVAL_MS: idle,
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: idle,
        EVERJUST_SANDBOX_CLEANUP_INTERVAL_MS: idle,
        EVERJUST_PROJECT_MAX_FILES: String(Math.max(500, fileCount)),
        GITHUB_API_URL: github.url,
      },
    });
    try {
      const tenant = await createTenant(bench.database.prisma, { name: 'Import bench', tier: 'enterprise' });
      const key = (await createApiKeyRecord(bench.database.prisma, { tenantId: tenant.id, mode: 'live', name: 'bench' })).secret;

      // A repository as people have them: sources in folders, a few assets, and dependencies that are left out.
      const files: Record<string, string> = {};
      for (let index = 0; index < fileCount; index++) {
        const path = index === 0 ? 'package.json' : index === 1 ? 'index.html' : `src/feature-${index % 20}/module-${index}.js`;
        files[path] = `// ${path}\n${`export const value${index} = ${index};\n`.repeat(Math.ceil(fileBytes / 30))}`.slice(0, fileBytes);
      }
      const skipped = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`node_modules/dep-${index}/index.js`, 'module.exports = 1;\n']));
      github.addRepository('bench', 'app');
      github.setFiles('bench', 'app', 'main', { ...files, ...skipped });
      const zipped: Zippable = {};
      for (const [path, content] of Object.entries({ ...files, ...skipped })) zipped[path] = new TextEncoder().encode(content);
      const archive = zipSync(zipped, { level: 6 });

      const importMutation = 'mutation($input: ImportProjectInput!) { importProject(input: $input) { id } }';
      /** One import, timed from the request to `done`; throws unless it imported every file. */
      async function runImport(source: Record<string, unknown>, round: number): Promise<Figures> {
        let resolveDone!: (payload: any) => void;
        const done = new Promise<any>((resolve) => (resolveDone = resolve));
        let unsubscribe: (() => Promise<void>) | undefined;
        statements = 0;
        counting = true;
        const started = performance.now();
        const data = await graphqlRequest(platform.url, key, importMutation, { input: { source, name: `Import ${round}` } });
        const apiStatements = statements;
        const sessionId = Buffer.from(data.importProject.id, 'base64url').toString().split(':')[1];
        unsubscribe = await platform.pubsub.subscribe(sessionEventsChannel(sessionId), (message) => {
          const event = JSON.parse(message) as { type: string; payload: unknown };
          if (event.type === 'done') resolveDone(event.payload);
        });
        // The worker may have finished before the subscription: then the log has it (read uncounted).
        counting = false;
        const already = await bench.database.prisma.sessionEvent.findFirst({ where: { sessionId, type: 'done' } });
        counting = true;
        const payload = already ? already.payload : await done;
        const ms = performance.now() - started;
        counting = false;
        const workerStatements = statements - apiStatements;
        await unsubscribe();
        const result = (payload as { status: string; result?: { imported: number; skipped: number } }) ?? {};
        if ((payload as { status: string }).status !== 'succeeded' || result.result?.imported !== fileCount || result.result?.skipped !== 50) {
          throw new Error(`import round ${round}: ${JSON.stringify(payload).slice(0, 500)}`);
        }
        return { ms, apiStatements, workerStatements };
      }

      async function upload(): Promise<string> {
        const response = await fetch(`${platform.url}/v1/uploads?filename=bench.zip`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/zip' }, body: Buffer.from(archive) });
        const body = (await response.json()) as { id: string };
        if (response.status !== 201) throw new Error(`upload: HTTP ${response.status} ${JSON.stringify(body)}`);
        return body.id;
      }

      // The fork's source: a project with the files, written in one mutation.
      const source = await graphqlRequest(platform.url, key, 'mutation { createProject(input: { name: "Fork source" }) { id } }', {});
      const sourceId = source.createProject.id as string;
      await graphqlRequest(platform.url, key, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', {
        input: { projectId: sourceId, files: Object.entries(files).map(([path, content]) => ({ path, content })) },
      });
      async function runFork(round: number): Promise<Figures> {
        statements = 0;
        counting = true;
        const started = performance.now();
        const data = await graphqlRequest(platform.url, key, 'mutation($input: ForkProjectInput!) { forkProject(input: $input) { id } }', { input: { projectId: sourceId, name: `Fork ${round}` } });
        const ms = performance.now() - started;
        counting = false;
        const forkId = Buffer.from(data.forkProject.id, 'base64url').toString().split(':')[1];
        const count = await bench.database.prisma.projectFile.count({ where: { projectId: forkId } });
        if (count !== fileCount) throw new Error(`fork round ${round}: ${count} files, not ${fileCount}`);
        return { ms, apiStatements: statements, workerStatements: 0 };
      }

      // Warm-up (JIT, prepared statements, the first connection), not counted.
      await runImport({ github: { owner: 'bench', repo: 'app' } }, 0);
      await runImport({ archiveUploadId: await upload() }, 0);
      await runFork(0);

      const measured = { github: [] as Figures[], zip: [] as Figures[], fork: [] as Figures[] };
      for (let round = 1; round <= rounds; round++) {
        measured.github.push(await runImport({ github: { owner: 'bench', repo: 'app' } }, round));
        measured.zip.push(await runImport({ archiveUploadId: await upload() }, round));
        measured.fork.push(await runFork(round));
        console.log(
          `  round ${round}/${rounds}  github ${format(measured.github.at(-1)!.ms)} ms  zip ${format(measured.zip.at(-1)!.ms)} ms  fork ${format(measured.fork.at(-1)!.ms)} ms`,
        );
      }
      const onPostgres = bench.kind === 'postgres';
      const row = (name: string, figures: Figures[]) => [
        name,
        format(median(figures.map((figure) => figure.ms))),
        format(Math.min(...figures.map((figure) => figure.ms))),
        format(Math.max(...figures.map((figure) => figure.ms))),
        onPostgres ? format(median(figures.map((figure) => figure.apiStatements))) : 'n/a',
        onPostgres ? format(median(figures.map((figure) => figure.workerStatements))) : 'n/a',
      ];
      console.log(`\n${bench.label}; ${fileCount} files of ${fileBytes} bytes (+50 in node_modules/, left out), zip ${format(archive.length)} bytes; ${rounds} rounds\n`);
      console.log(
        table([
          ['operation', 'median ms', 'min ms', 'max ms', 'API statements', 'worker statements'],
          row(`import from GitHub (${fileCount} files)`, measured.github),
          row(`import of an uploaded ZIP (${fileCount} files)`, measured.zip),
          row(`fork (${fileCount} files)`, measured.fork),
        ]),
      );
    } finally {
      await platform.stop();
      await github.close();
      await bench.close();
    }
  },
};

export default suite;
