import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';

describeEachDatabase('Database.read', (database) => {
  it('answers rows typed as Prisma reads them, statement after statement', async () => {
    const tenant = await database().prisma.tenant.create({ data: { name: 'Reader' } });
    const project = await database().prisma.project.create({
      data: { tenantId: tenant.id, mode: 'live', name: "O'Neil", metadata: { plan: 'pro', n: [1, 2] } },
    });
    const text = 'SELECT id, name, description, metadata, mode, created_at AS "createdAt" FROM projects WHERE tenant_id = $1::uuid AND name = $2 LIMIT $3';
    for (let index = 0; index < 3; index++) {
      expect(await database().read({ text, values: [tenant.id, "O'Neil", 5] })).toEqual([
        { id: project.id, name: "O'Neil", description: null, metadata: { plan: 'pro', n: [1, 2] }, mode: 'live', createdAt: project.createdAt },
      ]);
    }
    expect(await database().read({ text, values: [tenant.id, 'nobody', 5] })).toEqual([]);
  });

  it('throws the database error of a bad statement and goes on working', async () => {
    await expect(database().read({ text: 'SELECT no_such_column FROM tenants', values: [] })).rejects.toThrow(/no_such_column/);
    await expect(database().read({ text: 'SELECT $1::uuid AS id', values: ['not-a-uuid'] })).rejects.toThrow(/uuid/);
    expect(await database().read({ text: 'SELECT $1::int + 1 AS n', values: [41] })).toEqual([{ n: 42 }]);
    expect(await database().read({ text: 'SELECT $1::uuid AS id', values: ['01a24300-41f3-71c1-b415-31c4534f1153'] })).toEqual([{ id: '01a24300-41f3-71c1-b415-31c4534f1153' }]);
  });

  it("never reads another transaction's uncommitted rows", async () => {
    const text = 'SELECT name FROM tenants WHERE name = $1';
    let read: Promise<unknown[]> | undefined;
    await expect(
      database().prisma.$transaction(async (tx) => {
        await tx.tenant.create({ data: { name: 'Uncommitted' } });
        read = database().read({ text, values: ['Uncommitted'] });
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await read).toEqual([]);
  });
});
