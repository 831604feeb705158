import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, migratedPgliteDump, openDatabase, readMigrations, type Database } from '@everjust/core';

/**
 * The databases a database-facing test runs on: embedded PGlite always, and PostgreSQL too when
 * `DATABASE_URL` is set (CI sets it). Each test file gets a database of its own, migrated.
 */
export interface DatabaseTarget {
  kind: 'pglite' | 'postgres';
  /** Why it is skipped, when it is. */
  skip?: string;
  open(options?: OpenOptions): Promise<TestDatabase>;
}

export interface OpenOptions {
  /** Apply the migrations (default true); false leaves an empty database. */
  migrate?: boolean;
}

export interface TestDatabase extends Database {
  /** For a second process or app instance on the same database (PostgreSQL only). */
  url?: string;
}

const environment = loadConfig(process.env);

export function databaseTargets(): DatabaseTarget[] {
  return [
    { kind: 'pglite', open: openPgliteTestDatabase },
    environment.databaseUrl
      ? { kind: 'postgres', open: (options) => openPostgresTestDatabase(environment.databaseUrl!, options) }
      : { kind: 'postgres', skip: 'DATABASE_URL is not set: PostgreSQL tests skipped (CI runs them)', open: () => Promise.reject(new Error('no DATABASE_URL')) },
  ];
}

export const redisUrl = environment.redisUrl;

export async function openPgliteTestDatabase(options: OpenOptions = {}): Promise<TestDatabase> {
  if (options.migrate === false) return openDatabase({ kind: 'pglite' });
  const database = await openDatabase({ kind: 'pglite', loadDataDir: await migratedTemplate() }).catch(async (error: unknown) => {
    // A template another PGlite version wrote: made again, once.
    console.warn(`the PGlite test template could not be loaded (${(error as Error).message}): making it again`);
    template = undefined;
    return openDatabase({ kind: 'pglite', loadDataDir: await migratedTemplate({ rebuild: true }) });
  });
  await database.migrate(); // nothing to apply: proves the template is current
  return database;
}

let template: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite as a `dumpDataDir` tarball, made once per set of migrations and kept in the
 * temporary folder (written whole, then renamed, so parallel test files never read half of one).
 * Opening from it skips initdb and the migrations: about 2–4 s of CPU per test database.
 */
function migratedTemplate(options: { rebuild?: boolean } = {}): Promise<Blob> {
  template ??= (async () => {
    const migrations = readMigrations();
    const hash = createHash('sha256').update(JSON.stringify(migrations.map((migration) => [migration.name, migration.sql]))).digest('hex').slice(0, 16);
    const file = join(tmpdir(), `everjust-pglite-template-${hash}.tar.gz`);
    if (existsSync(file) && !options.rebuild) return new Blob([readFileSync(file)]);
    const dump = await migratedPgliteDump(migrations);
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    return dump;
  })();
  return template;
}

/** A fresh database on the server named by `adminUrl`, dropped again on close. */
export async function openPostgresTestDatabase(adminUrl: string, options: OpenOptions = {}): Promise<TestDatabase> {
  const name = `everjust_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 5 });
  if (options.migrate !== false) await database.migrate();
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/**
 * Declares a suite once per database target. The body gets a getter for that target's database,
 * opened before the suite and closed after it. An absent server shows as a skipped suite whose name
 * says why.
 */
export function describeEachDatabase(title: string, body: (database: () => TestDatabase) => void): void {
  for (const target of databaseTargets()) {
    if (target.skip) {
      describe.skip(`${title} [${target.kind}] (${target.skip})`, () => {
        it('needs PostgreSQL', () => undefined);
      });
      continue;
    }
    describe(`${title} [${target.kind}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await target.open();
      });
      afterAll(async () => {
        await database?.close();
      });
      body(() => {
        if (!database) throw new Error('test database not open yet');
        return database;
      });
    });
  }
}
