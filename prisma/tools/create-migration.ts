// `pnpm db:migration <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL
// that takes the database from the existing migrations to prisma/schema.prisma (what
// `prisma migrate dev --create-only` does, run on Prisma's wasm schema engine and an in-memory PGlite).
// `pnpm db:migration --check`: exits 1 if the schema has changes that no migration holds yet.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  engineError,
  lockfileContent,
  migrationsDir,
  noFilters,
  openPGliteEngine,
  readMigrations,
  readSchemaFiles,
} from './schema-engine.js';

export interface MigrationPaths {
  /** The Prisma schema to migrate to (default prisma/schema.prisma). */
  schemaFile?: string;
  /** The migrations folder (default prisma/migrations). */
  dir?: string;
}

/**
 * The SQL that takes a database from the existing migrations to the schema, or `null` when they
 * already match. The engine replays the migrations on a shadow database (a second in-memory PGlite
 * the adapter opens), introspects it and diffs that against the schema: what `migrate dev` does.
 */
export async function pendingMigrationScript(paths: MigrationPaths = {}): Promise<string | null> {
  const files = await readSchemaFiles(paths.schemaFile);
  const migrationsList = await readMigrations(paths.dir);
  // `from: migrations` refuses to run without a lockfile ("Could not determine the connector from
  // the migrations directory"): before the first migration there is none, so lend it the one we
  // are about to write.
  migrationsList.lockfile.content ??= lockfileContent;
  const { engine, close } = await openPGliteEngine();
  try {
    // Why diff and not createMigration (which would also name the folder): on PostgreSQL the wasm
    // engine's createMigration only finds the shadow database if an earlier call happened to leave
    // one open (devDiagnostic on an up-to-date database does; after applyMigrations it is consumed),
    // otherwise it fails with "PostgreSQL shadow DB must be provided through an external factory".
    // diff opens its own shadow database every time. Both produce the same script.
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      // With exitCode: true the engine answers 2 when there is a difference, 0 when none. (With
      // null it answers 0 either way, and an empty script is "-- This is an empty migration.\n".)
      exitCode: true,
      filters: noFilters,
    });
    return result.exitCode === 2 && result.stdout ? result.stdout : null;
  } catch (error) {
    throw engineError(error);
  } finally {
    await close();
  }
}

/** `YYYYMMDDHHMMSS` in UTC, the prefix Prisma gives migration folders. */
export function migrationTimestamp(date = new Date()): string {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The CLI's normalisation of a migration name (`addApiKeys` → `add_api_keys`, at most 200 chars). */
export function migrationSlug(name: string): string {
  return name
    .replace(/([a-z\d])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z\d]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 200);
}

async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const rawName = argv.find((arg) => !arg.startsWith('-'));
  const name = rawName === undefined ? '' : migrationSlug(rawName);
  if (!check && !name) {
    console.error('usage: pnpm db:migration <name>    (or --check to verify migrations match the schema)');
    return 2;
  }

  const script = await pendingMigrationScript();
  if (script === null) {
    console.log('No schema changes');
    return 0;
  }
  if (check) {
    console.error(
      'prisma/schema.prisma has changes that are not in a migration; create one with `pnpm db:migration <name>`.\n' +
        'It would contain:\n\n' +
        script,
    );
    return 1;
  }

  const directory = path.join(migrationsDir, `${migrationTimestamp()}_${name}`);
  if (existsSync(directory)) throw new Error(`The migration directory already exists at ${directory}`);
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'migration.sql'), script);
  // Rewritten every time, like the CLI does (the provider never changes here).
  await writeFile(path.join(migrationsDir, 'migration_lock.toml'), lockfileContent);
  console.log(`Created ${path.relative(process.cwd(), path.join(directory, 'migration.sql'))}`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
