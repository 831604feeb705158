import { decodeIdOf } from '@everjust/core';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropic, localSandboxPaths, localSandboxRoot } from '@everjust/worker';
import { startFakeAnthropic, type FakeAnthropic } from '../test-support/fake-anthropic.js';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const EVENTS = `subscription($sessionId: ID!) { sessionEvents(sessionId: $sessionId) { ${EVENT_FIELDS}
  ... on PreviewReadyEvent { url } ... on PreviewFailedEvent { reason } ... on SandboxCreatedEvent { sandboxId provider }
  ... on CommandStartedEvent { commandId command } ... on CommandOutputEvent { commandId stream text } ... on CommandFinishedEvent { commandId exitCode timedOut } } }`;

interface Harness {
  database: TestDatabase;
  platform: TestPlatform;
  tenant: TestTenant;
  dataDir: string;
}

async function startHarness(options: { fake?: FakeAnthropic; environment?: Record<string, string> } = {}): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'everjust-local-'));
  // As `pnpm start` makes `.data`: readable by every user (mkdtemp's is private already).
  chmodSync(dataDir, 0o755);
  const database = await openPgliteTestDatabase();
  const platform = await startTestPlatform(database, {
    environment: { EVERJUST_SANDBOX: 'local', EVERJUST_DATA_DIR: dataDir, EVERJUST_PREVIEW_WAIT_MS: '20000', EVERJUST_RUN_COMMAND_TIMEOUT_MS: '30000', ...options.environment },
    llm: options.fake ? { anthropic: createAnthropic({ apiKey: 'sk-ant-test', model: 'claude-test', baseUrl: options.fake.url, maxRetries: 0 }) } : undefined,
  });
  return { database, platform, dataDir, tenant: await createTestTenant(database) };
}

async function stopHarness(harness: Harness) {
  await harness.platform.stop();
  await harness.database.close();
  rmSync(harness.dataDir, { recursive: true, force: true });
  rmSync(localSandboxRoot(harness.dataDir), { recursive: true, force: true });
}

async function run(harness: Harness, prompt: string, files: Array<{ path: string; content: string }> = []) {
  const { platform, tenant } = harness;
  const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Local" }) { id } }');
  const projectId = project.data.createProject.id as string;
  if (files.length) await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId, files } });
  const started = await graphql(platform.app, tenant.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt } });
  return { projectId, sessionId: started.data.startSession.id as string };
}

/** A page as the app served it: the preview proxy adds the error reporter and marks the app's own scripts `crossorigin`. */
const withoutReporter = (html: string) => html.replace(/<script src="[^"]*\/__everjust\/reporter\.js"><\/script>/, '').replace(/<script crossorigin /g, '<script ');

const follow = (harness: Harness, sessionId: string, until?: (event: any) => boolean) =>
  subscribeSse(harness.platform.url, harness.tenant.live, EVENTS, { sessionId }, { until });

