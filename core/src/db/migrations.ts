import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Applies `prisma/migrations/<name>/migration.sql` in order and records each in `_prisma_migrations`,
 * Prisma's own table and format, so a machine with the native engine can use the stock CLI on the same
 * folder. Works the same on PostgreSQL and PGlite: only the `SqlRunner` differs.
 */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(sql: string): Promise<void>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** Finds `prisma/migrations` above this file, whether it runs from `src/` or a bundle in `dist/`. */
export function findMigrationsDir(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`No prisma/migrations folder found above ${start}`);
  }
}

export function readMigrations(migrationsDir = findMigrationsDir()): Migration[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationResult {
  applied: string[];
  /** Applied earlier but changed on disk since: worth a warning, never re-applied. */
  modified: string[];
}

/**
 * Applies every migration not yet recorded as finished. The caller serialises concurrent migrators
 * (an advisory lock on PostgreSQL; the data-dir lock on PGlite).
 */
export async function applyMigrations(runner: SqlRunner, migrations = readMigrations()): Promise<MigrationResult> {
  await runner.exec(CREATE_MIGRATIONS_TABLE);
  const rows = await runner.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Map(rows.map((row) => [row.migration_name, row.checksum]));
  const result: MigrationResult = { applied: [], modified: [] };
  for (const migration of migrations) {
    const recorded = done.get(migration.name);
    if (recorded !== undefined) {
      if (recorded !== migration.checksum) result.modified.push(migration.name);
      continue;
    }
    // One transaction per migration: a failing one leaves nothing half-applied.
    await runner.exec('BEGIN');
    try {
      await runner.exec(migration.sql);
      await runner.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [randomUUID(), migration.checksum, migration.name],
      );
      await runner.exec('COMMIT');
    } catch (error) {
      await runner.exec('ROLLBACK').catch(() => undefined);
      throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
    }
    result.applied.push(migration.name);
  }
  return result;
}
