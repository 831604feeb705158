import net from 'node:net';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger, sealSecret, SEALED_CONTEXTS, type Config } from '@everjust/core';
import { Webhooks } from '@everjust/sdk';
import { startWebhookReceiver } from '../../../test-support/webhook-receiver.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { WebhookDeliverer } from './deliverer.js';
import { pinnedLookup, type HostResolver } from './target-guard.js';

const MASTER = 'deliverer-test-master-secret-0123456789';
const SIGNING_SECRET = 'whsec_deliverer_test';

const startReceiver = startWebhookReceiver;

const webhookConfig = (overrides: Partial<Config['webhooks']> = {}): Pick<Config, 'webhooks'> => ({
  webhooks: { retryScheduleSeconds: [0.05, 0.05, 0.05, 0.05], allowPrivateTargets: true, timeoutMs: 2_000, pollIntervalMs: 20, concurrency: 4, ...overrides },
});

describeEachDatabase('webhook deliverer', (database) => {
  let tenantId: string;
  const logger = createLogger({ level: 'silent' });

  beforeAll(async () => {
    tenantId = (await database().prisma.tenant.create({ data: { name: 'Webhooks' } })).id;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function endpointWithDelivery(url: string, eventId: string) {
    const { prisma } = database();
    const endpoint = await prisma.webhookEndpoint.create({
      data: { tenantId, mode: 'test', url, events: ['session.succeeded'], secretEncrypted: sealSecret(MASTER, SIGNING_SECRET, SEALED_CONTEXTS.webhookSecret(tenantId)) },
    });
    const payload = { id: eventId, type: 'session.succeeded', created: new Date().toISOString(), livemode: false, data: { sessionId: 'U2Vzc2lvbjox', status: 'succeeded' } };
    const delivery = await prisma.webhookDelivery.create({ data: { tenantId, endpointId: endpoint.id, eventId, eventType: 'session.succeeded', payload } });
    return { endpoint, delivery };
  }

  const deliverer = (config = webhookConfig(), resolver?: HostResolver) => new WebhookDeliverer({ prisma: database().prisma, config, logger, secret: MASTER, resolver });

  async function deliverUntil(worker: WebhookDeliverer, id: string, done: (row: { status: string }) => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await worker.deliverDue();
      const row = await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
      if (done(row) || Date.now() > deadline) return row;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('POSTs the payload, signed (t=…,v1=…) with the endpoint secret, with its event id, and records the success', async () => {
    const receiver = await startReceiver();
    try {
      const { delivery } = await endpointWithDelivery(`${receiver.url}/hooks?x=1`, 'evt_signed_1');
      expect(await deliverer().deliverDue()).toBeGreaterThanOrEqual(1);
      expect(receiver.received).toHaveLength(1);
      const [request] = receiver.received;
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['everjust-event-id']).toBe('evt_signed_1');
      expect(request.headers['everjust-event-type']).toBe('session.succeeded');
      await expect(Webhooks.verify(request.body, request.headers['everjust-signature'] as string, SIGNING_SECRET)).resolves.toBeTruthy();
      expect(JSON.parse(request.body)).toMatchObject({ id: 'evt_signed_1', type: 'session.succeeded', data: { status: 'succeeded' } });
      // A tampered signature, or one checked outside the tolerance window, does not verify.
      const header = request.headers['everjust-signature'] as string;
      const tampered = header.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
      expect(tampered).not.toBe(header);
      await expect(Webhooks.verify(request.body, tampered, SIGNING_SECRET)).rejects.toThrow(/No signature matches/);
      await expect(Webhooks.verify(request.body, header, SIGNING_SECRET, { now: Math.floor(Date.now() / 1000) + 3600 })).rejects.toThrow(/more than 300 s away/);
      const row = await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      expect(row).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null, lockedUntil: null });
      expect(row.deliveredAt).toBeInstanceOf(Date);
      // The log keeps the request's headers as sent, but not the signature, and the answer's start.
      expect(row.lastRequestHeaders).toEqual({
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^EverJust-Webhooks\//),
        'EverJust-Event-Id': 'evt_signed_1',
        'EverJust-Event-Type': 'session.succeeded',
        'EverJust-Delivery-Attempt': '1',
      });
      expect(JSON.stringify(row.lastRequestHeaders)).not.toContain(header);
      expect(row.lastResponseBody).toBe('ok');
      expect(row.lastAttemptAt).toBeInstanceOf(Date);
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that fails three times, then delivers: the same event id and body every time', async () => {
    const receiver = await startReceiver([500, 503, 404]);
    try {
      const { delivery } = await endpointWithDelivery(receiver.url, 'evt_retry_1');
      const worker = deliverer();
      const row = await deliverUntil(worker, delivery.id, (current) => current.status !== 'pending');
      expect(row).toMatchObject({ status: 'succeeded', attempts: 4, lastStatusCode: 200 });
      expect(receiver.received).toHaveLength(4);
      expect(new Set(receiver.received.map((request) => request.headers['everjust-event-id']))).toEqual(new Set(['evt_retry_1']));
      expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1);
      expect(receiver.received.map((request) => request.headers['everjust-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
      for (const request of receiver.received) await Webhooks.verify(request.body, request.headers['everjust-signature'] as string, SIGNING_SECRET);
    } finally {
      await receiver.close();
    }
  });

  it('waits the scheduled time between attempts, and gives up as failed after the last retry (kept in the log)', async () => {
    const receiver = await startReceiver(Array(10).fill(500));
    try {
      const { delivery } = await endpointWithDelivery(receiver.url, 'evt_give_up');
      const worker = deliverer(webhookConfig({ retryScheduleSeconds: [0.3, 0.05] }));
      await worker.deliverDue();
      const afterFirst = await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      expect(afterFirst).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
      expect(afterFirst.lastError).toMatch(/HTTP 500: refused with 500/);
      expect(afterFirst.lastResponseBody).toBe('refused with 500');
      expect(afterFirst.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 100);
      await worker.deliverDue(); // not due yet
      expect(receiver.received).toHaveLength(1);
      const row = await deliverUntil(worker, delivery.id, (current) => current.status !== 'pending');
      expect(row).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
      expect(receiver.received).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('times out a receiver that does not answer', async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { delivery } = await endpointWithDelivery(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`, 'evt_timeout');
      await deliverer(webhookConfig({ timeoutMs: 200 })).deliverDue();
      const row = await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
      expect(row.lastError).toMatch(/Timed out after 200 ms/);
      // Sent, but never answered: the request is in the log, no response.
      expect(row.lastRequestHeaders).toMatchObject({ 'EverJust-Event-Id': 'evt_timeout' });
      expect(row.lastResponseBody).toBeNull();
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('resolves a host name once per delivery and connects to exactly that answer (no second lookup to rebind)', async () => {
    const receiver = await startReceiver();
    try {
      const resolver = vi.fn<HostResolver>(async () => [{ address: '127.0.0.1', family: 4 }]);
      const { delivery } = await endpointWithDelivery(`http://receiver.example.test:${receiver.port}/hook`, 'evt_pinned');
      await deliverer(webhookConfig(), resolver).deliverDue();
      expect(resolver).toHaveBeenCalledTimes(1);
      expect(resolver).toHaveBeenCalledWith('receiver.example.test');
      expect(receiver.received[0].headers.host).toBe(`receiver.example.test:${receiver.port}`);
      expect((await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe('succeeded');
    } finally {
      await receiver.close();
    }
  });

  it('refuses private, loopback and link-local targets before any connection: no socket ever connects', async () => {
    // Were the guard to fail, this throws before a packet leaves: no test sends anything to a private address.
    // (The test database's own connections, on PostgreSQL, pass.)
    const original = net.Socket.prototype.connect;
    const databasePort = database().url ? Number(new URL(database().url!).port) : -1;
    const attempts: unknown[] = [];
    const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      const target = (typeof args[0] === 'object' ? args[0] : { port: args[0], host: args[1] }) as { port?: unknown };
      if (Number(target.port) === databasePort) return (original as (...params: unknown[]) => net.Socket).apply(this, args);
      attempts.push(target);
      throw new Error('a socket tried to connect');
    });
    const resolver = vi.fn<HostResolver>(async (hostname) =>
      hostname === 'internal.example.test' ? [{ address: '10.0.0.1', family: 4 }] : [{ address: '93.184.216.34', family: 4 }, { address: 'fd00::7', family: 6 }],
    );
    const worker = deliverer(webhookConfig({ allowPrivateTargets: false, retryScheduleSeconds: [] }), resolver);
    const targets = [
      ['http://internal.example.test/hook', /10\.0\.0\.1 \(private\)/],
      ['https://mixed.example.test/hook', /fd00::7 \(unique local/],
      ['http://10.0.0.1/hook', /10\.0\.0\.1 \(private\)/],
      ['http://127.0.0.1:9/hook', /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /link-local/],
      ['http://[::1]/hook', /loopback/],
      ['http://[::ffff:192.168.0.1]/hook', /private/],
      ['http://100.64.1.2/hook', /carrier-grade NAT/],
      ['http://0.0.0.0/hook', /unspecified/],
    ] as const;
    const ids: Array<[string, RegExp]> = [];
    for (const [url, expected] of targets) ids.push([(await endpointWithDelivery(url, `evt_ssrf_${ids.length}`)).delivery.id, expected]);
    while ((await worker.deliverDue()) > 0);
    for (const [id, expected] of ids) {
      const row = await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });
      expect(row.status).toBe('failed'); // no retries configured here
      expect(row.lastError).toMatch(expected);
      expect(row.lastStatusCode).toBeNull();
    }
    // Only the names were resolved (IP literals are checked as they are), and nothing connected.
    expect(resolver.mock.calls.map(([hostname]) => hostname).sort()).toEqual(['internal.example.test', 'mixed.example.test']);
    expect(attempts).toEqual([]);
    expect(connect.mock.calls.every((call) => Number((typeof call[0] === 'object' ? call[0] : { port: call[0] } as any).port) === databasePort)).toBe(true);
  });

  it('skips deliveries of disabled endpoints until they are enabled again', async () => {
    const receiver = await startReceiver();
    try {
      const { endpoint, delivery } = await endpointWithDelivery(receiver.url, 'evt_disabled');
      await database().prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: false } });
      await deliverer().deliverDue();
      expect(receiver.received).toHaveLength(0);
      await database().prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: true } });
      await deliverer().deliverDue();
      expect((await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status).toBe('succeeded');
    } finally {
      await receiver.close();
    }
  });

  it('delivers on its own once started, and stops cleanly', async () => {
    const receiver = await startReceiver();
    const worker = deliverer();
    try {
      const { delivery } = await endpointWithDelivery(receiver.url, 'evt_loop');
      worker.start();
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (await database().prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status === 'pending') {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(receiver.received.map((request) => request.headers['everjust-event-id'])).toContain('evt_loop');
    } finally {
      await worker.stop();
      await receiver.close();
    }
  });
});

