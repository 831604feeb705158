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

/** The next migration the schema needs, or `null` when the migrations already match it. */
export async function pendingMigration(
  name: string,
): Promise<{ directory: string; script: string } | null> {
  const schemaFiles = await readSchemaFiles();
  const migrationsList = await readMigrations();
  const { engine, close } = await openPGliteEngine();
  try {
    // Quirk: on PostgreSQL the wasm engine's createMigration fails with "PostgreSQL shadow DB must be
    // provided through an external factory" unless an earlier call has already opened the shadow
    // database (devDiagnostic does; `diff` does not). `prisma migrate dev` calls devDiagnostic first
    // too. It also replays the migrations on the shadow database, so a broken one fails here.
    const { action } = await engine.devDiagnostic({ migrationsList, filters: noFilters });
    if (action.tag === 'reset') throw new Error(`the migration history needs a reset: ${action.reason}`);
    const created = await engine.createMigration({
      draft: false,
      migrationName: name,
      migrationsList,
      schema: { files: schemaFiles },
      filters: noFilters,
    });
    // migrationScript is null when there is nothing to migrate (and draft is false).
    if (created.migrationScript === null) return null;
    // generatedMigrationName is `<UTC YYYYMMDDHHMMSS>_<name>`, as the CLI names the folder.
    return { directory: created.generatedMigrationName, script: created.migrationScript };
  } catch (error) {
    throw engineError(error);
  } finally {
    await close();
  }
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

  const pending = await pendingMigration(name || 'check');
  if (pending === null) {
    console.log('No schema changes');
    return 0;
  }
  if (check) {
    console.error(
      'prisma/schema.prisma has changes that are not in a migration; create one with `pnpm db:migration <name>`.\n' +
        'It would contain:\n\n' +
        pending.script,
    );
    return 1;
  }

  const directory = path.join(migrationsDir, pending.directory);
  if (existsSync(directory)) throw new Error(`The migration directory already exists at ${directory}`);
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'migration.sql'), pending.script);
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