describe('the local sandbox with the offline model', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => stopHarness(harness));

  it('previews an offline-generated app: preview_ready answers 200 with the page, then done', async () => {
    const { sessionId } = await run(harness, 'Build a calculator');
    const { events } = await follow(harness, sessionId);
    const types = events.map((event) => event.type);
    expect(types).toContain('sandbox_created');
    const ready = events.find((event) => event.type === 'preview_ready');
    // On the preview origin (the API's own, under /preview), never the sandbox's port.
    expect(ready?.url).toMatch(new RegExp(`^${harness.platform.app.services.config.previewUrl}/[^/]+/$`));
    expect(types.indexOf('preview_ready')).toBeLessThan(types.indexOf('done'));
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const page = await fetch(ready.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<head[^>]*><script src="\/preview\/[^/]+\/__everjust\/reporter\.js"><\/script>/);
    const stored = await harness.database.prisma.projectFile.findFirstOrThrow({ where: { path: 'index.html', project: { tenantId: harness.tenant.id } }, include: { blob: true }, orderBy: { updatedAt: 'desc' } });
    expect(withoutReporter(html)).toBe(stored.blob.content);
  });

  it('ends in preview_failed, showing the install output, when npm install fails; the session stays succeeded', async () => {
    const manifest = JSON.stringify({ name: 'broken', version: '1.0.0', scripts: { start: 'node server.js' }, dependencies: { missing: 'file:./does-not-exist.tgz' } });
    const { sessionId } = await run(harness, 'A counter', [{ path: 'package.json', content: manifest }]);
    const { events } = await follow(harness, sessionId);
    const install = events.find((event) => event.type === 'command_started');
    expect(install.command).toMatch(/npm install/);
    expect(events.filter((event) => event.type === 'command_output' && event.commandId === install.commandId).length).toBeGreaterThan(0);
    expect(events.find((event) => event.type === 'command_finished')).toMatchObject({ commandId: install.commandId });
    expect(events.find((event) => event.type === 'command_finished').exitCode).not.toBe(0);
    const failed = events.find((event) => event.type === 'preview_failed');
    expect(failed.reason).toMatch(/npm install failed/);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  }, 60_000);

  it('keeps hostile file names inside the sandbox and stops idle sandboxes', async () => {
    const marker = join(harness.dataDir, 'pwned');
    const { projectId, sessionId } = await run(harness, 'A timer', [{ path: `$(touch ${marker}).js`, content: 'x' }]);
    await follow(harness, sessionId);
    expect(existsSync(marker)).toBe(false);
    const sandbox = await harness.database.prisma.sandbox.findUniqueOrThrow({ where: { projectId: decodeIdOf('Project', projectId)! } });
    const folder = localSandboxPaths(localSandboxRoot(harness.dataDir), sandbox.externalId!).app;
    expect(folder.startsWith(harness.dataDir)).toBe(false);
    expect(readFileSync(join(folder, `$(touch ${marker}).js`), 'utf8')).toBe('x');
    const refused = await graphql(harness.platform.app, harness.tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, {
      input: { projectId, files: [{ path: '../../etc/passwd', content: 'x' }] },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // Idle past the tier's limit (enterprise: 120 min): the cleanup stops it and its server.
    const url = sandbox.previewUrl!;
    expect((await fetch(url)).status).toBe(200);
    const later = new Date(Date.now() + 121 * 60_000);
    const { stopped } = await harness.platform.worker!.cleanup(later);
    expect(stopped).toContain(sandbox.id);
    expect((await harness.database.prisma.sandbox.findUniqueOrThrow({ where: { id: sandbox.id } })).status).toBe('stopped');
    // Its link is revoked (once the 2 s access cache has passed), and its server is gone.
    await expect.poll(async () => (await fetch(url)).status, { timeout: 5000, interval: 200 }).toBe(404);
    await expect(fetch(sandbox.upstreamUrl!)).rejects.toThrow();
  }, 60_000);
});

describe('startPreview and stopSandbox on the local sandbox', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => stopHarness(harness));

  it('previews a project seeded by hand, reports it on Project.sandbox, and stops it on request', async () => {
    const { platform, tenant } = harness;
    const project = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Seeded" }) { id } }');
    const projectId = project.data.createProject.id as string;
    await graphql(platform.app, tenant.live, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, {
      input: { projectId, files: [{ path: 'index.html', content: '<h1>Seeded by hand</h1>' }] },
    });
    const started = await graphql(platform.app, tenant.live, `mutation($input: StartPreviewInput!) { startPreview(input: $input) { id kind status } }`, { input: { projectId } });
    expect(started.data.startPreview).toMatchObject({ kind: 'preview', status: 'queued' });
    const { events } = await follow(harness, started.data.startPreview.id);
    const ready = events.find((event) => event.type === 'preview_ready');
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(withoutReporter(await (await fetch(ready.url)).text())).toBe('<h1>Seeded by hand</h1>');

    const sandbox = `query($id: ID!) { project(id: $id) { sandbox { provider status previewUrl lastActiveAt } } }`;
    const before = await graphql(platform.app, tenant.live, sandbox, { id: projectId });
    expect(before.data.project.sandbox).toMatchObject({ provider: 'local', status: 'running', previewUrl: ready.url });

    const stopped = await graphql(platform.app, tenant.live, `mutation($input: StopSandboxInput!) { stopSandbox(input: $input) { sandbox { status previewUrl } } }`, { input: { projectId } });
    expect(stopped.data.stopSandbox.sandbox).toEqual({ status: 'stopped', previewUrl: null });
    // Its link answers 404 at once or within the 2 s access cache; a worker stops the server itself moments later.
    await expect.poll(async () => (await fetch(ready.url)).status, { timeout: 5000, interval: 100 }).toBe(404);
    const row = await harness.database.prisma.sandbox.findUniqueOrThrow({ where: { projectId: decodeIdOf('Project', projectId)! } });
    await expect.poll(async () => fetch(row.upstreamUrl!).then(() => 'up', () => 'down'), { timeout: 5000, interval: 100 }).toBe('down');
  }, 60_000);
});

