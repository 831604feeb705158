import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, openDatabase, openSecret, SEALED_CONTEXTS, type Environment, decodeIdOf } from '@everjust/core';
import { databaseTargets, type TestDatabase } from '../../../test-support/databases.js';
import { main } from './index.js';

async function run(environment: Environment, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => void (stdout += text), err: (text) => void (stderr += text) }, environment);
  return { code, stdout, stderr };
}

for (const target of databaseTargets()) {
  describe.skipIf(Boolean(target.skip))(`operator CLI [${target.kind}]${target.skip ? ` (${target.skip})` : ''}`, () => {
    let environment: Environment;
    let postgres: TestDatabase | undefined;
    let dataDir: string | undefined;

    beforeAll(async () => {
      if (target.kind === 'postgres') {
        postgres = await target.open({ migrate: false });
        environment = { DATABASE_URL: postgres.url, EVERJUST_LOG_LEVEL: 'silent' };
      } else {
        dataDir = mkdtempSync(join(tmpdir(), 'everjust-cli-'));
        environment = { EVERJUST_DATA_DIR: dataDir, EVERJUST_LOG_LEVEL: 'silent' };
      }
    });
    afterAll(async () => {
      await postgres?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('on a fresh database: migrates the embedded one itself, refuses PostgreSQL saying what to run', async () => {
      if (target.kind === 'pglite') {
        const fresh = mkdtempSync(join(tmpdir(), 'everjust-cli-fresh-'));
        try {
          const created = await run({ EVERJUST_DATA_DIR: fresh, EVERJUST_LOG_LEVEL: 'silent' }, 'tenant', 'create', '--name', 'Acme', '--json');
          expect(created.code).toBe(0);
          expect(JSON.parse(created.stdout).secretKey).toMatch(/^ej_live_sk_/);
          expect(created.stderr).toMatch(/^Applied \d+ migration\(s\) to the embedded database\.\n$/);
        } finally {
          rmSync(fresh, { recursive: true, force: true });
        }
      } else {
        await expect(run(environment, 'tenant', 'create', '--name', 'Acme')).rejects.toThrow(/pending migration\(s\).*run `pnpm everjust migrate` first/);
      }
    }, 60_000);

    it('migrates, then finds nothing more to do', async () => {
      const first = await run(environment, 'migrate');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/Applied \d+ migration/);
      expect((await run(environment, 'migrate')).stdout).toBe('Database is up to date.\n');
    });

    it('creates a tenant and its first live key, printing only JSON with --json', async () => {
      const created = await run(environment, 'tenant', 'create', '--name', 'Acme', '--tier', 'starter', '--json');
      expect(created.code).toBe(0);
      const output = JSON.parse(created.stdout);
      expect(Object.keys(output).sort()).toEqual(['secretKey', 'tenantId']);
      expect(output.secretKey).toMatch(/^ej_live_sk_/);
      expect(decodeIdOf('Tenant', output.tenantId)).toBeTruthy();

      const key = await run(environment, 'key', 'create', '--tenant', output.tenantId, '--mode', 'test', '--scopes', 'projects:read,sessions:read', '--json');
      expect(JSON.parse(key.stdout)).toMatchObject({ mode: 'test', scopes: ['projects:read', 'sessions:read'] });
      expect(JSON.parse(key.stdout).secretKey).toMatch(/^ej_test_sk_/);

      const updated = await run(environment, 'tenant', 'update', output.tenantId, '--tier', 'enterprise', '--allowed-origins', 'https://acme.com,http://localhost:3000', '--limit', 'concurrentSessions=5', '--json');
      expect(JSON.parse(updated.stdout)).toMatchObject({ tier: 'enterprise', allowedOrigins: ['https://acme.com', 'http://localhost:3000'], limitOverrides: { concurrentSessions: 5 } });

      await expect(run(environment, 'tenant', 'create', '--name', 'Bad', '--tier', 'platinum')).rejects.toThrow(/--tier must be one of/);
      await expect(run(environment, 'tenant', 'update', output.tenantId, '--allowed-origins', 'https://acme.com/path')).rejects.toThrow(/origin/);
      await expect(run(environment, 'key', 'create', '--tenant', output.tenantId, '--scopes', 'everything')).rejects.toThrow(/unknown: everything/);
      await expect(run(environment, 'key', 'create', '--tenant', 'nope')).rejects.toThrow(/not a tenant id/);

      const listed = await run(environment, 'tenant', 'list', '--json');
      const tenants = listed.stdout.trim().split('\n').map((line) => JSON.parse(line));
      expect(tenants.filter((tenant) => tenant.name === 'Bad')).toHaveLength(0);
      expect(tenants.find((tenant) => tenant.tenantId === output.tenantId)).toMatchObject({ name: 'Acme', tier: 'enterprise' });
    });

    it('sets generation settings: instructions, models and an own Anthropic key, which it seals and never prints; refuses bad ones', async () => {
      const secret = 'cli-test-secret-'.padEnd(64, 'y');
      const env = { ...environment, EVERJUST_SECRET: secret };
      const created = JSON.parse((await run(env, 'tenant', 'create', '--name', 'Models', '--json')).stdout);
      const ownKey = 'sk-ant-api03-cli-own-key-0123456789-k9z1';
      const updated = await run(env, 'tenant', 'update', created.tenantId, '--instructions', 'Use Inter.', '--model', 'claude-haiku-4-5', '--allowed-models', 'claude-haiku-4-5,claude-sonnet-4-5', '--anthropic-api-key', ownKey, '--json');
      expect(updated.code).toBe(0);
      expect(JSON.parse(updated.stdout).generation).toEqual({
        instructions: 'Use Inter.',
        model: 'claude-haiku-4-5',
        allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
        hasAnthropicApiKey: true,
        anthropicApiKeyLast4: 'k9z1',
        allowQuestions: true,
        autoRepairRounds: 2,
      });
      const human = await run(env, 'tenant', 'list');
      expect(human.stdout).toMatch(/model: claude-haiku-4-5 {2}models: claude-haiku-4-5, claude-sonnet-4-5 {2}own key …k9z1/);
      for (const output of [updated.stdout, updated.stderr, human.stdout, human.stderr]) expect(output).not.toContain(ownKey);
      const id = decodeIdOf('Tenant', created.tenantId)!;
      const database = await openDatabase(target.kind === 'postgres' ? { kind: 'postgres', url: postgres!.url! } : { kind: 'pglite', dataDir: dataDir! });
      try {
        const row = await database.prisma.tenant.findUniqueOrThrow({ where: { id } });
        expect(openSecret(secret, row.anthropicApiKeyEncrypted!, SEALED_CONTEXTS.tenantAnthropicKey(id))).toBe(ownKey);
      } finally {
        await database.close();
      }

      await expect(run(env, 'tenant', 'update', created.tenantId, '--model', 'claude-opus-4-5')).rejects.toThrow(/the default model claude-opus-4-5 must be one of the allowed models/);
      await expect(run(env, 'tenant', 'update', created.tenantId, '--instructions', 'x'.repeat(10_001))).rejects.toThrow(/at most 10,000 characters/);
      await expect(run(env, 'tenant', 'update', created.tenantId, '--allowed-models', 'gpt-4o')).rejects.toThrow(/"gpt-4o" is not a model this platform offers/);
      await expect(run(env, 'tenant', 'update', created.tenantId, '--anthropic-api-key', 'oops')).rejects.toThrow(/must be an Anthropic API key/);
      await expect(run(env, 'tenant', 'update', created.tenantId, '--auto-repair-rounds', '4')).rejects.toThrow(/autoRepairRounds: must be a whole number from 0 to 3/);
      await expect(run(env, 'tenant', 'update', created.tenantId, '--auto-repair-rounds', 'two')).rejects.toThrow(/--auto-repair-rounds must be a whole number/);
      const rounds = await run(env, 'tenant', 'update', created.tenantId, '--auto-repair-rounds', '0', '--json');
      expect(JSON.parse(rounds.stdout).generation.autoRepairRounds).toBe(0);
      // An empty value clears.
      const cleared = await run(env, 'tenant', 'update', created.tenantId, '--anthropic-api-key', '', '--instructions', '', '--json');
      expect(JSON.parse(cleared.stdout).generation).toMatchObject({ instructions: null, model: 'claude-haiku-4-5', hasAnthropicApiKey: false, anthropicApiKeyLast4: null });
    });

    it('prints a one-time console sign-in link for a tenant, stored only as a hash', async () => {
      const env = { ...environment, EVERJUST_PUBLIC_URL: 'https://api.everjust.example' };
      const created = JSON.parse((await run(env, 'tenant', 'create', '--name', 'Console', '--json')).stdout);
      const linked = await run(env, 'console', 'link', '--tenant', created.tenantId, '--json');
      expect(linked.code).toBe(0);
      const { url, expiresAt, tenantId } = JSON.parse(linked.stdout);
      expect(tenantId).toBe(created.tenantId);
      expect(url).toMatch(/^https:\/\/api\.everjust\.example\/console\/login\?token=ej_cl_[A-Za-z0-9_-]{43}$/);
      expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
      const human = await run(env, 'console', 'link', '--tenant', created.tenantId);
      expect(human.stdout).toMatch(/^Console sign-in link \(one use, until .*\):\nhttps:\/\/api\.everjust\.example\/console\/login\?token=ej_cl_\S+\n$/);
      const database = await openDatabase(target.kind === 'postgres' ? { kind: 'postgres', url: postgres!.url! } : { kind: 'pglite', dataDir: dataDir! });
      try {
        const token = new URL(url).searchParams.get('token')!;
        const row = await database.prisma.consoleLink.findUniqueOrThrow({ where: { hash: hashSecret(token) } });
        expect(row).toMatchObject({ tenantId: decodeIdOf('Tenant', created.tenantId), usedAt: null });
      } finally {
        await database.close();
      }
      await expect(run(env, 'console', 'link', '--tenant', 'nope')).rejects.toThrow(/not a tenant id/);
      await expect(run(env, 'console', 'link')).rejects.toThrow(/A tenant id is required/);
    });

    it.skipIf(target.kind !== 'pglite')('is refused while another process holds the embedded data dir', async () => {
      const holder = await openDatabase({ kind: 'pglite', dataDir: dataDir! });
      try {
        await expect(run(environment, 'tenant', 'list')).rejects.toThrow(/in use by another process/);
      } finally {
        await holder.close();
      }
    });
  });
}
