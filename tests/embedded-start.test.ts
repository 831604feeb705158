import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnvironment, runTypeScript, startTypeScript, type RunningProcess } from '../test-support/processes.js';

/**
 * The embedded start as a user runs it (`pnpm start` runs `tsx api/src/main.ts`): a fresh data dir,
 * migrations applied, a development tenant printed once, and the data dir locked against a second
 * process, whose refusal leaves the data whole; meanwhile the CLI's tenant and key commands run
 * through the server's loopback operator endpoint.
 */
describe('embedded start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'everjust-embedded-'));
  const environment = childEnvironment({ EVERJUST_DATA_DIR: dataDir, PORT: '0', EVERJUST_LOG_LEVEL: 'warn' });
  const cli = (...args: string[]) => runTypeScript('api/src/cli/index.ts', args, environment);
  let server: RunningProcess | undefined;

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const viewer = async (url: string, key: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ viewer { name mode } }' }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('starts on an empty data dir, prints a development tenant once, and serves it', async () => {
    server = startTypeScript('api/src/main.ts', [], environment);
    const [, url] = await server.waitFor(/EverJust API on (http:\/\/[^\s]+)\/graphql/, 150_000);
    const live = server.stdout().match(/live secret key: (ej_live_sk_\w+)/)![1];
    const test = server.stdout().match(/test secret key: (ej_test_sk_\w+)/)![1];
    expect(server.stdout()).toContain(`-H 'Authorization: Bearer ${test}'`);
    expect(await viewer(url, live)).toMatchObject({ status: 200, body: { data: { viewer: { name: 'Development', mode: 'LIVE' } } } });
    expect((await viewer(url, test)).body.data.viewer.mode).toBe('TEST');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    // Beside the keys, a console sign-in link that works once (no Secure cookie on 127.0.0.1).
    const printedLink = server.stdout().match(/(http:\/\/\S+\/console\/login\?token=ej_cl_\S+)/)![1]!;
    expect(printedLink.startsWith(`${url}/console/login`)).toBe(true);
    const signIn = await fetch(printedLink, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('set-cookie')).toMatch(/^ej_console=ej_cs_\S+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
    expect((await fetch(printedLink, { redirect: 'manual' })).status).toBe(410);

    // The CLI's tenant and key commands run through the server, which holds the data dir.
    const created = await cli('tenant', 'create', '--name', 'Acme', '--tier', 'starter', '--json');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { tenantId, secretKey } = JSON.parse(created.stdout);
    expect((await viewer(url, secretKey)).body.data.viewer.name).toBe('Acme');
    const key = await cli('key', 'create', '--tenant', tenantId, '--mode', 'test', '--json');
    expect(key.code).toBe(0);
    expect((await viewer(url, JSON.parse(key.stdout).secretKey)).body.data.viewer).toEqual({ name: 'Acme', mode: 'TEST' });
    // So does `console link`: a link to this server that signs into Acme's console.
    const linked = await cli('console', 'link', '--tenant', tenantId, '--json');
    expect(linked).toMatchObject({ code: 0, stderr: '' });
    const consoleLogin = await fetch(JSON.parse(linked.stdout).url, { redirect: 'manual' });
    expect(consoleLogin.status).toBe(303);
    const consoleCookie = consoleLogin.headers.get('set-cookie')!.split(';')[0]!;
    expect((await (await fetch(`${url}/console/api/session`, { headers: { cookie: consoleCookie } })).json()).tenant.name).toBe('Acme');
    // The server's own cache hears of a change made through it (no 30 s of the old name).
    expect((await cli('tenant', 'update', tenantId, '--name', 'Acme Corp')).code).toBe(0);
    expect((await viewer(url, secretKey)).body.data.viewer.name).toBe('Acme Corp');
    const badInput = await cli('key', 'create', '--tenant', tenantId, '--scopes', 'everything');
    expect(badInput.code).toBe(1);
    expect(badInput.stderr).toMatch(/^--scopes must be .*unknown: everything\)\n$/);

    // The endpoint's token is readable by the data dir's owner only.
    const endpointFile = join(dataDir, 'operator-endpoint.json');
    expect(statSync(endpointFile).mode & 0o777).toBe(0o600);
    const endpoint = JSON.parse(readFileSync(endpointFile, 'utf8'));
    expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { port } = new URL(endpoint.url);
    // Bound to loopback: on another address of this host nothing answers.
    const external = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) await expect(fetch(`http://${external.address}:${port}/commands`, { method: 'POST' })).rejects.toThrow();

    // Everything else is refused, saying who holds the data dir and what to do.
    const refused = await cli('migrate');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('in use by another process');
    expect(refused.stderr).toContain(`pid ${server.child.pid}`);
    expect(refused.stderr).toMatch(/Stop that process first/);
    const secondServer = await runTypeScript('api/src/main.ts', [], environment);
    expect(secondServer.code).toBe(1);
    expect(secondServer.stderr).toContain('in use by another process');
    expect(await viewer(url, live)).toMatchObject({ status: 200 });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;

    // A clean stop takes its endpoint along; with the server gone the CLI opens the data dir itself
    // and sees the data the server wrote.
    expect(existsSync(endpointFile)).toBe(false);
    const listed = await cli('tenant', 'list', '--json');
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).name)).toEqual(['Development', 'Acme Corp']);
    expect((await cli('console', 'link', '--tenant', tenantId)).stdout).toMatch(/\/console\/login\?token=ej_cl_/);

    // A restart keeps everything and prints no new keys.
    server = startTypeScript('api/src/main.ts', [], environment);
    const [, urlAgain] = await server.waitFor(/EverJust API on (http:\/\/[^\s]+)\/graphql/, 150_000);
    expect(server.stdout()).not.toContain('secret key:');
    expect(server.stdout()).not.toContain('/console/login');
    expect(await viewer(urlAgain, live)).toMatchObject({ status: 200 });
    expect((await viewer(urlAgain, secretKey)).body.data.viewer.name).toBe('Acme Corp');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
  }, 420_000);
});
