import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, preparedStatementNames, type Database } from './database.js';
import { openPostgresTestDatabase } from '../../../test-support/databases.js';

describe('prepared statement names', () => {
  it('gives a text the same name every time, and none past the bound', () => {
    const names = preparedStatementNames(2);
    const first = names({ sql: 'SELECT 1' });
    expect(first).toMatch(/^everjust_\d+$/);
    expect(names({ sql: 'SELECT 1' })).toBe(first);
    const second = names({ sql: 'SELECT 2' });
    expect(second).not.toBe(first);
    // Full: a third text is run unnamed ('' for node-postgres), the known ones keep their names.
    expect(names({ sql: 'SELECT 3' })).toBe('');
    expect(names({ sql: 'SELECT 2' })).toBe(second);
  });
});

const adminUrl = process.env.DATABASE_URL;
describe.skipIf(!adminUrl)('prepared statements on PostgreSQL', () => {
  let database: Database & { url?: string };
  let single: Database;
  beforeAll(async () => {
    database = await openPostgresTestDatabase(adminUrl!);
    // One connection, so the statements below and the look at pg_prepared_statements share it.
    single = await openDatabase({ kind: 'postgres', url: database.url!, poolSize: 1 });
  });
  afterAll(async () => {
    await single?.close();
    await database?.close();
  });

  it('parses a statement once per connection and reuses it', async () => {
    const tenant = await single.prisma.tenant.create({ data: { name: 'Prepared' } });
    for (let index = 0; index < 3; index++) {
      expect(await single.prisma.tenant.findUnique({ where: { id: tenant.id }, select: { name: true } })).toEqual({ name: 'Prepared' });
    }
    const prepared = await single.prisma.$queryRaw<Array<{ name: string; statement: string }>>`
      SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'everjust_%'`;
    const lookups = prepared.filter((row) => /FROM "public"\."tenants"/.test(row.statement) && /SELECT/.test(row.statement));
    expect(lookups).toHaveLength(1);
  });

  it('prepares a `read` once per connection too, under names of its own beside Prisma\'s', async () => {
    const tenant = await single.prisma.tenant.create({ data: { name: 'Read' } });
    for (let index = 0; index < 3; index++) {
      expect(await single.read({ text: 'SELECT name FROM tenants WHERE id = $1::uuid', values: [tenant.id] })).toEqual([{ name: 'Read' }]);
    }
    await single.prisma.tenant.findUnique({ where: { id: tenant.id }, select: { name: true } });
    const prepared = await single.read<{ name: string; statement: string }>({
      text: "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'everjust_%'",
      values: [],
    });
    const reads = prepared.filter((row) => row.statement === 'SELECT name FROM tenants WHERE id = $1::uuid');
    expect(reads).toHaveLength(1);
    expect(reads[0].name).toMatch(/^everjust_read_\d+$/);
    expect(new Set(prepared.map((row) => row.name)).size).toBe(prepared.length);
  });
});
