import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../../../test-support/platform.js';

const START = `mutation($input: StartSessionInput!) { startSession(input: $input) { id status kind prompt } }`;
const SESSION = `query($id: ID!) { session(id: $id) { id status model usage { inputTokens outputTokens } error { code message }
  files { path size content } events(first: 100) { edges { node { seq type } } } } }`;

describeEachDatabase('generation sessions (offline model)', (database) => {
  let platform: TestPlatform;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database());
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
  });
  afterAll(async () => platform.stop());

  async function newProject(key: string) {
    const response = await graphql(platform.app, key, 'mutation { createProject(input: { name: "App" }) { id } }');
    return response.data.createProject.id as string;
  }
  async function start(key: string, projectId: string, prompt: string, idempotencyKey?: string) {
    const response = await graphql(platform.app, key, START, { input: { projectId, prompt, idempotencyKey } });
    expect(response.errors).toBeUndefined();
    return response.data.startSession as { id: string; status: string };
  }
  const follow = (key: string, sessionId: string, afterSeq = 0) =>
    subscribeSse(platform.url, key, SESSION_EVENTS_SUBSCRIPTION, { sessionId, afterSeq });

  it('turns a prompt into files, streaming every step, and ends with done', async () => {
    const projectId = await newProject(acme.test);
    const session = await start(acme.test, projectId, 'Build a todo list app');
    expect(session.status).toBe('QUEUED'.toLowerCase());
    const stream = await follow(acme.test, session.id);
    expect(stream.completed).toBe(true);
    const types = stream.events.map((event) => event.type);
    expect(types[0]).toBe('status');
    expect(types.at(-1)).toBe('done');
    expect(types).toContain('text_delta');
    expect(stream.events.map((event) => event.seq)).toEqual(stream.events.map((_, index) => index + 1));
    const written = stream.events.filter((event) => event.type === 'file_written').map((event) => event.path).sort();
    expect(written).toEqual(['app.js', 'index.html', 'styles.css']);
    const done = stream.events.at(-1);
    expect(done.status).toBe('succeeded');
    expect(done.usage.inputTokens).toBeGreaterThan(0);
    expect(done.usage.outputTokens).toBeGreaterThan(0);

    const read = await graphql(platform.app, acme.test, SESSION, { id: session.id });
    expect(read.data.session).toMatchObject({ status: 'succeeded', model: 'offline/everjust-offline-1', error: null });
    expect(read.data.session.usage).toEqual({ inputTokens: done.usage.inputTokens, outputTokens: done.usage.outputTokens });
    expect(read.data.session.files.map((file: any) => file.path)).toEqual(['app.js', 'index.html', 'styles.css']);
    expect(read.data.session.files.find((file: any) => file.path === 'index.html').content).toMatch(/<html/i);
    expect(read.data.session.events.edges).toHaveLength(stream.events.length);
  });

  it('replays everything to a late subscriber, and exactly the rest to one resuming after seq N', async () => {
    const projectId = await newProject(acme.test);
    const session = await start(acme.test, projectId, 'A counter');
    const all = await follow(acme.test, session.id);
    const late = await follow(acme.test, session.id);
    expect(late).toEqual(all);
    const n = Math.floor(all.events.length / 2);
    const resumed = await follow(acme.test, session.id, n);
    expect(resumed.events).toEqual(all.events.slice(n));
    expect(resumed.completed).toBe(true);
    const afterEnd = await follow(acme.test, session.id, all.events.length);
    expect(afterEnd).toMatchObject({ events: [], completed: true, status: 200 });
  });

  it('iterates: a follow-up prompt sees the files and earlier prompts, and snapshots can be restored', async () => {
    const projectId = await newProject(acme.test);
    const first = await start(acme.test, projectId, 'Build a todo list app');
    await follow(acme.test, first.id);
    const second = await start(acme.test, projectId, 'Make it a calculator instead');
    await follow(acme.test, second.id);
    const files = async () =>
      (await graphql(platform.app, acme.test, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId })).data.project.files;
    const afterFirst = (await graphql(platform.app, acme.test, SESSION, { id: first.id })).data.session.files;
    const current = await files();
    // The second prompt changed the app.
    expect(current.find((file: any) => file.path === 'app.js').content).not.toBe(afterFirst.find((file: any) => file.path === 'app.js').content);

    const restored = await graphql(platform.app, acme.test, `mutation($input: RestoreSnapshotInput!) { restoreSnapshot(input: $input) { files { path content } } }`, {
      input: { sessionId: first.id },
    });
    expect(restored.data.restoreSnapshot.files.map((file: any) => [file.path, file.content])).toEqual(afterFirst.map((file: any) => [file.path, file.content]));
  });

  it('starts once per idempotency key', async () => {
    const projectId = await newProject(acme.test);
    const first = await start(acme.test, projectId, 'A timer', 'start-1');
    const again = await start(acme.test, projectId, 'A timer', 'start-1');
    expect(again.id).toBe(first.id);
    const conflict = await graphql(platform.app, acme.test, START, { input: { projectId, prompt: 'Another', idempotencyKey: 'start-1' } });
    expect(errorCode(conflict)).toBe('IDEMPOTENCY_CONFLICT');
    await follow(acme.test, first.id);
  });

  it('refuses empty and oversized prompts and bad paths, and changes nothing', async () => {
    const projectId = await newProject(acme.test);
    for (const prompt of ['', '   ', 'x'.repeat(20_001)]) {
      expect(errorCode(await graphql(platform.app, acme.test, START, { input: { projectId, prompt } }))).toBe('BAD_USER_INPUT');
    }
    const write = `mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { files { path } } }`;
    for (const path of ['../etc/passwd', '/abs.js', 'a/../../b', 'a\\\\b', '', 'ok/./x']) {
      const response = await graphql(platform.app, acme.test, write, { input: { projectId, files: [{ path: 'good.txt', content: 'ok' }, { path, content: 'x' }] } });
      expect(errorCode(response), path).toBe('BAD_USER_INPUT');
    }
    const tooBig = await graphql(platform.app, acme.test, write, { input: { projectId, files: [{ path: 'big.txt', content: 'x'.repeat(1_048_577) }] } });
    expect(errorCode(tooBig)).toBe('BAD_USER_INPUT');
    const project = await graphql(platform.app, acme.test, `query($id: ID!) { project(id: $id) { files { path } sessions(first: 5) { edges { node { id } } } } }`, { id: projectId });
    expect(project.data.project).toEqual({ files: [], sessions: { edges: [] } });

    const ok = await graphql(platform.app, acme.test, write, { input: { projectId, files: [{ path: 'src/main.js', content: 'console.log(1)' }] } });
    expect(ok.data.writeProjectFiles.files).toEqual([{ path: 'src/main.js' }]);
    const deleted = await graphql(platform.app, acme.test, `mutation($input: DeleteProjectFileInput!) { deleteProjectFile(input: $input) { files { path } } }`, {
      input: { projectId, path: 'src/main.js' },
    });
    expect(deleted.data.deleteProjectFile.files).toEqual([]);
  });

  it("keeps other tenants and the other mode out of a session and its stream", async () => {
    const projectId = await newProject(acme.test);
    const session = await start(acme.test, projectId, 'Notes');
    for (const key of [globex.test, acme.live]) {
      expect(errorCode(await graphql(platform.app, key, SESSION, { id: session.id }))).toBe('NOT_FOUND');
      expect(errorCode(await graphql(platform.app, key, `mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id } }`, { input: { id: session.id } }))).toBe('NOT_FOUND');
      const stream = await follow(key, session.id);
      expect(stream.events).toEqual([]);
      expect(stream.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    await follow(acme.test, session.id);
  });
});