describe('the local sandbox with Claude running commands', () => {
  let fake: FakeAnthropic;
  let harness: Harness;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    // No EVERJUST_SECRET: the embedded start makes one and keeps it in the data dir, as `pnpm start` does.
    harness = await startHarness({ fake, environment: { EVERJUST_SECRET: '' } });
  });
  afterAll(async () => {
    await stopHarness(harness);
    await fake.close();
  });

  it('runs a scripted run_command in the sandbox and sends its output back to the model', async () => {
    fake.enqueue([
      { toolCalls: [{ name: 'write_file', input: { path: 'index.html', content: '<h1>ok</h1>' } }, { name: 'run_command', input: { command: 'ls && echo built-$((6*7))' } }] },
      { text: 'All good.' },
    ]);
    const { sessionId } = await run(harness, 'Check the build');
    const { events } = await follow(harness, sessionId);
    const output = events.filter((event) => event.type === 'command_output').map((event) => event.text).join('');
    expect(output).toContain('index.html');
    expect(output).toContain('built-42');
    expect(events.find((event) => event.type === 'command_finished')).toMatchObject({ exitCode: 0 });
    const toolResults = fake.requests[1].body.messages.at(-1).content;
    const commandResult = toolResults.find((block: any) => block.content.includes('built-42'));
    expect(commandResult.content).toMatch(/exit code 0/);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  }, 60_000);

  it('shows NUL bytes of a command output as U+FFFD, and refuses a command with a NUL as a tool error', async () => {
    fake.enqueue([
      { toolCalls: [{ name: 'run_command', input: { command: "printf 'a\\000b'" } }, { name: 'run_command', input: { command: 'echo x\u0000' } }] },
      { text: 'Seen.' },
    ]);
    const { sessionId } = await run(harness, 'Print a NUL');
    const { events } = await follow(harness, sessionId);
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
    expect(events.filter((event) => event.type === 'command_output').map((event) => event.text).join('')).toBe('a\uFFFDb');
    expect(events.filter((event) => event.type === 'command_started')).toHaveLength(1);
    const toolResults = fake.requests.at(-1)!.body.messages.at(-1).content;
    expect(toolResults.find((block: any) => block.content.includes('NUL'))).toMatchObject({ is_error: true });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  }, 60_000);

  it('cancels a running `sleep 60` within 2 s and leaves no sleep behind', async () => {
    const tag = `everjust-sleep-${Date.now()}`;
    fake.enqueue([{ toolCalls: [{ name: 'run_command', input: { command: `sleep 60 # ${tag}` } }] }]);
    const { sessionId } = await run(harness, 'Sleep');
    await follow(harness, sessionId, (event) => event.type === 'command_started');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(execFileSync('ps', ['-eo', 'args']).toString()).toContain(tag);
    const cancelledAt = Date.now();
    await graphql(harness.platform.app, harness.tenant.live, `mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id } }`, { input: { id: sessionId } });
    const { events } = await follow(harness, sessionId);
    expect(Date.now() - cancelledAt).toBeLessThan(2000);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
    const left = execFileSync('ps', ['-eo', 'stat,args']).toString().split('\n').filter((line) => line.includes(tag) && !line.startsWith('Z'));
    expect(left).toEqual([]);
  }, 30_000);

  it("keeps a generated command from the worker's environment and the data dir's secret", async () => {
    const secret = readFileSync(join(harness.dataDir, 'secret'), 'utf8').trim();
    const workerEnvironment = readFileSync('/proc/self/environ', 'latin1').split('\u0000').filter((entry) => /^[A-Z_][A-Z0-9_]*=.{4,}/.test(entry) && !/^(PATH|HOME|LANG)=/.test(entry));
    // NULs become newlines: a NUL in an event would fail on its own (issue 20 point 7).
    const command = `tr '\\0' '\\n' < /proc/$PPID/environ; tr '\\0' '\\n' < /proc/${process.pid}/environ; cat ${harness.dataDir}/secret; echo; echo finished`;
    fake.enqueue([{ toolCalls: [{ name: 'run_command', input: { command } }] }, { text: 'Looked around.' }]);
    const { sessionId } = await run(harness, 'Look around');
    const { events } = await follow(harness, sessionId);
    const output = events.filter((event) => event.type === 'command_output').map((event) => event.text).join('');
    expect(output).toContain('finished');
    expect(output).not.toContain(secret);
    for (const entry of workerEnvironment) expect(output).not.toContain(entry);
    // What the model was sent back holds none of it either.
    const toolResult = JSON.stringify(fake.requests.at(-1)!.body.messages.at(-1).content);
    expect(toolResult).toContain('finished');
    expect(toolResult).not.toContain(secret);
    // The data dir is this process's alone now (it was left readable by everyone).
    expect(statSync(harness.dataDir).mode & 0o077).toBe(0);
  }, 60_000);
});
