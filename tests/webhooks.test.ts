import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeId } from '@everjust/core';
import { Webhooks } from '@everjust/sdk';
import { createApiKeyRecord } from '@everjust/api';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { createTestApp, createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret webhookEndpoint { id url description events enabled mode } }
}`;
const DELIVERIES = `query($endpointId: ID, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
    edges { cursor node { id eventId eventType status attempts lastStatusCode lastError deliveredAt nextAttemptAt payload endpoint { id }
      request { body headers sentAt } response { statusCode body } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('webhook endpoints, signed deliveries and the delivery log', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let other: TestTenant;
  let receiver: WebhookReceiver;
  let flaky: WebhookReceiver;
  let liveReceiver: WebhookReceiver;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    receiver = await startWebhookReceiver();
    flaky = await startWebhookReceiver();
    liveReceiver = await startWebhookReceiver();
    platform = await startTestPlatform(database, {
      environment: {
        EVERJUST_SANDBOX: 'static', // test mode: the static preview, so preview.ready fires
        EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true', // the receivers listen on 127.0.0.1
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: '50',
        EVERJUST_WEBHOOK_RETRY_SCHEDULE_S: '0.1,0.1,0.1,0.1',
      },
    });
    tenant = await createTestTenant(database, { name: 'Hooked' });
    other = await createTestTenant(database, { name: 'Other' });
  });
  afterAll(async () => {
    await platform.stop();
    await Promise.all([receiver.close(), flaky.close(), liveReceiver.close()]);
    await database.close();
  });

  const create = (key: string, input: Record<string, unknown>) => graphql(platform.app, key, CREATE, { input });

  it('creates an endpoint with a signing secret shown once and stored encrypted; lists, updates and deletes it', async () => {
    const created = await create(tenant.test, { url: `${receiver.url}/first#fragment`, events: ['SESSION_SUCCEEDED'], description: 'First' });
    expect(created.errors).toBeUndefined();
    const { secret, webhookEndpoint } = created.data.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(webhookEndpoint).toMatchObject({ url: `${receiver.url}/first`, description: 'First', events: ['SESSION_SUCCEEDED'], enabled: true, mode: 'TEST' });
    const row = await database.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: decodeId(webhookEndpoint.id).id } });
    expect(row.secretEncrypted).toMatch(/^v1\./);
    expect(row.secretEncrypted).not.toContain(secret.slice(6));

    const listed = await graphql(platform.app, tenant.test, '{ webhookEndpoints(first: 10) { edges { node { id url } } } }');
    expect(listed.data.webhookEndpoints.edges.map((edge: any) => edge.node.id)).toEqual([webhookEndpoint.id]);
    // The other mode and the other tenant see nothing of it.
    expect((await graphql(platform.app, tenant.live, '{ webhookEndpoints { edges { node { id } } } }')).data.webhookEndpoints.edges).toEqual([]);
    expect((await graphql(platform.app, other.test, '{ webhookEndpoints { edges { node { id } } } }')).data.webhookEndpoints.edges).toEqual([]);

    const UPDATE = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { url events description enabled } }`;
    const updated = await graphql(platform.app, tenant.test, UPDATE, { input: { id: webhookEndpoint.id, events: ['SESSION_FAILED', 'EXPORT_FAILED'], description: null, enabled: false } });
    expect(updated.data.updateWebhookEndpoint).toEqual({ url: `${receiver.url}/first`, events: ['SESSION_FAILED', 'EXPORT_FAILED'], description: null, enabled: false });
    expect(errorCode(await graphql(platform.app, other.test, UPDATE, { input: { id: webhookEndpoint.id, enabled: true } }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(platform.app, tenant.live, UPDATE, { input: { id: webhookEndpoint.id, enabled: true } }))).toBe('NOT_FOUND');

    const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { id url } }`;
    expect(errorCode(await graphql(platform.app, other.test, DELETE, { id: webhookEndpoint.id }))).toBe('NOT_FOUND');
    expect((await graphql(platform.app, tenant.test, DELETE, { id: webhookEndpoint.id })).data.deleteWebhookEndpoint.id).toBe(webhookEndpoint.id);
    expect(await database.prisma.webhookEndpoint.count({ where: { id: row.id } })).toBe(0);
  });

  it('validates the URL (http or https, no credentials) and the events, and needs webhooks:write', async () => {
    for (const url of ['ftp://example.com/hook', 'javascript:alert(1)', 'https://user:pass@example.com/hook', 'not a url', 'file:///etc/passwd']) {
      expect(errorCode(await create(tenant.test, { url, events: ['SESSION_SUCCEEDED'] })), url).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await create(tenant.test, { url: 'https://example.com/hook', events: [] }))).toBe('BAD_USER_INPUT');
    expect((await create(tenant.test, { url: 'https://example.com/hook', events: ['NOPE'] })).errors?.[0].message).toMatch(/NOPE/);
    const restricted = await createApiKeyRecord(database.prisma, { tenantId: tenant.id, mode: 'test', name: 'no hooks', scopes: ['projects:read'] });
    expect(errorCode(await create(restricted.secret, { url: 'https://example.com/hook', events: ['SESSION_SUCCEEDED'] }))).toBe('FORBIDDEN');
    expect(errorCode(await graphql(platform.app, restricted.secret, '{ webhookDeliveries { edges { node { id } } } }'))).toBe('FORBIDDEN');

    // Without EVERJUST_WEBHOOK_ALLOW_PRIVATE, a URL naming a private or loopback address is refused outright.
    const strict = await createTestApp(database);
    try {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://10.1.2.3/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest', 'http://localhost:3000/hook', 'http://api.localhost/hook']) {
        const refused = await graphql(strict, tenant.test, CREATE, { input: { url, events: ['SESSION_SUCCEEDED'] } });
        expect(errorCode(refused), url).toBe('BAD_USER_INPUT');
      }
      expect((await graphql(strict, tenant.test, CREATE, { input: { url: 'https://hooks.example.com/x', events: ['SESSION_SUCCEEDED'] } })).errors).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });

  it('delivers session.started, preview.ready and session.succeeded of a test-mode session, signed and verifiable, and nothing to live endpoints', async () => {
    const { secret } = (await create(tenant.test, { url: `${receiver.url}/all`, events: ['SESSION_STARTED', 'SESSION_SUCCEEDED', 'PREVIEW_READY', 'SESSION_FAILED'] })).data.createWebhookEndpoint;
    await create(tenant.live, { url: `${liveReceiver.url}/live`, events: ['SESSION_STARTED', 'SESSION_SUCCEEDED', 'PREVIEW_READY'] });
    await create(other.test, { url: `${liveReceiver.url}/other`, events: ['SESSION_STARTED', 'SESSION_SUCCEEDED', 'PREVIEW_READY'] });

    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Hooked app", externalUserId: "user-7" }) { id } }');
    const projectId = project.data.createProject.id as string;
    const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, { input: { projectId, prompt: 'A todo list' } });
    const sessionId = started.data.startSession.id as string;
    const stream = await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId });
    expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });

    const ofSession = (all: ReceivedWebhook[]) => all.filter((item) => item.event?.data?.sessionId === sessionId);
    await receiver.waitFor((all) => ofSession(all).length >= 3);
    const received = ofSession(receiver.received);
    expect(received.map((item) => item.event.type).sort()).toEqual(['preview.ready', 'session.started', 'session.succeeded']);
    for (const item of received) {
      expect(item.method).toBe('POST');
      expect(item.path).toBe('/all');
      expect(item.headers['content-type']).toBe('application/json');
      expect(item.headers['everjust-event-id']).toBe(item.event.id);
      expect(item.event.id).toMatch(/^evt_[0-9a-f]{32}_\d+_\d+$/);
      const signature = item.headers['everjust-signature'] as string;
      await Webhooks.verify(item.body, signature, secret);
      expect(Math.abs(Number(/t=(\d+)/.exec(signature)![1]) - Date.now() / 1000)).toBeLessThan(60);
      await expect(Webhooks.verify(item.body, signature, 'whsec_wrong')).rejects.toThrow();
      expect(item.event).toMatchObject({ livemode: false, data: { sessionId, projectId, sessionKind: 'generate', externalUserId: 'user-7' } });
    }
    const ready = received.find((item) => item.event.type === 'preview.ready')!;
    expect(ready.event.data.url).toMatch(/\/preview\//);
    const succeeded = received.find((item) => item.event.type === 'session.succeeded')!;
    expect(succeeded.event.data).toMatchObject({ status: 'succeeded', usage: { inputTokens: expect.any(Number) } });
    // In seq order: started, then the preview, then the end.
    expect(received.map((item) => item.event.data.seq)).toEqual([...received.map((item) => item.event.data.seq)].sort((a, b) => a - b));

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(liveReceiver.received.filter((item) => item.event?.data?.sessionId === sessionId)).toEqual([]);
  });

  it('retries a receiver that fails three times until it succeeds, with the same event id, then logs and redelivers it', async () => {
    flaky.answer(500, 502, 404);
    const { secret, webhookEndpoint } = (await create(tenant.test, { url: `${flaky.url}/flaky`, events: ['SESSION_SUCCEEDED'] })).data.createWebhookEndpoint;
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Flaky" }) { id } }');
    const started = await graphql(platform.app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId: project.data.createProject.id, prompt: 'A counter' },
    });
    const sessionId = started.data.startSession.id as string;
    await subscribeSse(platform.url, tenant.test, SESSION_EVENTS_SUBSCRIPTION, { sessionId });

    await flaky.waitFor((all) => all.length >= 4);
    expect(flaky.received).toHaveLength(4);
    expect(new Set(flaky.received.map((item) => item.event.id)).size).toBe(1);
    expect(new Set(flaky.received.map((item) => item.headers['everjust-event-id'])).size).toBe(1);
    expect(flaky.received.every((item) => item.event.type === 'session.succeeded' && item.event.data.sessionId === sessionId)).toBe(true);
    for (const item of flaky.received) await Webhooks.verify(item.body, item.headers['everjust-signature'] as string, secret);

    // The log: this endpoint's delivery succeeded on the 4th attempt.
    let log = await graphql(platform.app, tenant.test, DELIVERIES, { endpointId: webhookEndpoint.id });
    const deadline = Date.now() + 5_000;
    while (log.data.webhookDeliveries.edges[0]?.node.status !== 'SUCCEEDED' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = await graphql(platform.app, tenant.test, DELIVERIES, { endpointId: webhookEndpoint.id });
    }
    expect(log.data.webhookDeliveries.edges).toHaveLength(1);
    const delivery = log.data.webhookDeliveries.edges[0].node;
    expect(delivery).toMatchObject({ eventId: flaky.received[0].event.id, eventType: 'SESSION_SUCCEEDED', status: 'SUCCEEDED', attempts: 4, lastStatusCode: 200, lastError: null, nextAttemptAt: null, endpoint: { id: webhookEndpoint.id } });
    // The log shows the last attempt as sent (no signature) and the receiver's answer.
    expect(delivery.request).toMatchObject({ body: delivery.payload, headers: { 'EverJust-Event-Id': delivery.eventId, 'EverJust-Delivery-Attempt': '4' }, sentAt: expect.any(String) });
    expect(Object.keys(delivery.request.headers).map((name) => name.toLowerCase())).not.toContain('everjust-signature');
    expect(delivery.response).toEqual({ statusCode: 200, body: 'ok' });
    expect(delivery.payload).toEqual(flaky.received[0].event);

    // Redelivered: queued again, sent again with the same event id and body.
    const redelivered = await graphql(platform.app, tenant.test, `mutation($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id status attempts } }`, { id: delivery.id });
    expect(redelivered.data.redeliverWebhook).toMatchObject({ id: delivery.id, status: 'PENDING', attempts: 0 });
    await flaky.waitFor((all) => all.length >= 5);
    expect(flaky.received[4].event.id).toBe(delivery.eventId);
    expect(flaky.received[4].body).toBe(flaky.received[0].body);

    // Another tenant can neither see nor redeliver it.
    expect(errorCode(await graphql(platform.app, other.test, `mutation($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { id } }`, { id: delivery.id }))).toBe('NOT_FOUND');
    expect(errorCode(await graphql(platform.app, other.test, DELIVERIES, { endpointId: webhookEndpoint.id }))).toBe('NOT_FOUND');
    expect((await graphql(platform.app, other.test, DELIVERIES, {})).data.webhookDeliveries.edges.every((edge: any) => edge.node.endpoint.id !== webhookEndpoint.id)).toBe(true);
  });

  it('pages and filters the delivery log, newest first', async () => {
    const all = await graphql(platform.app, tenant.test, DELIVERIES, { first: 100 });
    const nodes = all.data.webhookDeliveries.edges.map((edge: any) => edge.node);
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    const first = await graphql(platform.app, tenant.test, DELIVERIES, { first: 2 });
    expect(first.data.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const second = await graphql(platform.app, tenant.test, DELIVERIES, { first: 2, after: first.data.webhookDeliveries.pageInfo.endCursor });
    expect([...first.data.webhookDeliveries.edges, ...second.data.webhookDeliveries.edges].map((edge: any) => edge.node.id)).toEqual(nodes.slice(0, 4).map((node: any) => node.id));
    const succeeded = await graphql(platform.app, tenant.test, DELIVERIES, { status: 'SUCCEEDED', first: 100 });
    expect(succeeded.data.webhookDeliveries.edges.every((edge: any) => edge.node.status === 'SUCCEEDED')).toBe(true);
    expect(errorCode(await graphql(platform.app, tenant.test, DELIVERIES, { after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await graphql(platform.app, tenant.test, DELIVERIES, { first: 101 }))).toBe('BAD_USER_INPUT');
  });
});
