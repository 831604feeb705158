import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createPubSub } from '@everjust/core';
import { createTestTenant, graphql, signInToConsole, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase, redisUrl } from '../test-support/databases.js';
import { EVENT_FIELDS, SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const wsUrl = (httpUrl: string) => `${httpUrl.replace(/^http/, 'ws')}/graphql`;

async function startSession(platform: TestPlatform, key: string, prompt = 'A counter app') {
  const project = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Streamed" }) { id } }');
  const started = await graphql(platform.app, key, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
    input: { projectId: project.data.createProject.id, prompt },
  });
  return started.data.startSession.id as string;
}

describeEachDatabase('session events over graphql-ws', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database());
    tenant = await createTestTenant(database());
  });
  afterAll(async () => platform.stop());

  it('closes a connection whose connection_init carries no valid key with 4403', async () => {
    for (const connectionParams of [{ authorization: 'Bearer ej_test_sk_nope' }, {}]) {
      const closed = await new Promise<{ code: number }>((resolve) => {
        const client = createClient({ url: wsUrl(platform.url), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { closed: (event) => resolve(event as { code: number }) } });
        client.on('error', () => undefined);
      });
      expect(closed.code).toBe(4403);
    }
  });

  it('streams a whole session, the same events SSE gives, and completes', async () => {
    const sessionId = await startSession(platform, tenant.test);
    const client = createClient({ url: wsUrl(platform.url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tenant.test}` }, retryAttempts: 0 });
    try {
      const events: any[] = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: `subscription($sessionId: ID!) { sessionEvents(sessionId: $sessionId) { ${EVENT_FIELDS} } }`, variables: { sessionId } },
          { next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : events.push(result.data!.sessionEvents)), error: reject, complete: resolve },
        );
      });
      expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
      const overSse = await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
      expect(events).toEqual(overSse.events);
    } finally {
      await client.dispose();
    }
  });

  it("answers NOT_FOUND for another tenant's session", async () => {
    const other = await createTestTenant(database());
    const sessionId = await startSession(platform, tenant.test);
    const client = createClient({ url: wsUrl(platform.url), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${other.test}` }, retryAttempts: 0 });
    try {
      const errors = await new Promise<any[]>((resolve) => {
        client.subscribe({ query: SESSION_EVENTS_SUBSCRIPTION, variables: { sessionId } }, {
          next: (result) => result.errors && resolve(result.errors as any[]),
          error: (error) => resolve(Array.isArray(error) ? error : [error]),
          complete: () => resolve([]),
        });
      });
      expect(errors[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await client.dispose();
    }
  });
});

describeEachDatabase('session events over SSE to a console session', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database());
    tenant = await createTestTenant(database(), { name: 'Streams' });
    other = await createTestTenant(database(), { name: 'Other' });
  });
  afterAll(async () => platform.stop());

  it("replays and follows its tenant's session with the cookie and CSRF header, and never another tenant's", async () => {
    const sessionId = await startSession(platform, tenant.test);
    const mine = await signInToConsole(platform.app, tenant.id);
    const headers = (signedIn: { cookie: string; csrfToken: string }) => ({ cookie: signedIn.cookie, 'x-everjust-csrf': signedIn.csrfToken, 'x-everjust-mode': 'test' });
    const streamed = await subscribeSse(platform.url, null, SESSION_EVENTS_SUBSCRIPTION, { sessionId }, { headers: headers(mine) });
    expect(streamed.completed).toBe(true);
    expect(streamed.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(streamed.events).toEqual((await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId })).events);

    const theirs = await subscribeSse(platform.url, null, SESSION_EVENTS_SUBSCRIPTION, { sessionId }, { headers: headers(await signInToConsole(platform.app, other.id)) });
    expect(theirs.events).toEqual([]);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Without the CSRF header the cookie opens no stream.
    const bare = await subscribeSse(platform.url, null, SESSION_EVENTS_SUBSCRIPTION, { sessionId }, { headers: { cookie: mine.cookie } });
    expect(bare.events).toEqual([]);
    expect(bare.status).toBe(403);
  });
});

describe.skipIf(!redisUrl)(`live events through Redis${redisUrl ? '' : ' (REDIS_URL is not set: skipped; CI runs it)'}`, () => {
  it('gives a subscriber on API instance A the events a worker on another instance publishes', async () => {
    const { openPgliteTestDatabase } = await import('../test-support/databases.js');
    const database = await openPgliteTestDatabase();
    const pubsubA = createPubSub({ redisUrl });
    const pubsubB = createPubSub({ redisUrl });
    // Instance A serves the subscriber and has no worker; instance B has the worker. Polling is off,
    // so every live event must come through Redis.
    const slow = { EVERJUST_EVENT_POLL_INTERVAL_MS: '600000', EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '5' };
    const instanceA = await startTestPlatform(database, { pubsub: pubsubA, worker: false, environment: slow });
    const instanceB = await startTestPlatform(database, { pubsub: pubsubB, environment: slow });
    try {
      const tenant = await createTestTenant(database);
      const sessionId = await startSession(instanceB, tenant.test);
      const stream = await subscribeSse(instanceA.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
      expect(stream.completed).toBe(true);
      expect(stream.events.map((event) => event.seq)).toEqual(stream.events.map((_, index) => index + 1));
      expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    } finally {
      await instanceA.stop();
      await instanceB.stop();
      await pubsubA.close();
      await pubsubB.close();
      await database.close();
    }
  });
});

