import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { EverJust, NotFoundError, ValidationError } from '../src/index.js';

/** `projects.fork` and `checkpoints.*` against a real API server (PGlite, offline generator). */

describe('projects.fork and checkpoints', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let other: TestTenant;
  let everjust: EverJust;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, { environment: { EVERJUST_SANDBOX: 'none' } });
    tenant = await createTestTenant(database, { tier: 'enterprise' });
    other = await createTestTenant(database, { name: 'Other' });
    everjust = new EverJust({ apiKey: tenant.test, baseUrl: platform.url });
  });
  afterAll(async () => {
    await platform?.stop();
    await database?.close();
  });

  const filesOf = async (projectId: string) => {
    const data = await everjust.graphql<{ project: { files: Array<{ path: string; content: string }> } }>('query($id: ID!) { project(id: $id) { files { path content } } }', { id: projectId });
    return Object.fromEntries(data.project.files.map((file) => [file.path, file.content]));
  };

  it('forks the current files or a session snapshot, idempotently, and names the source', async () => {
    const source = await everjust.projects.create({ name: 'Source', externalUserId: 'user-1', metadata: { plan: 'pro' } });
    const session = await everjust.sessions.create({ projectId: source.id, prompt: 'A counter app' });
    expect((await everjust.sessions.stream(session.id).finalResult()).status).toBe('succeeded');
    const snapshot = await filesOf(source.id);
    await everjust.projects.writeFiles(source.id, [{ path: 'later.txt', content: 'after the session' }]);

    const fork = await everjust.projects.fork(source.id, { name: 'Fork', idempotencyKey: 'fork-1' });
    expect(fork).toMatchObject({ name: 'Fork', externalUserId: 'user-1', metadata: { plan: 'pro' }, forkedFrom: { id: source.id } });
    expect((await filesOf(fork.id))['later.txt']).toBe('after the session');
    expect((await everjust.projects.fork(source.id, { name: 'Fork', idempotencyKey: 'fork-1' })).id).toBe(fork.id);

    const atSession = await everjust.projects.fork(source.id, { name: 'At session', atSessionId: session.id, externalUserId: 'user-2' });
    expect(atSession.externalUserId).toBe('user-2');
    expect(await filesOf(atSession.id)).toEqual(snapshot);
    expect((await everjust.projects.get(source.id)).forkedFrom).toBeNull();

    const stranger = new EverJust({ apiKey: other.test, baseUrl: platform.url });
    await expect(stranger.projects.fork(source.id, { name: 'Stolen' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('creates, lists (newest first, paginated), restores and deletes checkpoints', async () => {
    const project = await everjust.projects.create({ name: 'Checkpointed' });
    await everjust.projects.writeFiles(project.id, [{ path: 'index.html', content: 'v1' }]);
    const first = await everjust.checkpoints.create({ projectId: project.id, name: 'v1' });
    expect(first).toMatchObject({ name: 'v1' });
    await expect(everjust.checkpoints.create({ projectId: project.id, name: 'v1' })).rejects.toBeInstanceOf(ValidationError);

    await everjust.projects.writeFiles(project.id, [{ path: 'index.html', content: 'v2' }, { path: 'extra.js', content: 'x' }]);
    const second = await everjust.checkpoints.create({ projectId: project.id, name: 'v2' });
    const page = await everjust.checkpoints.list(project.id, { first: 1 });
    expect(page.data.map((checkpoint) => checkpoint.id)).toEqual([second.id]);
    expect(page.hasMore).toBe(true);
    const all = await everjust.checkpoints.list(project.id, { first: 1 }).toArray({ limit: 10 });
    expect(all.map((checkpoint) => checkpoint.name)).toEqual(['v2', 'v1']);

    const restored = await everjust.checkpoints.restore(first.id);
    expect(restored.id).toBe(project.id);
    expect(await filesOf(project.id)).toEqual({ 'index.html': 'v1' });

    expect((await everjust.checkpoints.delete(second.id)).id).toBe(second.id);
    expect((await everjust.checkpoints.list(project.id)).data.map((checkpoint) => checkpoint.name)).toEqual(['v1']);
    await expect(everjust.checkpoints.restore(second.id)).rejects.toBeInstanceOf(NotFoundError);
    const stranger = new EverJust({ apiKey: other.test, baseUrl: platform.url });
    await expect(stranger.checkpoints.delete(first.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
