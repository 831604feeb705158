import { afterAll, beforeAll, expect, it } from 'vitest';
import { getNamedType, isAbstractType, isObjectType, type GraphQLField } from 'graphql';
import { API_KEY_SCOPES, decodeIdOf, encodeId, sealSecret, SEALED_CONTEXTS, type ApiKeyScope } from '@everjust/core';
import { createApiKeyRecord } from '../services/tenants.js';
import { grantedScopes } from '../auth/scopes.js';
import { consoleGraphql, createTestTenant, errorCode, graphql, signInToConsole, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../../../test-support/platform.js';
import { requiredScopeOf } from './enforce-type-scopes.js';
import { schema } from './index.js';

/** One field on the way from Query to a type; `on` names the concrete type behind an abstract one (`node`, `events`). */
interface Step {
  parent: string;
  field: GraphQLField<unknown, unknown>;
  type: string;
  on?: string;
}

/** Every path from Query to every object type, visiting no type twice (so `Session.project.sessions…` stops). */
function pathsFromQuery(): Step[][] {
  const paths: Step[][] = [];
  const walk = (parent: string, path: Step[], seen: ReadonlySet<string>) => {
    const type = schema.getType(parent);
    if (!isObjectType(type)) return;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      const abstract = isAbstractType(named);
      const concretes = abstract ? schema.getPossibleTypes(named).map((possible) => possible.name) : isObjectType(named) ? [named.name] : [];
      for (const concrete of concretes) {
        if (seen.has(concrete)) continue;
        const next = [...path, { parent, field, type: concrete, ...(abstract ? { on: concrete } : {}) }];
        paths.push(next);
        walk(concrete, next, new Set([...seen, concrete]));
      }
    }
  };
  walk('Query', [], new Set(['Query']));
  return paths;
}

const scopeOf = (typeName: string) => requiredScopeOf(schema.getType(typeName)!);

