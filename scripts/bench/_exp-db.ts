// temporary experiment: per-query cost of Prisma on PGlite vs raw PGlite, in-process, 10 concurrent loops
import { createRequire } from 'node:module';
import { openDatabase } from '@everjust/core';
import { createTenant } from '../../api/src/services/tenants.js';
const requireFromCore = createRequire(new URL('../../core/package.json', import.meta.url));
const { PGlite } = await import(requireFromCore.resolve('@electric-sql/pglite').replace(/\.cjs$/, '.js')) as any;
const database = await openDatabase({ kind: 'pglite' });
await database.migrate();
const tenant = await createTenant(database.prisma, { name: 'Bench tenant', tier: 'enterprise' });
// spy on the PGlite instance the adapter uses
let pglite: any; const sqls: string[] = []; let calls = 0;
const original = PGlite.prototype.query;
PGlite.prototype.query = function (this: any, sql: string, ...rest: unknown[]) { pglite ??= this; calls++; if (sqls.length < 5) sqls.push(sql); return original.call(this, sql, ...rest); };
await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
console.log('pglite instance captured:', !!pglite, 'sql:', sqls);
// a mutex so only one query is in flight: what the HTTP server mostly sees
let chain: Promise<unknown> = Promise.resolve();
const serial = <T,>(op: () => Promise<T>) => { const next = chain.then(op); chain = next.catch(() => undefined); return next; };
async function rate(name: string, op: () => Promise<unknown>, seconds = 4) {
  for (let i = 0; i < 200; i++) await op();
  calls = 0; let n = 0; const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: 10 }, async () => { while (performance.now() < end) { await op(); n++; } }));
  const perS = n / seconds; console.log(`${name.padEnd(48)} ${perS.toFixed(0).padStart(6)} ops/s  ${(1e6 / perS).toFixed(0).padStart(5)} µs/op  pglite.query calls/op ${(calls / n).toFixed(2)}`);
}
for (let round = 0; round < 2; round++) {
  await rate('prisma findUniqueOrThrow (all columns)', () => database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }));
  await rate('prisma findUniqueOrThrow select id,name,tier', () => database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { id: true, name: true, tier: true } }));
  await rate('prisma $queryRaw same SQL', () => database.prisma.$queryRaw`SELECT id, name, tier FROM tenants WHERE id = ${tenant.id}::uuid LIMIT 1`);
  await rate('raw pglite.query (adapter SQL, rowMode array)', () => original.call(pglite, sqls[0], [tenant.id, 1, 0], { rowMode: 'array' }));
  await rate('raw pglite.query SELECT 1', () => original.call(pglite, 'SELECT 1'));
  await rate('prisma findUniqueOrThrow, one at a time (no batching)', async () => { for (let i = 0; i < 1; i++) await serial(() => database.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })); });
  await rate('raw pglite.exec SELECT 1', () => pglite.exec('SELECT 1'));
}
await database.close();
