import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import codegenConfig from '../codegen.js';
import { printApiSchema, SCHEMA_PATH } from '../scripts/print-schema.js';

/**
 * The SDK as it is published: the committed schema and generated code match the API, and the packed
 * tarball, installed alone into fresh ESM and CJS projects (no registry), type-checks with nothing
 * else installed and runs against a real API.
 */

const run = promisify(execFile);
const sdkDirectory = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(join(sdkDirectory, '..', 'package.json')).resolve('typescript/bin/tsc');

describe('the committed schema and generated code', () => {
  it('match the live API schema (run `pnpm --filter @everjust/sdk generate` when this fails)', async () => {
    expect(await readFile(SCHEMA_PATH, 'utf8')).toBe(printApiSchema());
    const [output] = await generate({ ...codegenConfig, cwd: sdkDirectory, silent: true }, false);
    expect(output.content).toBe(await readFile(join(sdkDirectory, 'src/generated/graphql.ts'), 'utf8'));
  });
});

describe('the packed tarball', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let workspace: string;
  let tarball: string;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'everjust-sdk-'));
    // `npm pack` runs `prepack` (the tsup build) as a publish would.
    const packing = run('npm', ['pack', '--json', '--offline', '--no-update-notifier', '--pack-destination', workspace], { cwd: sdkDirectory }).then(({ stdout }) => {
      // npm's JSON is the end of stdout (a build log may come before it).
      tarball = join(workspace, /"filename": "([^"]+)"/.exec(stdout)![1]);
    });
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database);
    tenant = await createTestTenant(database);
    await packing;
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await database?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('holds the builds, types, README and CHANGELOG, has no dependencies, and passes publint', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        'package/CHANGELOG.md',
        'package/README.md',
        'package/dist/index.cjs',
        'package/dist/index.cjs.map',
        'package/dist/index.d.cts',
        'package/dist/index.d.ts',
        'package/dist/index.js',
        'package/dist/index.js.map',
        'package/package.json',
      ].sort(),
    );
    const manifest = JSON.parse(await readFile(join(sdkDirectory, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    const types = await readFile(join(sdkDirectory, 'dist/index.d.ts'), 'utf8');
    // Bundled: no import of graphql or anything else (`import("…")` types included; `projects.import(params)` is a method).
    expect(types).not.toMatch(/from ['"]|import\(\s*['"]/);

    const tarballBytes = await readFile(tarball);
    const { messages, pkg } = await publint({ pack: { tarball: tarballBytes.buffer.slice(tarballBytes.byteOffset, tarballBytes.byteOffset + tarballBytes.byteLength) as ArrayBuffer }, strict: true, level: 'suggestion' });
    expect(messages.map((message) => formatMessage(message, pkg as never))).toEqual([]);
  });

  async function consumer(name: string, files: Record<string, string>) {
    const directory = join(workspace, name);
    await mkdir(directory);
    for (const [file, content] of Object.entries(files)) await writeFile(join(directory, file), content);
    // The SDK has no dependencies: the tarball alone installs, with no registry.
    await run('npm', ['install', tarball, '--offline', '--no-update-notifier', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: directory });
    const checked = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { cwd: directory }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(checked.stdout).toBe('');
    return directory;
  }

  async function runConsumer(directory: string, entry: string) {
    const { stdout } = await run(process.execPath, [entry], { cwd: directory, env: { ...process.env, EVERJUST_API_URL: platform.url, EVERJUST_API_KEY: tenant.test } });
    return JSON.parse(stdout);
  }

  // Both consumers at once: each is an npm install and a tsc run.
  it('installs into fresh ESM and CommonJS projects, which type-check with nothing else installed and run', async () => {
    const [esm, cjs] = await Promise.all([
      consumer('esm', {
        'package.json': JSON.stringify({ name: 'esm-consumer', private: true, type: 'module' }),
        // No DOM lib, no @types/node: the SDK's types must stand alone.
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: [], strict: true, allowJs: true, checkJs: true, noEmit: true, skipLibCheck: false },
          include: ['*.mjs', '*.mts', '*.d.ts'],
        }),
        // What this program uses of its host, declared by hand: the SDK itself needs nothing.
        'host.d.ts': 'declare const process: { env: Record<string, string | undefined> };\ndeclare const console: { log(...values: unknown[]): void };\n',
        'index.mjs': ESM_PROGRAM,
        'types.mts': TYPE_CHECKS,
      }),
      consumer('cjs', {
        'package.json': JSON.stringify({ name: 'cjs-consumer', private: true, type: 'commonjs' }),
        // The DOM lib: the global fetch and AbortSignal must fit the SDK's options.
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], strict: true, allowJs: true, checkJs: true, noEmit: true, skipLibCheck: false },
          include: ['*.cjs', '*.cts', '*.d.ts'],
        }),
        'host.d.ts': 'declare const process: { env: Record<string, string | undefined> };\ndeclare function require(id: string): any;\n',
        'index.cjs': CJS_PROGRAM,
        'types.cts': `${TYPE_CHECKS}
const viaGlobalFetch = new EverJust({ apiKey: 'k', fetch: globalThis.fetch });
void viaGlobalFetch.projects.list({}, { signal: AbortSignal.timeout(1000) });
`,
      }),
    ]);
    // Run one after the other: test mode runs two sessions at a time per tenant.
    const fromEsm = await runConsumer(esm, 'index.mjs');
    expect(fromEsm).toMatchObject({ name: 'From ESM', first: 'status', last: 'done', status: 'succeeded', notFound: 'NotFoundError:NOT_FOUND' });
    expect(fromEsm.files).toBeGreaterThan(0);
    const fromCjs = await runConsumer(cjs, 'index.cjs');
    expect(fromCjs).toMatchObject({ name: 'From CJS', pages: expect.any(Number), notFound: 'NotFoundError:NOT_FOUND', isApiError: true });
  });
});

