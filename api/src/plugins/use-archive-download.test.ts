import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { decodeId, encodeId } from '@everjust/core';
import { createApiKeyRecord } from '../services/tenants.js';
import { createTestTenant, graphql, signInToConsole, type TestTenant } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../../../test-support/platform.js';

describe('ZIP downloads (GET /v1/projects/<id>/archive.zip, /v1/sessions/<id>/archive.zip)', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenantA: TestTenant;
  let tenantB: TestTenant;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database);
    tenantA = await createTestTenant(database, { name: 'A' });
    tenantB = await createTestTenant(database, { name: 'B' });
  });
  afterAll(async () => {
    await platform.stop();
    await database.close();
  });

  const download = (path: string, key: string | null) => fetch(`${platform.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  async function unzip(response: Response): Promise<Map<string, string>> {
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    return new Map(Object.entries(entries).map(([path, bytes]) => [path, strFromU8(bytes)]));
  }

  async function project(key: string, name: string, files: Array<{ path: string; content: string }>) {
    const created = await graphql(platform.app, key, `mutation($name: String!) { createProject(input: { name: $name }) { id } }`, { name });
    const projectId = created.data.createProject.id as string;
    if (files.length > 0) {
      const written = await graphql(platform.app, key, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, { input: { projectId, files } });
      expect(written.errors).toBeUndefined();
    }
    return projectId;
  }

  it("streams exactly the project's files (paths, nesting and contents) as a ZIP", async () => {
    const files = [
      { path: 'index.html', content: '<!doctype html><title>Hi</title>' },
      { path: 'src/app.js', content: 'console.log("héllo ✓");\n' },
      { path: 'src/deep/nested/data.json', content: JSON.stringify({ a: 1 }) },
      { path: 'empty.txt', content: '' },
      ...Array.from({ length: 120 }, (_, index) => ({ path: `many/file-${String(index).padStart(3, '0')}.txt`, content: `line ${index}\n`.repeat(index) })),
    ];
    const projectId = await project(tenantA.test, 'Zip Me / «ünïcode»', files);
    const response = await download(`/v1/projects/${projectId}/archive.zip`, tenantA.test);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="Zip-Me-.*\.zip"; filename\*=UTF-8''/);
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
    const entries = await unzip(response);
    expect(entries).toEqual(new Map(files.map((file) => [file.path, file.content])));
  });

  it("streams a session's snapshot: the files as that session left them", async () => {
    const projectId = await project(tenantA.test, 'Snapshot', []);
    const started = await graphql(platform.app, tenantA.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId, prompt: 'Build a counter' },
    });
    const sessionId = started.data.startSession.id as string;
    await subscribeSse(platform.url, tenantA.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    // Change the project afterwards: the session's archive keeps the snapshot.
    await graphql(platform.app, tenantA.test, `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }`, {
      input: { projectId, files: [{ path: 'later.txt', content: 'written after the session' }] },
    });
    const session = await graphql(platform.app, tenantA.test, `query($id: ID!) { session(id: $id) { status files { path content } } }`, { id: sessionId });
    expect(session.data.session.status).toBe('succeeded');
    const snapshot = new Map<string, string>(session.data.session.files.map((file: { path: string; content: string }) => [file.path, file.content]));
    expect(snapshot.size).toBeGreaterThan(0);
    const entries = await unzip(await download(`/v1/sessions/${sessionId}/archive.zip`, tenantA.test));
    expect(entries).toEqual(snapshot);
    expect(entries.has('later.txt')).toBe(false);
    expect((await unzip(await download(`/v1/projects/${projectId}/archive.zip`, tenantA.test))).get('later.txt')).toBe('written after the session');
  });

  it("answers 404 for another tenant's project or session, and for the other mode's project", async () => {
    const testProject = await project(tenantA.test, 'A test', [{ path: 'a.txt', content: 'a' }]);
    const liveProject = await project(tenantA.live, 'A live', [{ path: 'a.txt', content: 'a' }]);
    const other = await download(`/v1/projects/${testProject}/archive.zip`, tenantB.test);
    expect(other.status).toBe(404);
    expect((await other.json()).errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await download(`/v1/projects/${testProject}/archive.zip`, tenantB.live)).status).toBe(404);
    // A's own test key on A's live project: the other world.
    expect((await download(`/v1/projects/${liveProject}/archive.zip`, tenantA.test)).status).toBe(404);
    expect((await download(`/v1/projects/${testProject}/archive.zip`, tenantA.live)).status).toBe(404);
    expect((await download(`/v1/projects/${liveProject}/archive.zip`, tenantA.live)).status).toBe(200);

    const sessionRow = await database.prisma.session.findFirstOrThrow({ where: { tenantId: tenantA.id, status: 'succeeded' } });
    expect((await download(`/v1/sessions/${encodeId('Session', sessionRow.id)}/archive.zip`, tenantB.test)).status).toBe(404);
    // A project id in the sessions route, a malformed id, a deleted project: all 404.
    expect((await download(`/v1/sessions/${testProject}/archive.zip`, tenantA.test)).status).toBe(404);
    expect((await download('/v1/projects/not-an-id/archive.zip', tenantA.test)).status).toBe(404);
    await graphql(platform.app, tenantA.test, `mutation($id: ID!) { deleteProject(input: { id: $id }) { id } }`, { id: testProject });
    expect((await download(`/v1/projects/${testProject}/archive.zip`, tenantA.test)).status).toBe(404);
  });

  it("gives a console session its own tenant's archives (with the CSRF header, in its mode) and never another tenant's", async () => {
    const liveProject = await project(tenantA.live, 'A console', [{ path: 'console.txt', content: 'mine' }]);
    const testProject = await project(tenantA.test, 'A console test', [{ path: 'test.txt', content: 'test' }]);
    const consoleA = await signInToConsole(platform.app, tenantA.id);
    const consoleB = await signInToConsole(platform.app, tenantB.id);
    const byConsole = (path: string, signedIn: { cookie: string; csrfToken: string }, headers: Record<string, string> = {}) =>
      fetch(`${platform.url}${path}`, { headers: { cookie: signedIn.cookie, 'x-everjust-csrf': signedIn.csrfToken, ...headers } });
    expect((await unzip(await byConsole(`/v1/projects/${liveProject}/archive.zip`, consoleA))).get('console.txt')).toBe('mine');
    expect((await unzip(await byConsole(`/v1/projects/${testProject}/archive.zip`, consoleA, { 'x-everjust-mode': 'test' }))).get('test.txt')).toBe('test');
    expect((await byConsole(`/v1/projects/${testProject}/archive.zip`, consoleA)).status).toBe(404);
    for (const path of [`/v1/projects/${liveProject}/archive.zip`, `/v1/projects/${testProject}/archive.zip`]) {
      for (const mode of ['live', 'test']) {
        const other = await byConsole(path, consoleB, { 'x-everjust-mode': mode });
        expect(other.status).toBe(404);
        expect((await other.json()).errors[0].extensions.code).toBe('NOT_FOUND');
      }
    }
    // The cookie alone, or from another origin, is no credential.
    const bare = await fetch(`${platform.url}/v1/projects/${liveProject}/archive.zip`, { headers: { cookie: consoleA.cookie } });
    expect(bare.status).toBe(403);
    expect((await bare.json()).errors[0].extensions.code).toBe('CSRF_FAILED');
    expect((await byConsole(`/v1/projects/${liveProject}/archive.zip`, consoleA, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('needs a valid key with projects:read; a session that has not ended has no snapshot yet (409)', async () => {
    const projectId = await project(tenantA.test, 'Auth', [{ path: 'a.txt', content: 'a' }]);
    const anonymous = await download(`/v1/projects/${projectId}/archive.zip`, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await download(`/v1/projects/${projectId}/archive.zip`, 'ej_test_sk_0000000000000000000000000000000000000000')).status).toBe(401);
    const restricted = await createApiKeyRecord(database.prisma, { tenantId: tenantA.id, mode: 'test', name: 'no read', scopes: ['sessions:write'] });
    const forbidden = await download(`/v1/projects/${projectId}/archive.zip`, restricted.secret);
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'projects:read' });
    const post = await fetch(`${platform.url}/v1/projects/${projectId}/archive.zip`, { method: 'POST', headers: { authorization: `Bearer ${tenantA.test}` } });
    expect(post.status).toBe(405);

    const running = await database.prisma.session.create({
      data: { tenantId: tenantA.id, projectId: decodeId(projectId).id, mode: 'test', kind: 'preview', status: 'running' },
    });
    const early = await download(`/v1/sessions/${encodeId('Session', running.id)}/archive.zip`, tenantA.test);
    expect(early.status).toBe(409);
    await database.prisma.session.update({ where: { id: running.id }, data: { status: 'cancelled' } });
  });
});
