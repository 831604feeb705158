import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeDaytona, timeSandboxSteps, type FakeDaytona } from '../../../test-support/fake-daytona.js';
import { APP_ROOT, createDaytona, DEFAULT_IMAGE, type DaytonaSettings } from './daytona.js';
import { staticServerSource } from './local-static-server.js';
import { SandboxError, STATIC_SERVER_COMMAND, type CreateSandboxOptions } from './sandbox-provider.js';

let fake: FakeDaytona;

beforeEach(async () => {
  fake = await startFakeDaytona({ apiKey: 'test-key' });
});

afterEach(async () => {
  await fake.close();
});

function provider(settings: Partial<DaytonaSettings> = {}) {
  return createDaytona({ apiKey: 'test-key', apiUrl: fake.apiUrl, requestTimeoutMs: 5_000, ...settings });
}

const labels = { 'everjust.tenant': 'tenant-1', 'everjust.project': 'project-1', 'everjust.mode': 'preview' };

function createOptions(overrides: Partial<CreateSandboxOptions> = {}): CreateSandboxOptions {
  return { labels, autoStopMinutes: 15, autoDeleteMinutes: 60, ...overrides };
}

async function timed<T>(step: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await step();
  return { result, ms: performance.now() - started };
}

/** The error a promise rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createDaytona', () => {
  it('creates, uploads, runs a command with streamed output, signs a preview link, stops, deletes and lists', async () => {
    fake.onCommand('npm run build', () => ({ stdout: ['building\n', 'bundled 3 files\n'], stderr: ['warning: slow\n'], exitCode: 0, delayMs: 10 }));
    const daytona = provider();

    const created = await timed(() => daytona.create(createOptions({
      env: { NODE_ENV: 'production' },
      resources: { cpu: 2, memoryGiB: 4, diskGiB: 8 },
    })));
    const info = created.result;
    expect(info).toMatchObject({ provider: 'daytona', state: 'started', labels });
    const sandbox = fake.sandbox(info.id)!;
    expect(sandbox.createBody).toMatchObject({
      labels: { ...labels, 'code-toolbox-language': 'javascript' },
      env: { NODE_ENV: 'production' },
      autoStopInterval: 15,
      autoDeleteInterval: 60,
      cpu: 2,
      memory: 4,
      disk: 8,
      buildInfo: { dockerfileContent: `FROM ${DEFAULT_IMAGE}\n` },
    });
    const createRequest = fake.requests.find((request) => request.method === 'POST' && request.path === '/api/sandbox')!;
    expect(createRequest.headers.authorization).toBe('Bearer test-key');

    const upload = await timed(() => daytona.uploadFiles(info.id, [
      { path: 'index.html', content: '<!doctype html><h1>Hi ✓</h1>' },
      { path: 'src/app.js', content: "console.log('it\\'s fine');\n" },
    ]));
    expect(sandbox.files.get(`${APP_ROOT}/index.html`)).toBe('<!doctype html><h1>Hi ✓</h1>');
    expect(sandbox.files.get(`${APP_ROOT}/src/app.js`)).toBe("console.log('it\\'s fine');\n");

    const streamed: Array<[string, string]> = [];
    const command = await timed(() => daytona.runCommand(info.id, {
      command: 'npm run build',
      timeoutMs: 10_000,
      env: { CI: '1' },
      onOutput: (stream, text) => streamed.push([stream, text]),
    }));
    expect(streamed).toEqual([['stdout', 'building\n'], ['stdout', 'bundled 3 files\n'], ['stderr', 'warning: slow\n']]);
    expect(command.result).toMatchObject({ exitCode: 0, timedOut: false, output: 'building\nbundled 3 files\nwarning: slow\n' });
    expect(command.result.durationMs).toBeGreaterThanOrEqual(0);
    const ran = fake.commands.at(-1)!;
    expect(ran.command).toBe(`mkdir -p '${APP_ROOT}' && cd '${APP_ROOT}' && env 'CI=1' sh -c 'npm run build'`);
    expect(ran.sessionId).toMatch(/^everjust-run-/);
    // The command's session is deleted once it ended.
    expect(fake.requests.some((request) => request.method === 'DELETE' && request.path === `/toolbox/${info.id}/process/session/${ran.sessionId}`)).toBe(true);

    console.log(`daytona against the fake: create ${created.ms.toFixed(1)} ms, upload ${upload.ms.toFixed(1)} ms, command ${command.ms.toFixed(1)} ms`);

    // The upstream for the API's preview proxy: its token goes in a header, never into a browser's URL.
    const link = await daytona.previewUrl(info.id, 3000, 600);
    expect(link).toEqual({
      url: `https://3000-${info.id}.proxy.fake-daytona.test`,
      expiresAt: null,
      headers: { 'x-daytona-preview-token': `preview-token-${info.id}`, 'x-daytona-skip-preview-warning': 'true' },
    });
    expect(fake.requests.at(-1)).toMatchObject({ path: `/api/sandbox/${info.id}/ports/3000/preview-url` });

    await daytona.deleteFiles(info.id, ['src/app.js', 'missing.txt']);
    expect([...sandbox.files.keys()]).toEqual([`${APP_ROOT}/index.html`]);

    await daytona.stop(info.id);
    expect(await daytona.get(info.id)).toMatchObject({ id: info.id, state: 'stopped' });
    await daytona.start(info.id);
    expect(await daytona.get(info.id)).toMatchObject({ id: info.id, state: 'started' });

    const other = await daytona.create(createOptions({ labels: { ...labels, 'everjust.project': 'project-2' }, autoDeleteMinutes: null }));
    expect(fake.sandbox(other.id)!.createBody.autoDeleteInterval).toBe(-1);
    expect((await daytona.list({ 'everjust.project': 'project-1' })).map((found) => found.id)).toEqual([info.id]);
    expect((await daytona.list({ 'everjust.tenant': 'tenant-1' })).map((found) => found.id).sort()).toEqual([info.id, other.id].sort());
    const listRequest = fake.requests.findLast((request) => request.method === 'GET' && request.path === '/api/sandbox')!;
    expect(JSON.parse(listRequest.query.labels)).toEqual({ 'everjust.tenant': 'tenant-1' });

    await daytona.delete(info.id);
    expect(fake.sandbox(info.id)).toBeUndefined();
    expect(await daytona.get(info.id)).toBeNull();
    await daytona.delete(info.id); // already gone: still fine
    expect((await daytona.list({ 'everjust.tenant': 'tenant-1' })).map((found) => found.id)).toEqual([other.id]);
  });

  it('creates from a snapshot without resources when one is configured', async () => {
    const info = await provider({ snapshot: 'everjust-node' }).create(createOptions({ resources: { cpu: 4 } }));
    const body = fake.sandbox(info.id)!.createBody;
    expect(body.snapshot).toBe('everjust-node');
    expect(body).not.toHaveProperty('cpu');
    expect(body).not.toHaveProperty('buildInfo');
  });

  it('stops waiting for a create on abort and deletes the sandbox once it exists', async () => {
    await fake.close();
    fake = await startFakeDaytona({ apiKey: 'test-key', transitionMs: 1_500 });
    const controller = new AbortController();
    // Abort once the create request arrived (a fixed delay raced the SDK on a loaded machine).
    const createSent = () => fake.requests.some((request) => request.method === 'POST' && request.path === '/api/sandbox');
    void (async () => {
      while (!createSent()) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort('cancelled');
    })();

    const { result: error, ms } = await timed(() => rejection(provider().create(createOptions({ signal: controller.signal }))));

    expect(error).toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    expect(ms).toBeLessThan(1_000); // the sandbox takes 1.5 s to start
    expect(fake.requests.some((request) => request.method === 'POST' && request.path === '/api/sandbox')).toBe(true);
    await expect.poll(() => fake.requests.some((request) => request.method === 'DELETE'), { timeout: 5_000 }).toBe(true);
  });

  it('ignores a .env in the working directory and DAYTONA_API_URL in the environment', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'daytona-env-'));
    writeFileSync(join(directory, '.env'), 'DAYTONA_API_URL=http://127.0.0.1:1/api\nDAYTONA_API_KEY=from-dotenv\nDAYTONA_TARGET=eu\n');
    const cwd = process.cwd();
    const previous = process.env.DAYTONA_API_URL;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    process.env.DAYTONA_API_URL = 'http://127.0.0.1:1/api';
    process.chdir(directory);
    try {
      // Both set it: the SDK refuses to start unless the caller names the endpoint, which we always do.
      const info = await provider({ target: 'us' }).create(createOptions());
      expect(fake.sandbox(info.id)!.createBody.target).toBe('us');
      expect(fake.requests.every((request) => request.headers.authorization === 'Bearer test-key')).toBe(true);
    } finally {
      process.chdir(cwd);
      if (previous === undefined) delete process.env.DAYTONA_API_URL;
      else process.env.DAYTONA_API_URL = previous;
      warn.mockRestore();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('reports the exit code and output of a failing command', async () => {
    fake.onCommand('npm test', () => ({ stderr: ['1 failing\n'], exitCode: 1 }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());
    const result = await daytona.runCommand(id, { command: 'npm test', timeoutMs: 5_000 });
    expect(result).toMatchObject({ exitCode: 1, timedOut: false, output: '1 failing\n' });
  });

  it('keeps the tail of long output', async () => {
    const line = `${'x'.repeat(1023)}\n`;
    fake.onCommand('yes', () => ({ stdout: Array.from({ length: 100 }, () => line) }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());
    const result = await daytona.runCommand(id, { command: 'yes', timeoutMs: 5_000 });
    expect(result.output).toMatch(/^\[\d+ earlier characters dropped\]\n/);
    expect(result.output.length).toBeLessThanOrEqual(64 * 1024 + 30);
    expect(result.output.endsWith(line)).toBe(true);
  });

  it('times out a long command quickly and kills it', async () => {
    fake.onCommand('sleep', () => ({ stdout: ['started\n'], runForever: true }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());
    const streamed: string[] = [];

    const { result, ms } = await timed(() => daytona.runCommand(id, {
      command: 'sleep 1000', timeoutMs: 300, onOutput: (_stream, text) => streamed.push(text),
    }));

    expect(result).toMatchObject({ exitCode: null, timedOut: true, output: 'started\n' });
    expect(streamed).toEqual(['started\n']);
    expect(ms).toBeLessThan(2_000);
    expect(fake.commands.at(-1)!.killed).toBe(true);
    expect(fake.commands.at(-1)!.exitCode).toBeUndefined();
  });

  it('kills the command and rejects with an AbortError on abort', async () => {
    fake.onCommand('npm install', () => ({ runForever: true }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());
    const controller = new AbortController();
    setTimeout(() => controller.abort('cancelled'), 150);

    const error = await rejection(daytona.runCommand(id, { command: 'npm install', timeoutMs: 30_000, signal: controller.signal }));

    expect(error).toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    expect(fake.commands.at(-1)!.killed).toBe(true);
    // Aborted before it starts: nothing is sent.
    const requestCount = fake.requests.length;
    const early = await rejection(daytona.runCommand(id, { command: 'ls', timeoutMs: 1_000, signal: controller.signal }));
    expect(early).toMatchObject({ name: 'AbortError' });
    expect(fake.requests.length).toBe(requestCount);
  });

  it('starts a server in a session of its own, replacing the one before', async () => {
    fake.onCommand('node server.js', () => ({ stdout: ['listening\n'], runForever: true }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());
    const streamed: string[] = [];

    await daytona.startServer(id, { command: 'node server.js', port: 3000, onOutput: (_stream, text) => streamed.push(text) });
    const first = fake.commands.at(-1)!;
    expect(first).toMatchObject({ sessionId: 'everjust-server', killed: false });
    expect(first.command).toContain(`env 'PORT=3000' sh -c 'node server.js'`);
    await expect.poll(() => streamed, { timeout: 5_000 }).toEqual(['listening\n']);

    await daytona.startServer(id, { command: 'node server.js', port: 3000 });
    expect(first.killed).toBe(true);
    expect(fake.commands.at(-1)).toMatchObject({ sessionId: 'everjust-server', killed: false });

    // close() stops following the output (the server keeps running).
    await daytona.startServer(id, { command: 'node server.js', port: 3000, onOutput: () => undefined });
    await daytona.close();
    const logReads = () => fake.requests.filter((request) => request.path.endsWith('/logs')).length;
    const before = logReads();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(logReads()).toBe(before);
    expect(fake.commands.at(-1)!.killed).toBe(false);
  });

  it('serves the files with the built-in static server for STATIC_SERVER_COMMAND', async () => {
    fake.onCommand('static-server.mjs', () => ({ stdout: ['serving\n'], runForever: true }));
    const daytona = provider();
    const { id } = await daytona.create(createOptions());

    await daytona.startServer(id, { command: STATIC_SERVER_COMMAND, port: 8080 });

    expect(fake.sandbox(id)!.files.get('/home/daytona/.everjust/static-server.mjs')).toBe(staticServerSource);
    const server = fake.commands.at(-1)!;
    expect(server.sessionId).toBe('everjust-server');
    // Quoted twice: node's arguments, then the whole line inside `sh -c '…'`.
    const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
    const line = ['node', '/home/daytona/.everjust/static-server.mjs', APP_ROOT, '8080', '0.0.0.0'].map(quote).join(' ');
    expect(server.command).toBe(`mkdir -p '${APP_ROOT}' && cd '${APP_ROOT}' && env 'PORT=8080' sh -c ${quote(line)}`);
  });

  it('classifies API errors: 5xx and 429 retryable, 4xx not; a missing sandbox is null', async () => {
    const daytona = provider();

    fake.failNext({ method: 'POST', path: '/api/sandbox' }, { status: 500 });
    const serverError = await rejection(daytona.create(createOptions()));
    expect(serverError).toBeInstanceOf(SandboxError);
    expect((serverError as SandboxError).retryable).toBe(true);
    expect(serverError).toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });

    fake.failNext({ method: 'POST', path: '/api/sandbox' }, { status: 429 });
    const rateLimited = await rejection(daytona.create(createOptions()));
    expect((rateLimited as SandboxError).retryable).toBe(true);
    expect(rateLimited).toMatchObject({ code: 'SANDBOX_RATE_LIMITED' });

    fake.failNext({ method: 'POST', path: '/api/sandbox' }, { status: 400, body: { statusCode: 400, message: 'Cannot specify Sandbox resources when using a snapshot' } });
    const badRequest = await rejection(daytona.create(createOptions()));
    expect(badRequest).toBeInstanceOf(SandboxError);
    expect((badRequest as SandboxError).retryable).toBe(false);
    expect(badRequest).toMatchObject({ code: 'SANDBOX_REQUEST_REFUSED' });
    expect((badRequest as SandboxError).message).toContain('Cannot specify Sandbox resources');

    expect(await daytona.get('no-such-sandbox')).toBeNull();
    const notFound = await rejection(daytona.stop('no-such-sandbox'));
    expect(notFound).toBeInstanceOf(SandboxError);
    expect((notFound as SandboxError).retryable).toBe(false);
    expect(notFound).toMatchObject({ code: 'SANDBOX_NOT_FOUND' });

    const { id } = await daytona.create(createOptions());
    const badEnvironment = await rejection(daytona.runCommand(id, { command: 'ls', timeoutMs: 1_000, env: { 'NOT-A-NAME': 'x' } }));
    expect(badEnvironment).toMatchObject({ name: 'SandboxError', retryable: false, code: 'SANDBOX_INVALID_INPUT' });

    fake.failNext({ path: `/toolbox/${id}/files/bulk-upload` }, { status: 502 });
    const uploadError = await rejection(daytona.uploadFiles(id, [{ path: 'a.txt', content: 'a' }]));
    expect((uploadError as SandboxError).retryable).toBe(true);
    expect(uploadError).toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });
  });

  it('classifies an unreachable API as retryable and a wrong key as not', async () => {
    const unreachable = await rejection(provider({ apiUrl: 'http://127.0.0.1:1/api' }).get('anything'));
    expect(unreachable).toBeInstanceOf(SandboxError);
    expect((unreachable as SandboxError).retryable).toBe(true);
    expect(unreachable).toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });

    const unauthorized = await rejection(provider({ apiKey: 'wrong-key' }).get('anything'));
    expect((unauthorized as SandboxError).retryable).toBe(false);
    expect(unauthorized).toMatchObject({ code: 'SANDBOX_UNAUTHORIZED' });

    const noKey = await rejection(provider({ apiKey: '' }).list(labels));
    expect(noKey).toMatchObject({ name: 'SandboxError', retryable: false, code: 'SANDBOX_NOT_CONFIGURED' });
  });

  it('times each step of create + upload + command (the benchmark flow)', async () => {
    fake.onCommand('ls', () => ({ stdout: ['index.html\napp.js\n'] }));
    const times = await timeSandboxSteps(provider());
    console.log(`timeSandboxSteps against the fake: ${JSON.stringify(Object.fromEntries(Object.entries(times).map(([step, ms]) => [step, Math.round(ms * 10) / 10])))}`);
    for (const ms of Object.values(times)) expect(ms).toBeGreaterThanOrEqual(0);
  });
});
