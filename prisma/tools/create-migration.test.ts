import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingMigrationScript } from './create-migration.js';

/** Authoring migrations runs on this machine (Prisma's wasm engine, no download) and the schema is in sync. */
describe('migration authoring', () => {
  it('finds no change between the committed migrations and the schema', async () => {
    expect(await pendingMigrationScript()).toBeNull();
  }, 120_000);

  it('writes the SQL for a change to the schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'everjust-schema-'));
    try {
      const schemaFile = join(dir, 'schema.prisma');
      copyFileSync(new URL('../schema.prisma', import.meta.url), schemaFile);
      const changed = readFileSync(schemaFile, 'utf8').replace('  description    String?\n', '  description    String?\n  color          String?\n');
      writeFileSync(schemaFile, changed);
      const script = await pendingMigrationScript({ schemaFile });
      expect(script).toMatch(/ALTER TABLE "projects" ADD COLUMN\s+"color" TEXT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