const ESM_PROGRAM = `// @ts-check
import { EverJust, NotFoundError } from '@everjust/sdk';

const everjust = new EverJust({ apiKey: process.env.EVERJUST_API_KEY ?? '', baseUrl: process.env.EVERJUST_API_URL });
const project = await everjust.projects.create({ name: 'From ESM' });
const session = await everjust.sessions.create({ projectId: project.id, prompt: 'A counter' });
const stream = everjust.sessions.stream(session.id);
/** @type {string[]} */
const types = [];
for await (const event of stream) {
  types.push(event.type);
  if (event.type === 'file_written') event.path.toUpperCase();
}
const result = await stream.finalResult();
await everjust.projects.delete(project.id);
const notFound = await everjust.projects.get(project.id).catch((error) => error instanceof NotFoundError ? error.name + ':' + error.code : String(error));
console.log(JSON.stringify({ name: project.name, first: types[0], last: types.at(-1), status: result.status, files: result.files.length, notFound }));
`;

const CJS_PROGRAM = `// @ts-check
const { EverJust, NotFoundError, ApiError } = require('@everjust/sdk');

async function main() {
  const everjust = new EverJust({ apiKey: process.env.EVERJUST_API_KEY ?? '', baseUrl: process.env.EVERJUST_API_URL, maxRetries: 1 });
  const project = await everjust.projects.create({ name: 'From CJS', metadata: { source: 'cjs' } });
  let pages = 0;
  for await (const item of everjust.projects.list({ first: 1 })) if (item.id) pages++;
  await everjust.projects.delete(project.id);
  const error = await everjust.projects.update(project.id, { name: 'x' }).catch((caught) => caught);
  const notFound = error instanceof NotFoundError ? error.name + ':' + error.code : String(error);
  console.log(JSON.stringify({ name: project.name, pages, notFound, isApiError: error instanceof ApiError }));
}
main();
`;

/** Types a TypeScript consumer leans on: the event union narrows, and wrong calls do not compile. */
const TYPE_CHECKS = `import { EverJust } from '@everjust/sdk';
import type { ApiError, Page, Project, SessionEvent, SessionEventType, SessionResult } from '@everjust/sdk';

declare const everjust: EverJust;

function describe(event: SessionEvent): string {
  switch (event.type) {
    case 'status': return event.status + (event.message ?? '');
    case 'text_delta': return event.text;
    case 'file_written': return event.path + event.size + event.sha;
    case 'file_deleted': return event.path;
    case 'command_started': return event.command;
    case 'command_output': return event.stream + event.text;
    case 'command_finished': return String(event.exitCode ?? event.durationMs) + event.timedOut;
    case 'sandbox_created': return event.sandboxId + event.provider;
    case 'preview_ready': return event.url + (event.expiresAt ?? '');
    case 'preview_failed': return event.reason;
    case 'preview_error': return event.kind + event.message + (event.source ?? '') + (event.line ?? '') + event.fingerprint + event.count;
    case 'preview_checked': return event.errors.map((error) => error.kind + error.message + (error.source ?? '') + (error.line ?? '')).join() + event.screenshotUrl;
    case 'repair_started': return event.round + event.errors.map((error) => error.kind + error.message).join();
    case 'usage': return String(event.usage.outputTokens);
    case 'error': return event.code + event.message + event.retryable;
    case 'question': return event.question + event.choices.join(',') + event.expiresAt;
    case 'deploy_started': return event.deploymentId + event.provider + event.appKind + event.detected + (event.repository ?? '') + (event.commitSha ?? '');
    case 'deploy_progress': return event.deploymentId + event.phase + event.steps.map((step) => step.name + step.status + (step.reason ?? '')).join();
    case 'deploy_ready': return event.deploymentId + event.url;
    case 'deploy_failed': return event.deploymentId + event.phase + event.log;
    case 'done': return event.status + event.usage.inputTokens + (event.error?.message ?? '');
    default: { const never: never = event; return never; }
  }
}

async function checks(): Promise<void> {
  const page: Page<Project> = await everjust.projects.list({ first: 10 });
  for await (const project of everjust.projects.list()) project.metadata satisfies Record<string, unknown>;
  const result: SessionResult = await everjust.sessions.stream('id', { afterSeq: 3 }).finalResult();
  result.files[0]?.content.trim();
  const type: SessionEventType = 'text_delta';
  const error = null as unknown as ApiError;
  error.requestId satisfies string | undefined;
  // @ts-expect-error: the session id is required
  await everjust.sessions.create({ prompt: 'x' });
  // @ts-expect-error: not an event type
  const wrong: SessionEventType = 'nope';
  // @ts-expect-error: text exists only on some events
  (null as unknown as SessionEvent).text;
  await everjust.usage.get({ from: new Date(), groupBy: 'PROJECT' });
  // @ts-expect-error: not a scope
  await everjust.apiKeys.create({ name: 'x', scopes: ['projects:everything'] });
  void [page, type, wrong, describe];
}
void checks;
`;