describeEachDatabase('scopes on the type: every path to an object checks them', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let other: TestTenant;
  let ids: Record<string, string>;
  const keys = new Map<string, string>();

  /** A test key with exactly these stored scopes (made once per set). */
  async function keyWith(scopes: readonly ApiKeyScope[]) {
    const name = [...scopes].sort().join(' ') || 'none';
    if (!keys.has(name)) keys.set(name, (await createApiKeyRecord(database().prisma, { tenantId: tenant.id, mode: 'test', name, scopes })).secret);
    return keys.get(name)!;
  }

  beforeAll(async () => {
    // Hundreds of requests from one test key: past test mode's hourly limit without this.
    platform = await startTestPlatform(database(), { environment: { EVERJUST_RATE_LIMITS: 'off' } });
    tenant = await createTestTenant(database(), { name: 'Scoped' });
    other = await createTestTenant(database(), { name: 'Other' });
    const { prisma } = database();

    const project = (await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Scoped app" }) { id } }')).data.createProject.id as string;
    const started = await graphql(platform.app, tenant.test, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', {
      // With an image, so the session has an attachment to read (a 1×1 PNG).
      input: { projectId: project, prompt: 'Build a counter', attachments: [{ data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==' }] },
    });
    const session = started.data.startSession.id as string;
    expect((await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId: session })).completed).toBe(true);
    const budget = await graphql(platform.app, tenant.test, 'mutation { setEndUserBudget(input: { externalUserId: "budgeted", generationsPerDay: 5 }) { externalUserId } }');
    expect(budget.errors).toBeUndefined();

    // What the offline run does not make by itself: a sandbox (previews are off here), a preview error, a session error,
    // a webhook endpoint with a delivery (made here, so nothing tries to deliver it).
    const projectId = (await prisma.project.findFirstOrThrow({ where: { tenantId: tenant.id } })).id;
    await prisma.sandbox.create({ data: { projectId, tenantId: tenant.id, provider: 'static', status: 'running', previewUrl: 'https://preview.test/x' } });
    await prisma.previewError.create({ data: { projectId, tenantId: tenant.id, fingerprint: 'f'.repeat(32), kind: 'console.error', message: 'reported for this test' } });
    const sessionRow = await prisma.session.findFirstOrThrow({ where: { tenantId: tenant.id } });
    await prisma.session.update({ where: { id: sessionRow.id }, data: { error: { code: 'EXAMPLE', message: 'recorded for this test' } } });
    // A session waiting on a question (its status and question set by hand: nothing asks offline without #ask).
    const asking = await graphql(platform.app, tenant.test, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId: project, prompt: 'Build a timer' } });
    expect((await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId: asking.data.startSession.id })).completed).toBe(true);
    await prisma.session.update({
      where: { id: decodeIdOf('Session', asking.data.startSession.id)! },
      data: { status: 'waiting_for_input', pendingQuestion: { toolCallId: 'toolu_1', question: 'Which?', choices: ['A', 'B'], askedAt: new Date().toISOString(), expiresAt: new Date().toISOString() } },
    });
    const endpoint = await prisma.webhookEndpoint.create({
      data: { tenantId: tenant.id, mode: 'test', url: 'https://hooks.example/in', events: ['session.started'], secretEncrypted: sealSecret('test-secret-'.padEnd(64, 'x'), 'whsec_x', SEALED_CONTEXTS.webhookSecret(tenant.id)) },
    });
    const delivery = await prisma.webhookDelivery.create({
      data: { tenantId: tenant.id, endpointId: endpoint.id, eventId: 'evt_1', eventType: 'session.started', payload: { hello: 'world' }, status: 'succeeded',
        // As the deliverer records an attempt (the console's delivery log shows them).
        lastStatusCode: 200, lastResponseBody: 'ok', lastRequestHeaders: { 'content-type': 'application/json' }, lastAttemptAt: new Date() },
    });
    const apiKey = await prisma.apiKey.findFirstOrThrow({ where: { tenantId: tenant.id, name: 'test' } });
    const checkpoint = await graphql(platform.app, tenant.test, 'mutation($input: CreateCheckpointInput!) { createCheckpoint(input: $input) { id } }', { input: { projectId: project, name: 'first' } });
    // A live deployment of the project (a deploy session's row, as the worker leaves it).
    await prisma.project.update({ where: { id: projectId }, data: { deployAppId: 'sim-app-scoped' } });
    const deployment = await prisma.deployment.create({
      data: { tenantId: tenant.id, mode: 'test', projectId, provider: 'simulated', appId: 'sim-app-scoped', doDeploymentId: 'sim-1', phase: 'ACTIVE', steps: [{ name: 'build', status: 'SUCCESS' }], liveUrl: 'https://preview.test/x' },
    });
    ids = {
      Deployment: encodeId('Deployment', deployment.id),
      Checkpoint: checkpoint.data.createCheckpoint.id,
      Project: project,
      Session: session,
      ApiKey: encodeId('ApiKey', apiKey.id),
      WebhookEndpoint: encodeId('WebhookEndpoint', endpoint.id),
      WebhookDelivery: encodeId('WebhookDelivery', delivery.id),
    };
  });
  afterAll(async () => platform.stop());

  /** The arguments a field needs on a path (required ones, and small pages so the query stays cheap). */
  function argumentsOf(step: Step): string {
    const given: Record<string, string> = {};
    const key = `${step.parent}.${step.field.name}`;
    if (key === 'Query.node') given.id = JSON.stringify(ids[step.on!]);
    else if (key === 'Query.project') given.id = JSON.stringify(ids.Project);
    else if (key === 'Query.session') given.id = JSON.stringify(ids.Session);
    else if (key === 'Query.endUserBudget') given.externalUserId = '"budgeted"';
    else if (key === 'Query.usage') {
      const day = 86_400_000;
      Object.assign(given, { from: JSON.stringify(new Date(Date.now() - 30 * day)), to: JSON.stringify(new Date(Date.now() + day)), groupBy: 'DAY' });
    }
    else if (key === 'Project.file' || key === 'Project.previousFile') given.path = '"index.html"';
    if (step.field.args.some((argument) => argument.name === 'first')) given.first = step.field.name === 'events' ? '100' : '1';
    const missing = step.field.args.filter((argument) => argument.type.toString().endsWith('!') && !(argument.name in given));
    if (missing.length > 0) throw new Error(`No value for ${key}(${missing.map((argument) => argument.name).join(', ')}): add one to argumentsOf`);
    const list = Object.entries(given).map(([name, value]) => `${name}: ${value}`);
    return list.length > 0 ? `(${list.join(', ')})` : '';
  }

  function queryFor(path: Step[]): string {
    let selection = '__typename';
    for (const step of [...path].reverse()) {
      const inner = step.on ? `... on ${step.on} { ${selection} }` : selection;
      selection = `${step.field.name}${argumentsOf(step)} { ${inner} }`;
    }
    return `{ ${selection} }`;
  }

  it('classifies every object type: a scope, or explicitly none', () => {
    const unclassified = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith('__') && !['Query', 'Mutation', 'Subscription'].includes(type.name))
      .filter((type) => requiredScopeOf(type) === undefined)
      .map((type) => type.name);
    expect(unclassified, 'add these to TYPE_SCOPES (api/src/auth/scopes.ts)').toEqual([]);
  });

  it('refuses every path to a scoped type (root field, node(id:), nested field) to a key without its scope, and answers one with it', async () => {
    // A path deeper than the query depth limit is refused as QUERY_TOO_COMPLEX before any resolver: no way in.
    const maxDepth = platform.app.services.config.limits.maxQueryDepth;
    const paths = pathsFromQuery().filter((path) => scopeOf(path.at(-1)!.type) && path.length + 1 <= maxDepth);
    expect(paths.length).toBeGreaterThan(100);
    const reached = new Set<string>();
    const failures: string[] = [];
    for (const path of paths) {
      const target = path.at(-1)!.type;
      const scope = scopeOf(target)!;
      const query = queryFor(path);
      const marker = `"__typename":"${target}"`;

      // Every scope except the one the type needs (and any write scope that includes it).
      const without = await keyWith(API_KEY_SCOPES.filter((candidate) => !grantedScopes([candidate]).has(scope)));
      const refused = await graphql(platform.app, without, query);
      if (errorCode(refused) !== 'FORBIDDEN' || JSON.stringify(refused.data ?? null).includes(marker)) {
        failures.push(`without ${scope}: ${query} → ${JSON.stringify(refused.errors ?? refused.data)}`);
      }

      // Exactly the scopes of the types on the way.
      const needed = [...new Set(path.map((step) => scopeOf(step.type)).filter((needed): needed is ApiKeyScope => Boolean(needed)))];
      const answered = await graphql(platform.app, await keyWith(needed), query);
      if (answered.errors || answered.data == null) failures.push(`with ${needed.join(', ')}: ${query} → ${JSON.stringify(answered.errors)}`);
      if (JSON.stringify(answered.data ?? null).includes(marker)) reached.add(target);
    }
    expect(failures).toEqual([]);

    // Every scoped type was really read on some path; only the event kinds this session never had are absent.
    const events = await graphql(platform.app, tenant.test, `query($id: ID!) { session(id: $id) { events(first: 100) { edges { node { __typename } } } } }`, { id: ids.Session });
    const eventTypes = new Set<string>(events.data.session.events.edges.map((edge: any) => edge.node.__typename));
    const eventKinds = new Set(schema.getPossibleTypes(schema.getType('SessionEvent') as never).map((type) => type.name));
    const expected = [...new Set(paths.map((path) => path.at(-1)!.type))].filter((type) => !eventKinds.has(type) || eventTypes.has(type));
    expect([...reached].sort()).toEqual(expected.sort());
  }, 240_000);

  it("closes the review's repro: node(id:) and Session.project no longer skip the scope; other tenants still get NOT_FOUND", async () => {
    const usageOnly = await keyWith(['usage:read']);
    const leaks = [
      `{ node(id: "${ids.Project}") { ... on Project { files { content } } } }`,
      `{ node(id: "${ids.Session}") { ... on Session { prompt events { edges { node { type } } } } } }`,
      `{ node(id: "${ids.ApiKey}") { ... on ApiKey { name scopes } } }`,
      `{ node(id: "${ids.WebhookEndpoint}") { ... on WebhookEndpoint { url } } }`,
    ];
    for (const query of leaks) {
      const response = await graphql(platform.app, usageOnly, query);
      expect(errorCode(response), query).toBe('FORBIDDEN');
      expect(response.data?.node ?? null).toBeNull();
    }
    const sessionsOnly = await keyWith(['sessions:read']);
    const nested = await graphql(platform.app, sessionsOnly, `query($id: ID!) { session(id: $id) { prompt project { files { content } } } }`, { id: ids.Session });
    expect(errorCode(nested)).toBe('FORBIDDEN');
    expect(nested.errors![0].extensions.requiredScope).toBe('projects:read');
    expect(JSON.stringify(nested.data ?? null)).not.toContain('content');
    const quotas = await graphql(platform.app, await keyWith(['projects:read']), '{ viewer { name quotas { name } } }');
    expect(errorCode(quotas)).toBe('FORBIDDEN');
    expect((await graphql(platform.app, await keyWith(['projects:read']), '{ viewer { name } }')).data.viewer.name).toBe('Scoped');

    // Tenant isolation as before: every scope, another tenant's id, NOT_FOUND.
    expect(errorCode(await graphql(platform.app, other.test, `{ node(id: "${ids.Project}") { id } }`))).toBe('NOT_FOUND');
    // And for the other tenant's console session (every scope, either mode): every id of this tenant is NOT_FOUND.
    const otherConsole = await signInToConsole(platform.app, other.id);
    for (const [typename, id] of Object.entries(ids)) {
      for (const mode of ['live', 'test']) {
        const response = await consoleGraphql(platform.app, otherConsole, `{ node(id: "${id}") { id } }`, undefined, { 'x-everjust-mode': mode });
        expect(errorCode(response), `${typename} (${mode})`).toBe('NOT_FOUND');
      }
    }
  });
});
