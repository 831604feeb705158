import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnvironment, runTypeScript, startTypeScript, type RunningProcess } from '../test-support/processes.js';

/**
 * The embedded start as a user runs it (`pnpm start` runs `tsx api/src/main.ts`): a fresh data dir,
 * migrations applied, a development tenant printed once, and the data dir locked against a second
 * process, whose refusal leaves the data whole.
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
    const [, url] = await server.waitFor(/EverJust API on (http:\/\/[^\s]+)\/graphql/);
    const live = server.stdout().match(/live secret key: (ej_live_sk_\w+)/)![1];
    const test = server.stdout().match(/test secret key: (ej_test_sk_\w+)/)![1];
    expect(server.stdout()).toContain(`-H 'Authorization: Bearer ${test}'`);
    expect(await viewer(url, live)).toMatchObject({ status: 200, body: { data: { viewer: { name: 'Development', mode: 'LIVE' } } } });
    expect((await viewer(url, test)).body.data.viewer.mode).toBe('TEST');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // A second process on the same data dir is refused, saying who holds it and what to do.
    const refused = await cli('tenant', 'create', '--name', 'Acme', '--json');
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

    // With the server gone the CLI works, and sees the data the server wrote.
    const created = await cli('tenant', 'create', '--name', 'Acme', '--tier', 'starter', '--json');
    expect(created.code).toBe(0);
    const { secretKey } = JSON.parse(created.stdout);
    const listed = await cli('tenant', 'list', '--json');
    expect(listed.stdout.trim().split('\n').map((line) => JSON.parse(line).name)).toEqual(['Development', 'Acme']);

    // A restart keeps everything and prints no new keys.
    server = startTypeScript('api/src/main.ts', [], environment);
    const [, urlAgain] = await server.waitFor(/EverJust API on (http:\/\/[^\s]+)\/graphql/);
    expect(server.stdout()).not.toContain('secret key:');
    expect(await viewer(urlAgain, live)).toMatchObject({ status: 200 });
    expect((await viewer(urlAgain, secretKey)).body.data.viewer.name).toBe('Acme');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
  }, 120_000);
});
