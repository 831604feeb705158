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

  it('refuses tenant settings to a test key, which would change live mode too: FORBIDDEN, nothing changed', async () => {
    const before = await database().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    const origins = await graphql(app, tenant.test, UPDATE, { input: { allowedOrigins: ['https://attacker.example'] } });
    expect(errorCode(origins)).toBe('FORBIDDEN');
    expect(origins.errors![0].message).toMatch(/use a live key/);
    expect(origins.errors![0].extensions.reason).toBe('LIVE_KEY_REQUIRED');
    expect(errorCode(await graphql(app, tenant.test, UPDATE, { input: { name: 'Renamed by CI' } }))).toBe('FORBIDDEN');
    const github = await graphql(app, tenant.test, 'mutation { setGitHubToken(input: { token: "ghp_fromATestKey0123456789" }) { gitHubTokenSet } }');
    expect(errorCode(github)).toBe('FORBIDDEN');
    expect(github.errors![0].message).toMatch(/use a live key/);
    expect(errorCode(await graphql(app, tenant.test, 'mutation { setGitHubToken(input: { token: null }) { gitHubTokenSet } }'))).toBe('FORBIDDEN');
    const after = await database().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect({ name: after.name, allowedOrigins: after.allowedOrigins, githubTokenEncrypted: after.githubTokenEncrypted }).toEqual({
      name: before.name,
      allowedOrigins: before.allowedOrigins,
      githubTokenEncrypted: before.githubTokenEncrypted,
    });
    // A test key still reads them.
    expect((await graphql(app, tenant.test, '{ viewer { allowedOrigins } }')).data.viewer.allowedOrigins).toEqual(before.allowedOrigins);
  });

  it('needs the keys:write scope to change the tenant', async () => {
    const created = await graphql(app, tenant.live, `mutation { createApiKey(input: { name: "reader", scopes: [PROJECTS_READ] }) { secret } }`);
    const response = await graphql(app, created.data.createApiKey.secret, UPDATE, { input: { name: 'Nope' } });
    expect(errorCode(response)).toBe('FORBIDDEN');
  });
});