describe('pinnedLookup', () => {
  it('answers only for its host, with the checked addresses, in both lookup forms', async () => {
    const lookup = pinnedLookup('hooks.example.test', [{ address: '93.184.216.34', family: 4 }], { allowPrivate: false });
    const single = await new Promise<[Error | null, string?, number?]>((resolve) => lookup('hooks.example.test', {}, ((error: Error | null, address?: string, family?: number) => resolve([error, address, family])) as never));
    expect(single).toEqual([null, '93.184.216.34', 4]);
    const all = await new Promise<unknown>((resolve) => lookup('hooks.example.test', { all: true }, ((_error: Error | null, addresses: unknown) => resolve(addresses)) as never));
    expect(all).toEqual([{ address: '93.184.216.34', family: 4 }]);
    const other = await new Promise<Error | null>((resolve) => lookup('elsewhere.test', {}, ((error: Error | null) => resolve(error)) as never));
    expect(other?.message).toMatch(/Unexpected lookup/);
    const sneaky = pinnedLookup('x.test', [{ address: '10.1.1.1', family: 4 }], { allowPrivate: false });
    const refused = await new Promise<Error | null>((resolve) => sneaky('x.test', {}, ((error: Error | null) => resolve(error)) as never));
    expect(refused?.message).toMatch(/refused/);
  });
});

