import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAnthropic } from '@everjust/worker';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicTurn } from '../test-support/fake-anthropic.js';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * Projects over time: forks carry files and conversation up to the point they were made at; checkpoints
 * name a set of files to go back to. The model is the real Anthropic provider against the fake, so what
 * a fork's next prompt sees is read off the request Claude would get.
 */
const FORK = `mutation($input: ForkProjectInput!) { forkProject(input: $input) { id name forkedFrom { id } files { path content } } }`;
const CREATE_CHECKPOINT = `mutation($input: CreateCheckpointInput!) { createCheckpoint(input: $input) { id name files { path content } } }`;
const CHECKPOINTS = `query($id: ID!) { project(id: $id) { checkpoints(first: 10) { edges { node { id name } } } } }`;

describeEachDatabase('projects over time: fork and checkpoints', (database) => {
  let fake: FakeAnthropic;
  let platform: TestPlatform;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    platform = await startTestPlatform(database(), {
      llm: { anthropic: createAnthropic({ apiKey: 'sk-ant-test', model: 'claude-test', baseUrl: fake.url, maxRetries: 0 }) },
    });
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
  });
  afterEach(() => {
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
  });

  async function newProject(key = acme.live) {
    const project = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Bakery" }) { id } }');
    return project.data.createProject.id as string;
  }

  async function run(projectId: string, prompt: string, script: FakeAnthropicTurn[]) {
    fake.enqueue(script);
    const started = await graphql(platform.app, acme.live, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt } });
    expect(started.errors).toBeUndefined();
    const sessionId = started.data.startSession.id as string;
    await subscribeSse(platform.url, acme.live, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    return sessionId;
  }

  const write = (path: string, content: string, reply: string): FakeAnthropicTurn[] => [
    { text: 'Writing.', toolCalls: [{ name: 'write_file', input: { path, content } }] },
    { text: reply },
  ];

  async function filesOf(projectId: string, key = acme.live): Promise<Record<string, string>> {
    const response = await graphql(platform.app, key, `query($id: ID!) { project(id: $id) { files { path content } } }`, { id: projectId });
    return Object.fromEntries(response.data.project.files.map((file: any) => [file.path, file.content]));
  }

  /** A project with two turns: v1 then v2 of index.html. */
  async function twoTurnProject() {
    const projectId = await newProject();
    const first = await run(projectId, 'A page for my bakery', write('index.html', '<h1>v1</h1>', 'Made a bakery page.'));
    const second = await run(projectId, 'Make it about cakes', write('index.html', '<h1>v2</h1>', 'Now it is about cakes.'));
    return { projectId, first, second };
  }

  it("forks at a session: the fork has that snapshot's files, and its next prompt sees the conversation up to it, not after", async () => {
    const { projectId, first } = await twoTurnProject();
    const forked = await graphql(platform.app, acme.live, FORK, { input: { projectId, atSessionId: first, name: 'Bakery, take two' } });
    expect(forked.errors).toBeUndefined();
    const fork = forked.data.forkProject;
    expect(fork).toMatchObject({ name: 'Bakery, take two', forkedFrom: { id: projectId }, files: [{ path: 'index.html', content: '<h1>v1</h1>' }] });
    // The source is untouched.
    expect(await filesOf(projectId)).toEqual({ 'index.html': '<h1>v2</h1>' });

    fake.requests.length = 0;
    await run(fork.id, 'Add a price list', [{ text: 'Added.' }]);
    const messages = fake.requests[0]!.body.messages.map((message: any) => [message.role, message.content.at(-1).text]);
    expect(messages).toEqual([
      ['user', 'A page for my bakery'],
      ['assistant', 'Made a bakery page.'],
      ['user', 'Add a price list'],
    ]);
  });

  it('forks the current files by default, with the whole conversation so far; a fork of a fork reaches back through both', async () => {
    const { projectId } = await twoTurnProject();
    const fork = (await graphql(platform.app, acme.live, FORK, { input: { projectId, name: 'Copy' } })).data.forkProject;
    expect(fork.files).toEqual([{ path: 'index.html', content: '<h1>v2</h1>' }]);
    await run(fork.id, 'Add a footer', write('footer.html', '<footer>', 'Added a footer.'));
    const grandchild = (await graphql(platform.app, acme.live, FORK, { input: { projectId: fork.id, name: 'Copy of copy' } })).data.forkProject;
    expect(grandchild.forkedFrom).toEqual({ id: fork.id });

    fake.requests.length = 0;
    await run(grandchild.id, 'Dark theme', [{ text: 'Done.' }]);
    const prompts = fake.requests[0]!.body.messages.filter((message: any) => message.role === 'user').map((message: any) => message.content.at(-1).text);
    expect(prompts).toEqual(['A page for my bakery', 'Make it about cakes', 'Add a footer', 'Dark theme']);
  });

  it('refuses what the caller may not fork: another tenant’s project, another project’s session, a blank name', async () => {
    const { projectId, first } = await twoTurnProject();
    const otherTenant = await graphql(platform.app, globex.live, FORK, { input: { projectId, name: 'Stolen' } });
    expect(errorCode(otherTenant)).toBe('NOT_FOUND');
    const otherProject = await newProject();
    const wrongSession = await graphql(platform.app, acme.live, FORK, { input: { projectId: otherProject, atSessionId: first, name: 'Mixed' } });
    expect(errorCode(wrongSession)).toBe('NOT_FOUND');
    const noName = await graphql(platform.app, acme.live, FORK, { input: { projectId, name: '  ' } });
    expect(errorCode(noName)).toBe('BAD_USER_INPUT');
    const projects = await graphql(platform.app, globex.live, '{ projects(first: 50) { edges { node { name } } } }');
    expect(projects.data.projects.edges.map((edge: any) => edge.node.name)).not.toContain('Stolen');
  });

  it('forks once per idempotency key', async () => {
    const { projectId } = await twoTurnProject();
    const input = { projectId, name: 'Once', idempotencyKey: 'fork-once' };
    const a = (await graphql(platform.app, acme.live, FORK, { input })).data.forkProject;
    const b = (await graphql(platform.app, acme.live, FORK, { input })).data.forkProject;
    expect(b.id).toBe(a.id);
    const conflict = await graphql(platform.app, acme.live, FORK, { input: { ...input, name: 'Twice' } });
    expect(errorCode(conflict)).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('checkpoints: create from the current files or a session, list newest first, restore, delete; names unique per project', async () => {
    const { projectId, first } = await twoTurnProject();
    const now = await graphql(platform.app, acme.live, CREATE_CHECKPOINT, { input: { projectId, name: 'cakes' } });
    expect(now.errors).toBeUndefined();
    expect(now.data.createCheckpoint).toMatchObject({ name: 'cakes', files: [{ path: 'index.html', content: '<h1>v2</h1>' }] });
    const early = await graphql(platform.app, acme.live, CREATE_CHECKPOINT, { input: { projectId, sessionId: first, name: 'first draft' } });
    expect(early.data.createCheckpoint.files).toEqual([{ path: 'index.html', content: '<h1>v1</h1>' }]);

    const again = await graphql(platform.app, acme.live, CREATE_CHECKPOINT, { input: { projectId, name: 'cakes' } });
    expect(errorCode(again)).toBe('BAD_USER_INPUT');
    expect(again.errors?.[0]?.message).toMatch(/already has a checkpoint named "cakes"/);
    // Two creates of one name at once: exactly one wins.
    const raced = await Promise.all([1, 2].map(() => graphql(platform.app, acme.live, CREATE_CHECKPOINT, { input: { projectId, name: 'race' } })));
    expect(raced.filter((response) => !response.errors).length).toBe(1);

    const listed = await graphql(platform.app, acme.live, CHECKPOINTS, { id: projectId });
    expect(listed.data.project.checkpoints.edges.map((edge: any) => edge.node.name)).toEqual(['race', 'first draft', 'cakes']);

    const restore = `mutation($input: RestoreCheckpointInput!) { restoreCheckpoint(input: $input) { files { path content } } }`;
    const restored = await graphql(platform.app, acme.live, restore, { input: { checkpointId: early.data.createCheckpoint.id } });
    expect(restored.data.restoreCheckpoint.files).toEqual([{ path: 'index.html', content: '<h1>v1</h1>' }]);
    expect(await filesOf(projectId)).toEqual({ 'index.html': '<h1>v1</h1>' });

    // Another tenant can neither restore nor see it.
    const foreign = await graphql(platform.app, globex.live, restore, { input: { checkpointId: now.data.createCheckpoint.id } });
    expect(errorCode(foreign)).toBe('NOT_FOUND');
    const node = await graphql(platform.app, globex.live, `query($id: ID!) { node(id: $id) { id } }`, { id: now.data.createCheckpoint.id });
    expect(node.data?.node ?? null).toBeNull();

    const deleted = await graphql(platform.app, acme.live, `mutation($input: DeleteCheckpointInput!) { deleteCheckpoint(input: $input) { name } }`, {
      input: { checkpointId: now.data.createCheckpoint.id },
    });
    expect(deleted.data.deleteCheckpoint.name).toBe('cakes');
    const after = await graphql(platform.app, acme.live, CHECKPOINTS, { id: projectId });
    expect(after.data.project.checkpoints.edges.map((edge: any) => edge.node.name)).toEqual(['race', 'first draft']);
  });
});
