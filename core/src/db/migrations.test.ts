import { describe, expect, it } from 'vitest';
import { databaseTargets } from '../../../test-support/databases.js';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, readMigrations } from './migrations.js';

describe('migrations', () => {
  for (const target of databaseTargets()) {
    it.skipIf(Boolean(target.skip))(`apply to an empty ${target.kind} database, and a second run changes nothing${target.skip ? ` (${target.skip})` : ''}`, async () => {
      const database = await target.open({ migrate: false });
      try {
        const all = readMigrations().map((migration) => migration.name);
        expect(all.length).toBeGreaterThan(0);
        const first = await database.migrate();
        expect(first.applied).toEqual(all);
        const second = await database.migrate();
        expect(second).toEqual({ applied: [], modified: [] });
        // The schema is usable and recorded in Prisma's own table.
        const recorded = await database.prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`;
        expect(recorded.map((row) => row.migration_name)).toEqual(all);
        expect(await database.prisma.tenant.count()).toBe(0);
      } finally {
        await database.close();
      }
    });
  }

  it('leave nothing behind when one fails', async () => {
    const pglite = new PGlite();
    const runner = {
      query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
      exec: async (sql: string) => void (await pglite.exec(sql)),
    };
    try {
      const good = { name: '001_good', sql: 'CREATE TABLE kept (id int);', checksum: 'a' };
      const bad = { name: '002_bad', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();', checksum: 'b' };
      await expect(applyMigrations(runner, [good, bad])).rejects.toThrow(/002_bad/);
      const tables = await runner.query<{ kept: string | null; half: string | null }>(`SELECT to_regclass('kept')::text AS kept, to_regclass('half_done')::text AS half`);
      expect(tables[0]).toEqual({ kept: 'kept', half: null });
      const recorded = await runner.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"');
      expect(recorded.map((row) => row.migration_name)).toEqual(['001_good']);
      // Fixed, it applies on the next run; the good one is not run twice.
      const fixed = await applyMigrations(runner, [good, { ...bad, sql: 'CREATE TABLE half_done (id int);', checksum: 'c' }]);
      expect(fixed.applied).toEqual(['002_bad']);
    } finally {
      await pglite.close();
    }
  });
});
