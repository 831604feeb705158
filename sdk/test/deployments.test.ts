import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { EverJust, NotFoundError, ValidationError, type SessionEvent } from '../src/index.js';

/** The SDK's deploy surface against a real API and worker, in test mode (simulated: nothing reaches DigitalOcean). */
describe('@everjust/sdk deploys (projects.deploy, deployments.list/get/rollback/delete)', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let everjust: EverJust;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, { environment: { EVERJUST_DEPLOY_POLL_MS: '20' } });
    tenant = await createTestTenant(database);
    everjust = new EverJust({ apiKey: tenant.test, baseUrl: platform.url });
  });
  afterAll(async () => {
    await platform?.stop();
    await database?.close();
  });

  async function finish(sessionId: string): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    for await (const event of everjust.sessions.stream(sessionId)) events.push(event);
    return events;
  }

  it('deploys, follows the typed events, lists and gets deployments, rolls back and removes the app', async () => {
    const project = await everjust.projects.create({ name: 'Shop' });
    await expect(everjust.projects.deploy(project.id)).rejects.toBeInstanceOf(ValidationError); // no files yet
    await everjust.projects.writeFiles(project.id, [{ path: 'index.html', content: '<h1>shop</h1>' }]);
    const withDomain = await everjust.projects.setDomain(project.id, 'shop.example.com');
    expect(withDomain.customDomain).toBe('shop.example.com');

    const session = await everjust.projects.deploy(project.id);
    expect(session.kind).toBe('deploy');
    const events = await finish(session.id);
    const ready = events.find((event) => event.type === 'deploy_ready');
    if (ready?.type !== 'deploy_ready') throw new Error('no deploy_ready');
    expect(events.filter((event) => event.type === 'deploy_progress').map((event) => (event.type === 'deploy_progress' ? event.phase : ''))).toEqual(['BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE']);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });

    const second = await finish((await everjust.projects.deploy(project.id)).id);
    expect(second.at(-1)).toMatchObject({ status: 'succeeded' });

    const page = await everjust.deployments.list(project.id, { first: 1 });
    expect(page.data).toHaveLength(1);
    expect(page.hasMore).toBe(true);
    const all = [];
    for await (const deployment of everjust.deployments.list(project.id)) all.push(deployment);
    expect(all.map((deployment) => deployment.phase)).toEqual(['ACTIVE', 'SUPERSEDED']);
    expect(all[0].liveUrl).toBe(ready.url);

    const first = await everjust.deployments.get(all[1].id);
    expect(first).toMatchObject({ id: ready.deploymentId, phase: 'SUPERSEDED', provider: 'simulated', appKind: 'STATIC_SITE' });
    expect(first).not.toHaveProperty('__typename');
    await expect(everjust.deployments.get(project.id)).rejects.toBeInstanceOf(NotFoundError);

    const rollback = await everjust.deployments.rollback(first.id);
    expect((await finish(rollback.id)).at(-1)).toMatchObject({ status: 'succeeded' });
    expect((await everjust.deployments.list(project.id)).data[0]).toMatchObject({ phase: 'ACTIVE', rollbackOf: { id: first.id } });

    const removed = await everjust.deployments.delete(project.id);
    expect(removed.id).toBe(project.id);
    await expect(everjust.deployments.rollback(first.id)).rejects.toBeInstanceOf(ValidationError);
  });
});
