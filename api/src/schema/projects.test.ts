import { beforeAll, afterAll, expect, it } from 'vitest';
import { consoleGraphql, createTestApp, createTestTenant, errorCode, graphql, signInToConsole, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

const CREATE = `mutation Create($input: CreateProjectInput!) { createProject(input: $input) { id name description externalUserId metadata mode } }`;
const LIST = `query List($first: Int, $after: String, $externalUserId: String, $metadata: JSONObject) {
  projects(first: $first, after: $after, externalUserId: $externalUserId, metadata: $metadata) {
    edges { cursor node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describeEachDatabase('projects', (database) => {
  let app: App;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    app = await createTestApp(database());
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
  });
  afterAll(async () => app.stop());

  async function createProject(key: string, input: Record<string, unknown>) {
    const response = await graphql(app, key, CREATE, { input });
    expect(response.errors).toBeUndefined();
    return response.data.createProject as { id: string; name: string; metadata: Record<string, unknown> };
  }

  async function countProjects(tenantId: string) {
    return database().prisma.project.count({ where: { tenantId } });
  }

  it('creates, reads, updates and deletes a project', async () => {
    const project = await createProject(acme.live, { name: 'Todo app', description: 'A list', externalUserId: 'user-1', metadata: { plan: 'pro' } });
    expect(project).toMatchObject({ name: 'Todo app', description: 'A list', externalUserId: 'user-1', metadata: { plan: 'pro' }, mode: 'LIVE' });

    const read = await graphql(app, acme.live, `query($id: ID!) { project(id: $id) { id name } }`, { id: project.id });
    expect(read.data.project).toEqual({ id: project.id, name: 'Todo app' });

    const updated = await graphql(app, acme.live, `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { name metadata description } }`, {
      input: { id: project.id, name: 'Todo app 2', metadata: { plan: 'team' } },
    });
    expect(updated.data.updateProject).toEqual({ name: 'Todo app 2', metadata: { plan: 'team' }, description: 'A list' });

    const deleted = await graphql(app, acme.live, `mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { id deletedAt } }`, { input: { id: project.id } });
    expect(deleted.data.deleteProject.deletedAt).toBeTruthy();
    const gone = await graphql(app, acme.live, `query($id: ID!) { project(id: $id) { id } }`, { id: project.id });
    expect(errorCode(gone)).toBe('NOT_FOUND');
  });

  it("never shows one tenant's project to another", async () => {
    const secret = await createProject(globex.live, { name: 'Globex secret' });
    const attempts = [
      graphql(app, acme.live, `query($id: ID!) { project(id: $id) { id name } }`, { id: secret.id }),
      graphql(app, acme.live, `query($id: ID!) { node(id: $id) { id ... on Project { name } } }`, { id: secret.id }),
      graphql(app, acme.live, `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`, { input: { id: secret.id, name: 'pwned' } }),
      graphql(app, acme.live, `mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { id } }`, { input: { id: secret.id } }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(errorCode(response)).toBe('NOT_FOUND');
      expect(JSON.stringify(response.data ?? null)).not.toContain('Globex secret');
    }
    const listed = await graphql(app, acme.live, LIST, { first: 100 });
    expect(listed.data.projects.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(secret.id);
    const untouched = await database().prisma.project.findFirstOrThrow({ where: { tenantId: globex.id, name: 'Globex secret' } });
    expect(untouched.deletedAt).toBeNull();
  });

  it("never shows one tenant's project to another tenant's console session", async () => {
    const secret = await createProject(globex.live, { name: 'Globex console secret' });
    const signedIn = await signInToConsole(app, acme.id);
    for (const mode of ['live', 'test']) {
      const headers = { 'x-everjust-mode': mode };
      const attempts = [
        consoleGraphql(app, signedIn, `query($id: ID!) { project(id: $id) { id name } }`, { id: secret.id }, headers),
        consoleGraphql(app, signedIn, `query($id: ID!) { node(id: $id) { id ... on Project { name } } }`, { id: secret.id }, headers),
        consoleGraphql(app, signedIn, `mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`, { input: { id: secret.id, name: 'pwned' } }, headers),
        consoleGraphql(app, signedIn, `mutation($input: DeleteProjectInput!) { deleteProject(input: $input) { id } }`, { input: { id: secret.id } }, headers),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(errorCode(response)).toBe('NOT_FOUND');
        expect(JSON.stringify(response.data ?? null)).not.toContain('Globex console secret');
      }
      const listed = await consoleGraphql(app, signedIn, LIST, { first: 100 }, headers);
      expect(listed.data.projects.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(secret.id);
    }
    const untouched = await database().prisma.project.findFirstOrThrow({ where: { tenantId: globex.id, name: 'Globex console secret' } });
    expect(untouched).toMatchObject({ name: 'Globex console secret', deletedAt: null });
  });

  it('keeps live and test mode apart', async () => {
    const live = await createProject(acme.live, { name: 'Live only' });
    const test = await createProject(acme.test, { name: 'Test only' });
    expect(errorCode(await graphql(app, acme.test, `query($id: ID!) { project(id: $id) { id } }`, { id: live.id }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(app, acme.live, `query($id: ID!) { node(id: $id) { id } }`, { id: test.id }))).toBe('NOT_FOUND');
    const testList = await graphql(app, acme.test, LIST, { first: 100 });
    const testIds = testList.data.projects.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(testIds).toContain(test.id);
    expect(testIds).not.toContain(live.id);
    const liveList = await graphql(app, acme.live, LIST, { first: 100 });
    expect(liveList.data.projects.edges.map((edge: { node: { id: string } }) => edge.node.id)).not.toContain(test.id);
  });

  it('refuses bad input with BAD_USER_INPUT and changes nothing', async () => {
    const before = await countProjects(acme.id);
    const cases = [
      graphql(app, acme.live, CREATE, { input: { name: '' } }),
      graphql(app, acme.live, CREATE, { input: { name: '   ' } }),
      graphql(app, acme.live, CREATE, { input: { name: 'x'.repeat(10_000) } }),
      graphql(app, acme.live, CREATE, { input: { name: 'ok', metadata: [1, 2] } }),
      graphql(app, acme.live, CREATE, { input: { name: 'ok', metadata: 'a string' } }),
      graphql(app, acme.live, `mutation { createProject(input: { name: "ok", metadata: 5 }) { id } }`),
      graphql(app, acme.live, CREATE, { input: { name: 'ok', metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) } }),
      graphql(app, acme.live, LIST, { first: 1000 }),
      graphql(app, acme.live, LIST, { first: -1 }),
      graphql(app, acme.live, LIST, { first: 10, after: 'not-a-cursor' }),
      graphql(app, acme.live, LIST, { first: 10, after: Buffer.from('Project:nope').toString('base64url') }),
      graphql(app, acme.live, `query($id: ID!) { project(id: $id) { id } }`, { id: 'garbage' }),
    ];
    for (const response of await Promise.all(cases)) {
      expect(errorCode(response), JSON.stringify(response.errors)).toBe('BAD_USER_INPUT');
      expect(response.errors![0].message.length).toBeGreaterThan(5);
    }
    expect(await countProjects(acme.id)).toBe(before);
  });

  it('creates once per idempotency key, and refuses the same key with another input', async () => {
    const input = { name: 'Once', metadata: { a: 1, b: 2 }, idempotencyKey: 'create-once-1' };
    const first = await createProject(acme.live, input);
    const again = await createProject(acme.live, { ...input, metadata: { b: 2, a: 1 } });
    expect(again.id).toBe(first.id);
    const conflict = await graphql(app, acme.live, CREATE, { input: { ...input, name: 'Twice' } });
    expect(errorCode(conflict)).toBe('IDEMPOTENCY_CONFLICT');
    expect(await database().prisma.project.count({ where: { tenantId: acme.id, name: { in: ['Once', 'Twice'] } } })).toBe(1);

    // Racing calls with one key still make one project.
    const raced = await Promise.all(Array.from({ length: 8 }, () => graphql(app, acme.live, CREATE, { input: { name: 'Raced', idempotencyKey: 'race-1' } })));
    expect(new Set(raced.map((response) => response.data?.createProject.id)).size).toBe(1);
    expect(await database().prisma.project.count({ where: { tenantId: acme.id, name: 'Raced' } })).toBe(1);

    // The same key in another tenant is another key.
    const other = await createProject(globex.live, input);
    expect(other.id).not.toBe(first.id);
  });

  it('walks 250 projects page by page with no duplicate and no gap', async () => {
    const walker = await createTestTenant(database(), { name: 'Walker' });
    const created: string[] = [];
    for (let batch = 0; batch < 25; batch++) {
      const made = await Promise.all(Array.from({ length: 10 }, (_, i) => createProject(walker.live, { name: `p${batch * 10 + i}`, externalUserId: i % 2 ? 'odd' : 'even' })));
      created.push(...made.map((project) => project.id));
    }
    for (const pageSize of [100, 7]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = await graphql(app, walker.live, LIST, { first: pageSize, after });
        expect(page.errors).toBeUndefined();
        seen.push(...page.data.projects.edges.map((edge: { node: { id: string } }) => edge.node.id));
        if (!page.data.projects.pageInfo.hasNextPage) break;
        after = page.data.projects.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      expect(new Set(seen)).toEqual(new Set(created));
    }
    const odd = await graphql(app, walker.live, LIST, { first: 100, externalUserId: 'odd' });
    expect(odd.data.projects.edges).toHaveLength(100);
  });

  it('filters by metadata: every given key must match', async () => {
    const filterer = await createTestTenant(database(), { name: 'Filterer' });
    await createProject(filterer.live, { name: 'a', metadata: { team: 'red', size: 1 } });
    await createProject(filterer.live, { name: 'b', metadata: { team: 'red', size: 2 } });
    await createProject(filterer.live, { name: 'c', metadata: { team: 'blue' } });
    const names = async (metadata: Record<string, unknown>) =>
      (await graphql(app, filterer.live, LIST, { first: 10, metadata })).data.projects.edges.map((edge: any) => edge.node.name).sort();
    expect(await names({ team: 'red' })).toEqual(['a', 'b']);
    expect(await names({ team: 'red', size: 2 })).toEqual(['b']);
    expect(await names({ team: 'green' })).toEqual([]);
  });

  it('answers a page alike through its one SQL statement and through Prisma, forwards and backwards', async () => {
    const reader = await createTestTenant(database(), { name: 'Reader' });
    const made = [];
    for (let i = 0; i < 6; i++) {
      made.push(await createProject(reader.live, { name: `r${i}`, description: i % 2 ? `about ${i}` : undefined, externalUserId: i % 3 ? 'u' : undefined, metadata: { i } }));
    }
    await createProject(reader.test, { name: 'test mode' });
    expect((await graphql(app, reader.live, `mutation { deleteProject(input: { id: "${made[2].id}" }) { id } }`)).errors).toBeUndefined();
    await createProject(acme.live, { name: 'another tenant' });

    const PLAIN = 'id name description externalUserId metadata mode createdAt updatedAt deletedAt __typename';
    // `sandbox` is not a plain column: the same page then goes through Prisma.
    const page = async (args: string, fields: string) => {
      const response = await graphql(app, reader.live, `fragment F on Project { ${fields} }
        { projects(${args}) { edges { cursor node { ...F } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`);
      expect(response.errors).toBeUndefined();
      return response.data.projects;
    };
    const withoutSandbox = (connection: any) => ({
      ...connection,
      edges: connection.edges.map(({ cursor, node: { sandbox, ...node } }: any) => {
        expect(sandbox).toBeNull();
        return { cursor, node };
      }),
    });
    const newestFirst = made.filter((_, i) => i !== 2).reverse();
    for (const args of ['first: 10', 'first: 2', `first: 2, after: "${newestFirst[1].id}"`, 'last: 2', `last: 2, before: "${newestFirst[3].id}"`, 'first: 10, externalUserId: "u"']) {
      const bySql = await page(args, PLAIN);
      expect(bySql).toEqual(withoutSandbox(await page(args, `${PLAIN} sandbox { createdAt }`)));
      expect(bySql.edges.length, args).toBeGreaterThan(0);
      for (const edge of bySql.edges) expect(edge.cursor).toBe(edge.node.id);
    }
    const all = await page('first: 10', PLAIN);
    expect(all.edges.map((edge: any) => edge.node.name)).toEqual(newestFirst.map((project) => project.name));
    expect(all.edges[0].node).toMatchObject({ description: 'about 5', externalUserId: 'u', metadata: { i: 5 }, mode: 'LIVE', deletedAt: null, __typename: 'Project' });
    expect((await page(`first: 2, after: "${newestFirst[1].id}"`, 'name')).edges.map((edge: any) => edge.node.name)).toEqual(['r3', 'r1']);
    expect((await page(`last: 2, before: "${newestFirst[3].id}"`, 'name')).edges.map((edge: any) => edge.node.name)).toEqual(['r4', 'r3']);
    expect((await page('first: 10, externalUserId: "u"', 'name')).edges.map((edge: any) => edge.node.name)).toEqual(['r5', 'r4', 'r1']);

    // A cursor of another type or none at all: BAD_USER_INPUT on both paths.
    for (const fields of [PLAIN, `${PLAIN} sandbox { createdAt }`]) {
      const bad = await graphql(app, reader.live, `{ projects(first: 2, after: "not-a-cursor") { edges { node { ${fields} } } } }`);
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
    }
  });
});