describeEachDatabase('sessions of a deleted project', (database) => {
  let platform: TestPlatform;
  let acme: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database(), { worker: false });
    acme = await createTestTenant(database(), { name: 'Acme' });
  });
  afterAll(async () => platform.stop());

  it('are gone with it through every path: session(id:), node(id:) and its project files', async () => {
    const projectId = (await graphql(platform.app, acme.test, 'mutation { createProject(input: { name: "Gone" }) { id } }')).data.createProject.id;
    await graphql(platform.app, acme.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', {
      input: { projectId, files: [{ path: 'secret.txt', content: 'kept private' }] },
    });
    const sessionId = (await graphql(platform.app, acme.test, START, { input: { projectId, prompt: 'Notes' } })).data.startSession.id;
    const viaNode = `query($id: ID!) { node(id: $id) { ... on Session { id project { files { content } } } } }`;
    expect((await graphql(platform.app, acme.test, viaNode, { id: sessionId })).data.node.project.files).toEqual([{ content: 'kept private' }]);

    await graphql(platform.app, acme.test, 'mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { id } }', { input: { id: projectId } });
    const afterDelete = await graphql(platform.app, acme.test, viaNode, { id: sessionId });
    expect(errorCode(afterDelete)).toBe('NOT_FOUND');
    expect(JSON.stringify(afterDelete.data ?? null)).not.toContain('kept private');
    expect(errorCode(await graphql(platform.app, acme.test, 'query($id: ID!) { session(id: $id) { id } }', { id: sessionId }))).toBe('NOT_FOUND');
  });
});
