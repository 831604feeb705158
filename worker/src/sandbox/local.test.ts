import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocal, findFreePort, localSandboxPaths, localSandboxRoot, type LocalSandboxProvider } from './local.js';
import { STATIC_SERVER_COMMAND } from './sandbox-provider.js';

const labels = { 'everjust.tenant': 't1', 'everjust.project': 'p1', 'everjust.mode': 'test' };
const createOptions = { labels, autoStopMinutes: 15, autoDeleteMinutes: 60 };

let temporary: string;
let rootDir: string;
let local: LocalSandboxProvider;

beforeAll(async () => {
  temporary = await mkdtemp(join(tmpdir(), 'everjust-local-'));
  // As the platform does: outside the "data dir" (here `temporary`), where another user can reach it.
  rootDir = localSandboxRoot(temporary);
  local = createLocal({ rootDir });
});

afterEach(() => local.killAll());

afterAll(async () => {
  local.killAll();
  await rm(temporary, { recursive: true, force: true });
  await rm(rootDir, { recursive: true, force: true });
});

/**
 * Live processes in a process group, with their command lines. Zombies are left out: they no longer
 * run, and in a container whose init does not reap orphans they linger.
 */
function processesInGroup(groupId: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' }).split('\n');
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([group, state]) => group === String(groupId) && !state.startsWith('Z'))
    .map((fields) => fields.slice(2).join(' '));
}

/** GET with the path sent exactly as given (fetch would normalize `..` away before sending). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, contentType: response.headers['content-type'] }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The process group of the live process whose command line carries `tag`, on this host. A command's own
 * `$$` will not do: in a PID namespace of its own it is 1.
 */
async function groupOf(tag: string): Promise<number> {
  let group = 0;
  await waitUntil(async () => {
    const lines = execFileSync('ps', ['-eo', 'pgid=,stat=,args='], { encoding: 'utf8' }).split('\n');
    const line = lines.map((entry) => entry.trim().split(/\s+/)).find(([, state, ...args]) => !state?.startsWith('Z') && args.join(' ').includes(tag));
    group = line ? Number(line[0]) : 0;
    return group > 0;
  }, 2_000);
  return group;
}

const answers = (url: string) => () => fetch(url).then((response) => response.ok, () => false);

