import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestTenant, graphql, type TestTenant } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

describe('request ids, health routes and the playground', () => {
  let database: TestDatabase;
  let app: App;
  let tenant: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    app = await createTestApp(database);
    tenant = await createTestTenant(database);
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("echoes the client's X-Request-Id, or makes one, and puts it in every error", async () => {
    const mine = await graphql(app, tenant.live, '{ viewer { id } }', undefined, { 'x-request-id': 'req-123' });
    expect(mine.headers.get('x-request-id')).toBe('req-123');
    const made = await graphql(app, null, '{ viewer { id } }');
    const id = made.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.errors![0].extensions.requestId).toBe(id);
    const hostile = await graphql(app, tenant.live, '{ viewer { id } }', undefined, { 'x-request-id': 'bad id\twith "quotes"' });
    expect(hostile.headers.get('x-request-id')).not.toContain('quotes');
  });

  it('reports syntax errors as they are', async () => {
    const syntax = await graphql(app, tenant.live, '{ viewer { id ');
    expect(syntax.errors![0].message).toMatch(/Syntax Error/);
  });

  it('answers /healthz and /readyz without a key, and readiness follows the database', async () => {
    expect((await app.fetch('http://everjust.test/healthz')).status).toBe(200);
    // One health route: Yoga's own, at /healthz (its default /health is not served beside it).
    expect((await app.fetch('http://everjust.test/health')).status).toBe(404);
    const ready = await app.fetch('http://everjust.test/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves the GraphiQL playground to a browser', async () => {
    const page = await app.fetch('http://everjust.test/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('EverJust API');
  });
});

describe('when the database is gone', () => {
  it('answers 503 from /readyz, and masks the failure as INTERNAL', async () => {
    const database = await openPgliteTestDatabase();
    const app = await createTestApp(database);
    const tenant = await createTestTenant(database);
    await database.close();
    expect((await app.fetch('http://everjust.test/readyz')).status).toBe(503);
    const response = await graphql(app, tenant.live, '{ viewer { id } }');
    expect(response.errors![0].extensions.code).toBe('INTERNAL');
    expect(response.errors![0].extensions.errorId).toBeTruthy();
    expect(response.errors![0].message).toBe('Internal server error');
    await app.stop();
  });
});
