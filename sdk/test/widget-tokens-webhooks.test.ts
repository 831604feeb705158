import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookPayload, WIDGET_OPERATION_IDS } from '@everjust/core';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { EverJust, ValidationError, Webhooks, WebhookSignatureError, type WebhookSignatureFailure } from '../src/index.js';

/** `widgetTokens.create` against a real API server, and `webhooks.verify` against the server's signer. */

const ORIGIN = 'https://app.example.com';

describe('widgetTokens.create', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let everjust: EverJust;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, { environment: { EVERJUST_SANDBOX: 'static' } });
    tenant = await createTestTenant(database);
    await database.prisma.tenant.update({ where: { id: tenant.id }, data: { allowedOrigins: [ORIGIN] } });
    everjust = new EverJust({ apiKey: tenant.test, baseUrl: platform.url });
  });
  afterAll(async () => {
    await platform?.stop();
    await database?.close();
  });

  /** Runs the widget's persisted `project` query with a widget token from `origin`. */
  async function widgetProject(token: string, projectId: string, origin: string) {
    const response = await fetch(`${platform.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin },
      body: JSON.stringify({ variables: { projectId }, extensions: { persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS.project } } }),
    });
    return { status: response.status, body: (await response.json()) as { data?: { project: { id: string; name: string } }; errors?: unknown[] } };
  }

  it('mints a token with a new project (idempotently) that the API accepts from that origin only', async () => {
    const before = Date.now();
    const minted = await everjust.widgetTokens.create({ newProject: { name: 'Widget app', metadata: { plan: 'pro' } }, externalUserId: 'end-user-1', origin: ORIGIN, ttlSeconds: 120 });
    expect(minted.token).toMatch(/^ej_wt_[\w-]+\.[\w-]+\.[\w-]+$/);
    const expiresAt = Date.parse(minted.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 119_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 121_000);
    expect(minted.project).toMatchObject({ name: 'Widget app', externalUserId: 'end-user-1', metadata: { plan: 'pro' }, mode: 'TEST' });

    const accepted = await widgetProject(minted.token, minted.project.id, ORIGIN);
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data?.project).toMatchObject({ id: minted.project.id, name: 'Widget app' });
    const elsewhere = await widgetProject(minted.token, minted.project.id, 'https://evil.example.com');
    expect(elsewhere.body.data?.project ?? null).toBeNull();
    expect(elsewhere.body.errors?.length).toBeGreaterThan(0);

    // The same idempotency key: the same project, a new token.
    const again = await everjust.widgetTokens.create({ newProject: { name: 'Keyed' }, externalUserId: 'end-user-2', origin: ORIGIN, idempotencyKey: 'widget-key-1' });
    const retried = await everjust.widgetTokens.create({ newProject: { name: 'Keyed' }, externalUserId: 'end-user-2', origin: ORIGIN, idempotencyKey: 'widget-key-1' });
    expect(retried.project.id).toBe(again.project.id);
    // Two calls without a key: two projects (a key is generated per call).
    const first = await everjust.widgetTokens.create({ newProject: { name: 'Unkeyed' }, externalUserId: 'end-user-3', origin: ORIGIN });
    const second = await everjust.widgetTokens.create({ newProject: { name: 'Unkeyed' }, externalUserId: 'end-user-3', origin: ORIGIN });
    expect(second.project.id).not.toBe(first.project.id);
  });

  it('mints a token for an existing project, and refuses an origin the tenant does not allow', async () => {
    const project = await everjust.projects.create({ name: 'Existing', externalUserId: 'end-user-4' });
    const minted = await everjust.widgetTokens.create({ projectId: project.id, externalUserId: 'end-user-4', origin: ORIGIN });
    expect(minted.project.id).toBe(project.id);
    expect(minted.token.startsWith('ej_wt_')).toBe(true);
    expect((await widgetProject(minted.token, project.id, ORIGIN)).body.data?.project.id).toBe(project.id);
    // With DEPLOY, the token carries the right in its (readable) claims; without, it has none.
    const deployer = await everjust.widgetTokens.create({ projectId: project.id, externalUserId: 'end-user-4', origin: ORIGIN, permissions: ['DEPLOY'] });
    const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { perms?: string[] };
    expect(claims(deployer.token).perms).toEqual(['deploy']);
    expect(claims(minted.token).perms).toBeUndefined();

    const refused = await everjust.widgetTokens.create({ projectId: project.id, externalUserId: 'end-user-4', origin: 'https://other.example.com' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues[0]?.path).toEqual(['input', 'origin']);
  });
});

describe('webhooks.verify', () => {
  const secret = 'whsec_0123456789abcdef0123456789abcdef';
  const event = { id: 'evt_1_1_0', type: 'session.succeeded', created: '2025-01-01T00:00:00.000Z', livemode: false, data: { sessionId: 'U2Vzc2lvbjox', seq: 3 } };
  const payload = JSON.stringify(event);
  const webhooks = new EverJust({ apiKey: 'ej_test_sk_unused' }).webhooks;

  async function reasonOf(promise: Promise<unknown>): Promise<WebhookSignatureFailure> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect((error as WebhookSignatureError).name).toBe('WebhookSignatureError');
    return (error as WebhookSignatureError).reason;
  }

  it('returns the parsed event of a payload the server signed', async () => {
    expect(await webhooks.verify(payload, signWebhookPayload(secret, payload), secret)).toEqual(event);
    expect(await Webhooks.verify(payload, signWebhookPayload(secret, payload), secret)).toEqual(event);
    // Any v1 may match (a rotating secret sends two), and an explicit `now` within the tolerance passes.
    const header = `${signWebhookPayload('whsec_old', payload, 1_700_000_000)},v1=${signWebhookPayload(secret, payload, 1_700_000_000).split('v1=')[1]}`;
    expect(await webhooks.verify(payload, header, secret, { now: 1_700_000_299 })).toEqual(event);
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp, and a missing or malformed header', async () => {
    const header = signWebhookPayload(secret, payload);
    expect(await reasonOf(webhooks.verify(payload.replace('"seq":3', '"seq":4'), header, secret))).toBe('no-matching-signature');
    expect(await reasonOf(webhooks.verify(payload, header, 'whsec_wrong'))).toBe('no-matching-signature');
    const old = signWebhookPayload(secret, payload, 1_700_000_000);
    expect(await reasonOf(webhooks.verify(payload, old, secret, { now: 1_700_000_301 }))).toBe('timestamp-outside-tolerance');
    expect(await reasonOf(webhooks.verify(payload, old, secret))).toBe('timestamp-outside-tolerance');
    expect(await reasonOf(webhooks.verify(payload, old, secret, { now: 1_700_000_100, toleranceSeconds: 60 }))).toBe('timestamp-outside-tolerance');
    expect(await reasonOf(webhooks.verify(payload, '', secret))).toBe('missing-header');
    expect(await reasonOf(webhooks.verify(payload, 'garbage', secret))).toBe('malformed-header');
    expect(await reasonOf(webhooks.verify(payload, `t=${Math.floor(Date.now() / 1000)},v1=nothex`, secret))).toBe('malformed-header');
    expect(await reasonOf(webhooks.verify(payload, header.split(',')[1]!, secret))).toBe('malformed-header');
  });
});
