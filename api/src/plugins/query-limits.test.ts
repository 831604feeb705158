import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestTenant, errorCode, graphql, type TestTenant } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

/** Every refusal here must come before any resolver runs: the mutations below would leave rows. */
describe('query depth, alias and cost limits', () => {
  let database: TestDatabase;
  let app: App;
  let shallow: App;
  let cheap: App;
  let tenant: TestTenant;
  const projectCount = () => database.prisma.project.count({ where: { tenantId: tenant.id } });
  const keyCount = () => database.prisma.apiKey.count({ where: { tenantId: tenant.id } });

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    app = await createTestApp(database, { EVERJUST_MAX_ALIASES: '5', EVERJUST_MAX_QUERY_COST: '50' });
    shallow = await createTestApp(database, { EVERJUST_MAX_QUERY_DEPTH: '2' });
    cheap = await createTestApp(database, { EVERJUST_MAX_QUERY_COST: '3' });
    tenant = await createTestTenant(database);
  });
  afterAll(async () => {
    await Promise.all([app.stop(), shallow.stop(), cheap.stop()]);
    await database.close();
  });

  it('refuses a query deeper than the limit', async () => {
    const response = await graphql(shallow, tenant.live, 'mutation { createApiKey(input: { name: "deep" }) { apiKey { id } } }');
    expect(errorCode(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0].message).toMatch(/depth/i);
    expect(await keyCount()).toBe(2);
  });

  it('refuses more aliases than the limit', async () => {
    const aliases = Array.from({ length: 6 }, (_, i) => `p${i}: createProject(input: { name: "alias ${i}" }) { id }`).join('\n');
    const response = await graphql(app, tenant.live, `mutation { ${aliases} }`);
    expect(errorCode(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0].message).toMatch(/alias/i);
    expect(await projectCount()).toBe(0);
  });

  it('prices connections by their page size and refuses a query over the cost limit', async () => {
    // 1 (connection) + 30 × (edges 1 + node 1) = 61 > 50
    const response = await graphql(app, tenant.live, 'query { projects(first: 30) { edges { node { id } } } }');
    expect(errorCode(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors![0].extensions).toMatchObject({ cost: 61, maxCost: 50 });
    // 1 + 20 × 2 = 41 fits.
    expect((await graphql(app, tenant.live, 'query { projects(first: 20) { edges { node { id } } } }')).errors).toBeUndefined();
  });

  it('counts page sizes given through variables, and validates them before the cost check', async () => {
    const query = 'query($n: Int) { projects(first: $n) { edges { node { id } } } }';
    expect(errorCode(await graphql(app, tenant.live, query, { n: 40 }))).toBe('QUERY_TOO_COMPLEX');
    expect(errorCode(await graphql(app, tenant.live, query, { n: 1000 }))).toBe('BAD_USER_INPUT');
  });

  it('refuses a mutation over the cost limit before it creates anything', async () => {
    const aliases = (count: number) => Array.from({ length: count }, (_, i) => `p${i}: createProject(input: { name: "cost ${i}" }) { id }`).join('\n');
    const refused = await graphql(cheap, tenant.live, `mutation { ${aliases(4)} }`);
    expect(errorCode(refused)).toBe('QUERY_TOO_COMPLEX');
    expect(await projectCount()).toBe(0);
    expect((await graphql(cheap, tenant.live, `mutation { ${aliases(3)} }`)).errors).toBeUndefined();
    expect(await projectCount()).toBe(3);
  });
});
