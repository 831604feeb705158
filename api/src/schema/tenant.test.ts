import { afterAll, beforeAll, expect, it } from 'vitest';
import { TIERS } from '@everjust/core';
import { createTestApp, createTestTenant, errorCode, graphql, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

const UPDATE = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { name allowedOrigins } }`;

describeEachDatabase('tenant', (database) => {
  let app: App;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await createTestApp(database());
    tenant = await createTestTenant(database(), { name: 'Acme', tier: 'starter' });
  });
  afterAll(async () => app.stop());

  it("shows the caller's tenant with its tier limits and the key's mode", async () => {
    const response = await graphql(app, tenant.live, '{ viewer { id name tier mode allowedOrigins limits { projects concurrentSessions generationsPerDay requestsPerHour storageBytes } } }');
    expect(response.data.viewer).toEqual({
      id: tenant.globalId,
      name: 'Acme',
      tier: 'STARTER',
      mode: 'LIVE',
      allowedOrigins: [],
      limits: {
        projects: TIERS.starter.projects,
        concurrentSessions: TIERS.starter.concurrentSessions,
        generationsPerDay: TIERS.starter.generationsPerDay,
        requestsPerHour: TIERS.starter.requestsPerHour,
        storageBytes: TIERS.starter.storageBytes,
      },
    });
  });

  it("shows a test key test mode's own limits (2 concurrent sessions, 50 generations a day, 1,000 requests an hour), as its quotas apply them", async () => {
    const response = await graphql(app, tenant.test, '{ viewer { mode limits { projects concurrentSessions generationsPerDay requestsPerHour } } }');
    expect(response.data.viewer).toEqual({
      mode: 'TEST',
      limits: { projects: TIERS.starter.projects, concurrentSessions: 2, generationsPerDay: 50, requestsPerHour: 1_000 },
    });
  });

  it('shows per-tenant limit overrides over the tier', async () => {
    await database().prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: { concurrentSessions: 7, projects: null } } });
    // What the operator CLI announces after it changes a tenant: cached copies are dropped.
    await app.services.authenticator.tenantChanged(tenant.id);
    const response = await graphql(app, tenant.live, '{ viewer { limits { projects concurrentSessions } } }');
    expect(response.data.viewer.limits).toEqual({ projects: null, concurrentSessions: 7 });
    await database().prisma.tenant.update({ where: { id: tenant.id }, data: { limitOverrides: {} } });
  });

  it('updates the name and allowed origins', async () => {
    const response = await graphql(app, tenant.live, UPDATE, { input: { name: 'Acme Inc', allowedOrigins: ['https://app.acme.com', 'http://localhost:3000'] } });
    expect(response.data.updateTenant).toEqual({ name: 'Acme Inc', allowedOrigins: ['https://app.acme.com', 'http://localhost:3000'] });
  });

  it('refuses origins that are not origins, and changes nothing', async () => {
    for (const origin of ['https://acme.com/path', 'acme.com', 'ftp://acme.com', 'https://acme.com/', '*']) {
      const response = await graphql(app, tenant.live, UPDATE, { input: { name: 'Changed', allowedOrigins: [origin] } });
      expect(errorCode(response), origin).toBe('BAD_USER_INPUT');
    }
    const stored = await database().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(stored.name).toBe('Acme Inc');
  });

  it('needs the keys:write scope to change the tenant', async () => {
    const created = await graphql(app, tenant.live, `mutation { createApiKey(input: { name: "reader", scopes: [PROJECTS_READ] }) { secret } }`);
    const response = await graphql(app, created.data.createApiKey.secret, UPDATE, { input: { name: 'Nope' } });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });
});
