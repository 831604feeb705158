import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, createTestTenant, errorCode, graphql, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

const NUL = '\u0000';

/** PostgreSQL stores no NUL: every input holding one is the client's mistake (BAD_USER_INPUT), never INTERNAL, and writes nothing. */
describeEachDatabase('NUL characters in inputs', (database) => {
  let app: App;
  let tenant: TestTenant;
  let projectId: string;

  beforeAll(async () => {
    app = await createTestApp(database());
    tenant = await createTestTenant(database());
    const created = await graphql(app, tenant.test, 'mutation { createProject(input: { name: "Clean" }) { id } }');
    projectId = created.data.createProject.id;
  });
  afterAll(async () => app.stop());

  it('answers BAD_USER_INPUT, naming the argument, for a NUL in a name, metadata, a file, a prompt or a filter', async () => {
    const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
      ['project name', 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: `a${NUL}b` } }, /^input\.name: contains a NUL/],
      ['metadata value', 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: 'ok', metadata: { plan: `pro${NUL}` } } }, /^input\.metadata\.plan:/],
      ['metadata key', 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: 'ok', metadata: { [`k${NUL}`]: 1 } } }, /^input\.metadata\.k/],
      ['project update', 'mutation($input: UpdateProjectInput!) { updateProject(input: $input) { id } }', { input: { id: '__project__', description: `x${NUL}` } }, /^input\.description:/],
      ['file content', 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId: '__project__', files: [{ path: 'ok.txt', content: 'fine' }, { path: 'a.txt', content: `x${NUL}y` }] } }, /^input\.files\.1\.content:/],
      ['prompt', 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId: '__project__', prompt: `Build${NUL}` } }, /^input\.prompt:/],
      ['externalUserId filter', 'query($user: String) { projects(first: 5, externalUserId: $user) { edges { node { id } } } }', { user: `u${NUL}` }, /^externalUserId:/],
      ['metadata filter', 'query($metadata: JSONObject) { projects(first: 5, metadata: $metadata) { edges { node { id } } } }', { metadata: { plan: `a${NUL}` } }, /^metadata\.plan:/],
    ];
    for (const [what, query, raw, message] of cases) {
      const variables = JSON.parse(JSON.stringify(raw).replaceAll('__project__', projectId));
      const response = await graphql(app, tenant.test, query, variables);
      expect(errorCode(response), what).toBe('BAD_USER_INPUT');
      expect(response.errors![0].message, what).toMatch(message);
    }
    // As an inline literal too, nested under a field.
    const literal = await graphql(app, tenant.test, `query($id: ID!) { project(id: $id) { file(path: "a\\u0000b") { content } } }`, { id: projectId });
    expect(errorCode(literal)).toBe('BAD_USER_INPUT');

    // Nothing was written.
    const project = await graphql(app, tenant.test, `query($id: ID!) { project(id: $id) { description files { path } sessions(first: 5) { edges { node { id } } } } }`, { id: projectId });
    expect(project.data.project).toEqual({ description: null, files: [], sessions: { edges: [] } });
    expect(await database().prisma.project.count({ where: { tenantId: tenant.id } })).toBe(1);
  });

  it('still takes other control characters and any other Unicode in content', async () => {
    const content = 'tab\tnewline\n\u0001 ✓ 😀';
    const written = await graphql(app, tenant.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { files { path content } } }', {
      input: { projectId, files: [{ path: 'fine.txt', content }] },
    });
    expect(written.data.writeProjectFiles.files).toEqual([{ path: 'fine.txt', content }]);
  });
});
