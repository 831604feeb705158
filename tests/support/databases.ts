import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, openDatabase, type Database } from '@everjust/core';

/**
 * The databases a database-facing test runs on: embedded PGlite always, and PostgreSQL too when
 * `DATABASE_URL` is set (CI sets it). Each test file gets a database of its own, migrated.
 */
export interface DatabaseTarget {
  kind: 'pglite' | 'postgres';
  /** Why it is skipped, when it is. */
  skip?: string;
  open(): Promise<TestDatabase>;
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
      ? { kind: 'postgres', open: () => openPostgresTestDatabase(environment.databaseUrl!) }
      : { kind: 'postgres', skip: 'DATABASE_URL is not set: PostgreSQL tests skipped (CI runs them)', open: () => Promise.reject(new Error('no DATABASE_URL')) },
  ];
}

export const redisUrl = environment.redisUrl;

export async function openPgliteTestDatabase(): Promise<TestDatabase> {
  const database = await openDatabase({ kind: 'pglite' });
  await database.migrate();
  return database;
}

/** A fresh database on the server named by `adminUrl`, dropped again on close. */
export async function openPostgresTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `everjust_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 5 });
  await database.migrate();
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
