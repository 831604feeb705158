import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, openDatabase, type Database } from '@everjust/core';
import { OPERATOR_ENDPOINT_FILE, startOperatorEndpoint, type OperatorEndpoint } from './operator-endpoint.js';

/** The embedded server's operator endpoint, in-process: who it answers and who it refuses. */
describe('operator endpoint', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'everjust-operator-'));
  const config = loadConfig({ EVERJUST_DATA_DIR: dataDir, EVERJUST_LOG_LEVEL: 'silent' });
  const logger = createLogger({ level: 'silent' });
  const external = Object.values(networkInterfaces()).flat().find((address) => address && !address.internal && address.family === 'IPv4');
  let database: Database;
  let endpoint: OperatorEndpoint;
  let token: string;
  const changed: string[] = [];

  beforeAll(async () => {
    database = await openDatabase({ kind: 'pglite' });
    await database.migrate();
    endpoint = await startOperatorEndpoint({ config, database, logger, publicUrl: 'http://127.0.0.1:43210', tenantChanged: async (id) => void changed.push(id) });
    token = JSON.parse(readFileSync(join(dataDir, OPERATOR_ENDPOINT_FILE), 'utf8')).token;
  });
  afterAll(async () => {
    await endpoint?.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (url: string, authorization: string | undefined, body: unknown) =>
    fetch(`${url}/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
  const tenantCreate = { positionals: ['tenant', 'create'], flags: { name: 'Acme', json: true } };

  it('writes its address and token for the data dir owner only, and runs tenant and key commands', async () => {
    expect(statSync(join(dataDir, OPERATOR_ENDPOINT_FILE)).mode & 0o777).toBe(0o600);
    const response = await post(endpoint.url, `Bearer ${token}`, tenantCreate);
    expect(response.status).toBe(200);
    const result = await response.json();
    expect(result.code).toBe(0);
    const { tenantId } = JSON.parse(result.stdout);
    const key = await (await post(endpoint.url, `Bearer ${token}`, { positionals: ['key', 'create'], flags: { tenant: tenantId, mode: 'test', json: true } })).json();
    expect(JSON.parse(key.stdout).secretKey).toMatch(/^ej_test_sk_/);
    await post(endpoint.url, `Bearer ${token}`, { positionals: ['tenant', 'update', tenantId], flags: { tier: 'starter' } });
    expect(changed).toHaveLength(1);
    // Console links point at the address the server was given (its socket's, with PORT=0).
    const link = await (await post(endpoint.url, `Bearer ${token}`, { positionals: ['console', 'link'], flags: { tenant: tenantId, json: true } })).json();
    expect(link.code).toBe(0);
    expect(JSON.parse(link.stdout).url).toMatch(/^http:\/\/127\.0\.0\.1:43210\/console\/login\?token=ej_cl_/);
  });

  it('refuses a request without the token or with a wrong one, and commands that need the data dir', async () => {
    const before = await database.prisma.tenant.count();
    expect((await post(endpoint.url, undefined, tenantCreate)).status).toBe(401);
    expect((await post(endpoint.url, 'Bearer wrong', tenantCreate)).status).toBe(401);
    expect((await post(endpoint.url, `Bearer ${token}x`, tenantCreate)).status).toBe(401);
    expect(await database.prisma.tenant.count()).toBe(before);
    const migrate = await post(endpoint.url, `Bearer ${token}`, { positionals: ['migrate'], flags: {} });
    expect(migrate.status).toBe(400);
  });

  it('does not answer on a non-loopback address', async () => {
    if (!external) return;
    const { port } = new URL(endpoint.url);
    await expect(fetch(`http://${external.address}:${port}/commands`, { method: 'POST' })).rejects.toThrow();
  });

  it.skipIf(!external)('refuses a non-loopback peer even if it were bound wider', async () => {
    const wideDir = mkdtempSync(join(tmpdir(), 'everjust-operator-wide-'));
    const wide = await startOperatorEndpoint({
      config: loadConfig({ EVERJUST_DATA_DIR: wideDir, EVERJUST_LOG_LEVEL: 'silent' }),
      database,
      logger,
      tenantChanged: async () => undefined,
      host: '0.0.0.0',
    });
    try {
      const wideToken = JSON.parse(readFileSync(join(wideDir, OPERATOR_ENDPOINT_FILE), 'utf8')).token as string;
      const { port } = new URL(wide.url);
      const response = await post(`http://${external!.address}:${port}`, `Bearer ${wideToken}`, tenantCreate);
      expect(response.status).toBe(403);
    } finally {
      await wide.close();
      rmSync(wideDir, { recursive: true, force: true });
    }
  });
});