describe('local sandbox', () => {
  it('creates a sandbox that get and list find, also from a new provider on the same folder', async () => {
    const info = await local.create(createOptions);
    expect(info).toEqual({ id: expect.stringMatching(/^local-[0-9a-f]{16}$/), provider: 'local', state: 'started', labels });
    expect(existsSync(localSandboxPaths(rootDir, info.id).app)).toBe(true);

    const restarted = createLocal({ rootDir });
    expect(await restarted.get(info.id)).toEqual(info);
    expect((await restarted.list({ 'everjust.project': 'p1' })).map((sandbox) => sandbox.id)).toContain(info.id);
    expect(await restarted.list({ 'everjust.project': 'p1', 'everjust.tenant': 'other' })).toEqual([]);
    expect(await restarted.get('local-0000000000000000')).toBeNull();
    expect(await restarted.get('../../etc')).toBeNull();

    await local.stop(info.id);
    expect((await restarted.get(info.id))?.state).toBe('stopped');
    await expect(local.runCommand(info.id, { command: 'true', timeoutMs: 1_000 })).rejects.toThrow(/stopped/);
    await restarted.start(info.id);
    expect((await local.get(info.id))?.state).toBe('started');
    await local.delete(info.id);
  });

  it('uploads nested files and runs a command that streams stdout and stderr and exits 3', async () => {
    const { id } = await local.create(createOptions);
    await local.uploadFiles(id, [
      { path: 'index.html', content: '<h1>hi</h1>' },
      { path: 'src/lib/deep/util.js', content: 'export const x = 1;\n' },
    ]);
    const app = localSandboxPaths(rootDir, id).app;
    expect(await readFile(join(app, 'src/lib/deep/util.js'), 'utf8')).toBe('export const x = 1;\n');

    const streamed: Array<[string, string]> = [];
    const result = await local.runCommand(id, {
      command: 'echo hi; echo err >&2; cat src/lib/deep/util.js; echo "$HOME"; exit 3',
      timeoutMs: 5_000,
      onOutput: (stream, text) => streamed.push([stream, text]),
    });
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain('hi\n');
    expect(result.output).toContain('err\n');
    expect(result.output).toContain('export const x = 1;');
    expect(result.output).toContain(localSandboxPaths(rootDir, id).home);
    expect(streamed.filter(([stream]) => stream === 'stdout').map(([, text]) => text).join('')).toContain('hi\n');
    expect(streamed.filter(([stream]) => stream === 'stderr').map(([, text]) => text).join('')).toBe('err\n');

    // Only the minimal environment, plus what was given.
    const environment = await local.runCommand(id, { command: 'env', timeoutMs: 5_000, env: { GIVEN: 'yes' } });
    expect(environment.output).toContain('GIVEN=yes');
    expect(environment.output).not.toMatch(/^(VITEST|NODE_OPTIONS)=/m);
    await local.delete(id);
  });

  it('decodes UTF-8 split across chunks and keeps only the tail of long output', async () => {
    const { id } = await local.create(createOptions);
    const split = await local.runCommand(id, { command: "printf '\\303'; sleep 0.2; printf '\\251\\n'", timeoutMs: 5_000 });
    expect(split.output).toBe('é\n');

    const small = createLocal({ rootDir, maxOutputCharacters: 100 });
    const long = await small.runCommand(id, { command: 'i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done', timeoutMs: 5_000 });
    expect(long.output).toMatch(/^\[\d+ earlier characters dropped\]\n/);
    expect(long.output).toContain('line199\n');
    expect(long.output).not.toContain('line1\n');
    await local.delete(id);
  });

  it('kills a command that times out, with everything in its process group', async () => {
    const { id } = await local.create(createOptions);
    const started = Date.now();
    // `echo` first, so sh forks `sleep` as a child rather than exec'ing it: killing sh alone would orphan it.
    const tag = `timeout-${id}`;
    const running = local.runCommand(id, { command: `echo ${tag}; sleep 60`, timeoutMs: 1_000 });
    const groupId = await groupOf(tag);
    const result = await running;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(groupId).toBeGreaterThan(0);
    await waitUntil(async () => processesInGroup(groupId).length === 0, 2_000);
    expect(processesInGroup(groupId).filter((line) => line.includes('sleep 60'))).toEqual([]);
    await local.delete(id);
  });

  it('kills a command at once when its signal is aborted, and rejects with an AbortError', async () => {
    const { id } = await local.create(createOptions);
    const controller = new AbortController();
    const started = Date.now();
    const tag = `abort-${id}`;
    const running = local.runCommand(id, { command: `echo ${tag}; sleep 60`, timeoutMs: 60_000, signal: controller.signal });
    running.catch(() => undefined);
    const groupId = await groupOf(tag);
    const abortedAt = Date.now();
    controller.abort('cancelled');
    await expect(running).rejects.toMatchObject({ name: 'AbortError', cause: 'cancelled' });
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitUntil(async () => processesInGroup(groupId).length === 0, 2_000);

    // Aborted before it starts: nothing runs.
    const marker = join(localSandboxPaths(rootDir, id).app, 'ran');
    await expect(local.runCommand(id, { command: 'touch ran', timeoutMs: 1_000, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(marker)).toBe(false);
    await local.delete(id);
  });

  it('also kills what a command left running in the background when it exits', async () => {
    const { id } = await local.create(createOptions);
    const tag = `background-${id}`;
    const result = local.runCommand(id, { command: `sh -c 'sleep 60 # ${tag}' >/dev/null 2>&1 & echo started; sleep 0.3`, timeoutMs: 5_000 });
    const groupId = await groupOf(tag);
    expect((await result).exitCode).toBe(0);
    await waitUntil(async () => processesInGroup(groupId).length === 0, 2_000);
    await local.delete(id);
  });

  it('serves the files with the static server, refuses traversal, and stop kills it', async () => {
    const { id } = await local.create(createOptions);
    await local.uploadFiles(id, [
      { path: 'index.html', content: '<!doctype html><h1>Hello</h1>' },
      { path: 'assets/app.js', content: 'console.log(1);' },
      { path: 'docs/index.html', content: 'docs' },
    ]);
    const outside = join(temporary, 'outside-static');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await local.runCommand(id, { command: `ln -s "$TARGET" leak`, env: { TARGET: outside }, timeoutMs: 5_000 });

    const port = await local.choosePort(id);
    const output: string[] = [];
    await local.startServer(id, { command: STATIC_SERVER_COMMAND, port, onOutput: (_stream, text) => output.push(text) });
    const { url, expiresAt } = await local.previewUrl(id, port, 3_600);
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    expect(expiresAt).toBeNull();
    await waitUntil(answers(url));

    const home = await fetch(url);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await home.text()).toBe('<!doctype html><h1>Hello</h1>');
    const script = await fetch(`${url}assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1);');
    expect((await fetch(`${url}missing.js`)).status).toBe(404);
    expect((await fetch(`${url}docs`, { redirect: 'manual' })).status).toBe(301);
    expect(await (await fetch(`${url}docs/`)).text()).toBe('docs');

    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/..%5c..%5csandbox.json', '/leak/secret.txt', '/../sandbox.json']) {
      const response = await rawGet(port, path);
      expect([400, 403, 404], path).toContain(response.status);
      expect(response.body).not.toContain('root:');
      expect(response.body).not.toContain('secret');
    }

    // Replacing the server: the old one goes, the new one answers.
    const secondPort = await findFreePort();
    await local.startServer(id, { command: '', port: secondPort });
    await waitUntil(answers(`http://127.0.0.1:${secondPort}/`));
    await waitUntil(async () => !(await answers(url)()));

    await local.stop(id);
    await expect(fetch(`http://127.0.0.1:${secondPort}/`)).rejects.toThrow();
    expect((await local.get(id))?.state).toBe('stopped');
    await local.delete(id);
  });

  it('runs a start command with PORT and HOST set, and a restarted provider can stop it', async () => {
    const { id } = await local.create(createOptions);
    await local.uploadFiles(id, [
      {
        path: 'server.mjs',
        content:
          "import { createServer } from 'node:http';\n" +
          "createServer((request, response) => response.end('from ' + process.env.HOST)).listen(Number(process.env.PORT), process.env.HOST);\n",
      },
    ]);
    const port = await findFreePort();
    await local.startServer(id, { command: 'node server.mjs', port });
    const url = `http://127.0.0.1:${port}/`;
    await waitUntil(answers(url));
    expect(await (await fetch(url)).text()).toBe('from 127.0.0.1');

    // A new process reads the pid back from the metadata and kills the group.
    await createLocal({ rootDir }).stop(id);
    await waitUntil(async () => !(await answers(url)()), 3_000);
    await local.delete(id);
  });

  it('does not kill a recorded pid that is not one of its own', async () => {
    const { id } = await local.create(createOptions);
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const metadataPath = localSandboxPaths(rootDir, id).metadata;
      const metadata = JSON.parse(await readFile(metadataPath, 'utf8')) as Record<string, unknown>;
      await writeFile(metadataPath, JSON.stringify({ ...metadata, server: { pid: stranger.pid, port: 1, command: 'x', startedAt: '' } }));
      await local.stop(id);
      expect(stranger.exitCode).toBeNull();
      expect(() => process.kill(stranger.pid!, 0)).not.toThrow();
    } finally {
      stranger.kill('SIGKILL');
      await local.delete(id);
    }
  });

  it('writes shell-looking names literally and never runs them', async () => {
    const { id } = await local.create(createOptions);
    const marker = join(temporary, 'pwned');
    const names = [`$(touch ${marker}).js`, '`touch pwned-too`.js', "it's; rm -rf ~ #.js", 'a b/c d.txt'];
    await local.uploadFiles(id, names.map((path) => ({ path, content: 'literal' })));
    const app = localSandboxPaths(rootDir, id).app;
    for (const name of names) expect(await readFile(join(app, name), 'utf8')).toBe('literal');
    await local.deleteFiles(id, [names[1]]);
    expect(existsSync(join(app, names[1]))).toBe(false);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(app, 'pwned-too'))).toBe(false);
    await local.delete(id);
  });

  it('refuses paths that would leave the sandbox, also through symlinks', async () => {
    const { id } = await local.create(createOptions);
    const app = localSandboxPaths(rootDir, id).app;
    for (const path of ['../../etc/passwd', '/etc/passwd', 'a/../../x', 'a\\..\\x', '']) {
      await expect(local.uploadFiles(id, [{ path, content: 'x' }])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      await expect(local.deleteFiles(id, [path])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    // A refused batch writes nothing, not even its valid files.
    await expect(local.uploadFiles(id, [{ path: 'ok.txt', content: 'x' }, { path: '../escape.txt', content: 'x' }])).rejects.toThrow();
    expect(existsSync(join(app, 'ok.txt'))).toBe(false);

    const outside = join(temporary, `outside-${id}`);
    await mkdir(outside);
    await writeFile(join(outside, 'target.txt'), 'untouched');
    await local.runCommand(id, { command: 'ln -s "$OUTSIDE" dir-link && ln -s "$OUTSIDE/target.txt" file-link', env: { OUTSIDE: outside }, timeoutMs: 5_000 });

    await expect(local.uploadFiles(id, [{ path: 'dir-link/new.txt', content: 'x' }])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(local.deleteFiles(id, ['dir-link/target.txt'])).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await readdir(outside)).toEqual(['target.txt']);

    // A symlink as the file itself is replaced by the file, never written through.
    await local.uploadFiles(id, [{ path: 'file-link', content: 'inside' }]);
    expect(await readFile(join(app, 'file-link'), 'utf8')).toBe('inside');
    expect(await readFile(join(outside, 'target.txt'), 'utf8')).toBe('untouched');

    // A symlink to a folder inside the sandbox is followed.
    await mkdir(join(app, 'real'));
    await local.runCommand(id, { command: 'ln -s real alias', timeoutMs: 5_000 });
    await local.uploadFiles(id, [{ path: 'alias/through.txt', content: 'ok' }]);
    expect(await readFile(join(app, 'real/through.txt'), 'utf8')).toBe('ok');
    await local.delete(id);
  });

  it('deletes the folder, and kills what runs in it', async () => {
    const { id } = await local.create(createOptions);
    const port = await findFreePort();
    await local.startServer(id, { command: 'everjust:static', port });
    await local.uploadFiles(id, [{ path: 'index.html', content: 'x' }]);
    await waitUntil(answers(`http://127.0.0.1:${port}/`));
    await local.delete(id);
    expect(existsSync(localSandboxPaths(rootDir, id).folder)).toBe(false);
    expect(await local.get(id)).toBeNull();
    await waitUntil(async () => !(await answers(`http://127.0.0.1:${port}/`)()), 3_000);
    await local.delete(id);
    await expect(local.stop(id)).rejects.toThrow(/not found/);
  });
});

describe('local sandbox isolation', () => {
  /** One entry of this process's own environment that no command is given (a sandbox env has only a few). */
  async function ownEnvironmentEntry(): Promise<string> {
    const entries = (await readFile('/proc/self/environ', 'latin1')).split('\u0000');
    const entry = entries.find((candidate) => /^[A-Z_][A-Z0-9_]*=.{4,}/.test(candidate) && !/^(PATH|HOME|LANG)=/.test(candidate));
    if (!entry) throw new Error('this process has no environment to look for');
    return entry;
  }

  it('gives a command no view of this process: not its environment, not its /proc, not a private folder', async (context) => {
    const isolation = await local.isolation();
    // Root on Linux (CI, this project's machines) has both; elsewhere only what the host allows, which
    // docs/local-sandbox.md spells out.
    if (!isolation.user && !isolation.namespaces) context.skip('this host allows no isolation (not root, no unshare)');

    // A data dir as a careless start leaves it: reachable, its files readable by everyone.
    await chmod(temporary, 0o755);
    const dataDir = join(temporary, 'data');
    await mkdir(dataDir, { mode: 0o755 });
    await writeFile(join(dataDir, 'secret'), 'canary-secret-value\n', { mode: 0o644 });
    await writeFile(join(dataDir, 'pglite-page'), 'canary-database-row\n', { mode: 0o644 });
    const guarded = createLocal({ rootDir, privateFolders: [dataDir] });
    const { id } = await guarded.create(createOptions);

    const ownEntry = await ownEnvironmentEntry();
    const result = await guarded.runCommand(id, {
      command: `cat /proc/$PPID/environ; cat /proc/${process.pid}/environ; cat "$DATA/secret" "$DATA/pglite-page"; ls "$DATA" "$ROOT" | sed 's/^/listed:/'; echo done`,
      env: { DATA: dataDir, ROOT: rootDir },
      timeoutMs: 5_000,
    });
    expect(result.output).toContain('done');
    expect(result.output).not.toContain(ownEntry);
    expect(result.output).not.toContain('canary');
    // Not even the names of the data dir's files, nor the other sandboxes' folders.
    expect(result.output).not.toContain('listed:');
    if (isolation.namespaces) {
      const processes = await guarded.runCommand(id, { command: `ls /proc | grep -x '[0-9]*' | wc -l; test -e /proc/${process.pid} && echo visible || echo hidden`, timeoutMs: 5_000 });
      // Only its own few processes (sh, ls, grep, wc), none of the host's.
      expect(Number.parseInt(processes.output, 10)).toBeLessThan(10);
      if (process.pid > 10) expect(processes.output).toContain('hidden');
    }
    await guarded.delete(id);
  });

  it('keeps its folders out of the data dir and refuses a root someone else made first', async () => {
    expect(localSandboxRoot('/srv/everjust/.data').startsWith(`${tmpdir()}/everjust-sandboxes-`)).toBe(true);
    expect(localSandboxRoot('/srv/everjust/.data')).toBe(localSandboxRoot('/srv/everjust/./.data'));
    expect(localSandboxRoot('/srv/a/.data')).not.toBe(localSandboxRoot('/srv/b/.data'));

    // A symlink planted under the predictable name (the temporary folder is everyone's) is never followed.
    const planted = join(temporary, `planted-${Date.now()}`);
    await mkdir(join(temporary, 'elsewhere'), { recursive: true });
    await symlink(join(temporary, 'elsewhere'), planted);
    await expect(createLocal({ rootDir: planted }).create(createOptions)).rejects.toMatchObject({ name: 'SandboxError', code: 'SANDBOX_ROOT_UNSAFE' });
    expect(await readdir(join(temporary, 'elsewhere'))).toEqual([]);
  });
});
