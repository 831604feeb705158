import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { encodeId } from '../global-id.js';
import { appendEvent } from './event-log.js';
import { EMPTY_USAGE } from './event-types.js';

describeEachDatabase('the webhook outbox (written in the event statement)', (database) => {
  let tenantId: string;
  let projectId: string;

  beforeAll(async () => {
    const { prisma } = database();
    tenantId = (await prisma.tenant.create({ data: { name: 'Outbox' } })).id;
    projectId = (await prisma.project.create({ data: { tenantId, mode: 'test', name: 'P' } })).id;
    const endpoint = (events: string[], extra: { mode?: 'live' | 'test'; enabled?: boolean } = {}) =>
      prisma.webhookEndpoint.create({ data: { tenantId, mode: extra.mode ?? 'test', enabled: extra.enabled ?? true, url: 'https://hooks.example/x', events, secretEncrypted: 'v1.x.y.z' } });
    await endpoint(['export.succeeded', 'export.failed', 'session.succeeded']);
    await endpoint(['export.succeeded'], { enabled: false });
    await endpoint(['export.succeeded'], { mode: 'live' });
  });

  async function endSession(kind: 'export' | 'generate', status: 'succeeded' | 'failed' | 'cancelled') {
    const { prisma } = database();
    const session = await prisma.session.create({ data: { tenantId, projectId, mode: 'test', kind } });
    await appendEvent(prisma, session.id, { type: 'done', payload: { status, usage: EMPTY_USAGE, ...(status === 'succeeded' ? { result: { commitSha: 'abc' } } : {}) } });
    return { session, deliveries: await prisma.webhookDelivery.findMany({ where: { payload: { path: ['data', 'sessionId'], equals: encodeId('Session', session.id) } }, orderBy: { eventType: 'asc' } }) };
  }

  it("an export's done raises session.* and export.* (one row each, distinct stable ids); other kinds only session.*", async () => {
    const exported = await endSession('export', 'succeeded');
    expect(exported.deliveries.map((row) => row.eventType)).toEqual(['export.succeeded', 'session.succeeded']);
    expect(new Set(exported.deliveries.map((row) => row.eventId)).size).toBe(2);
    for (const row of exported.deliveries) {
      expect(row.eventId).toMatch(new RegExp(`^evt_${exported.session.id.replace(/-/g, '')}_1_\\d$`));
      expect(row.payload).toMatchObject({ id: row.eventId, type: row.eventType, livemode: false, data: { sessionKind: 'export', status: 'succeeded', result: { commitSha: 'abc' }, seq: 1 } });
    }
    expect((await endSession('export', 'failed')).deliveries.map((row) => row.eventType)).toEqual(['export.failed']);
    expect((await endSession('export', 'cancelled')).deliveries).toEqual([]);
    expect((await endSession('generate', 'succeeded')).deliveries.map((row) => row.eventType)).toEqual(['session.succeeded']);
  });
});
