import { afterAll, describe, expect, it } from 'vitest';
import { appendEvent, createLocalPubSub, publishEvents, ValidationError, type PubSub, type SessionEvent } from '@everjust/core';
import { createTestApp, createTestTenant, graphql } from '../../../test-support/app.js';
import { describeEachDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { streamSessionEvents } from './session-stream.js';

async function newSession(database: TestDatabase) {
  const tenant = await createTestTenant(database);
  const project = await database.prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'p' } });
  return database.prisma.session.create({ data: { tenantId: tenant.id, projectId: project.id, mode: 'test', prompt: 'x' } });
}

/** Appends `count` events (the last one `done`) as fast as it can, publishing each after its commit. */
async function produce(database: TestDatabase, pubsub: PubSub, sessionId: string, count: number) {
  for (let i = 1; i <= count; i++) {
    const event =
      i === count
        ? await appendEvent(database.prisma, sessionId, { type: 'done', payload: { status: 'succeeded', usage: { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 } } })
        : await appendEvent(database.prisma, sessionId, { type: 'text_delta', payload: { text: `t${i}` } });
    await publishEvents(pubsub, [event]);
    if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function produceFrom(database: TestDatabase, pubsub: PubSub, sessionId: string, from: number, to: number) {
  for (let i = from; i <= to; i++) {
    const event =
      i === to
        ? await appendEvent(database.prisma, sessionId, { type: 'done', payload: { status: 'succeeded', usage: { inputTokens: 0, outputTokens: 0, sandboxSeconds: 0 } } })
        : await appendEvent(database.prisma, sessionId, { type: 'text_delta', payload: { text: `t${i}` } });
    await publishEvents(pubsub, [event]);
  }
}

async function collect(stream: AsyncGenerator<SessionEvent>) {
  const seqs: number[] = [];
  for await (const event of stream) seqs.push(event.seq);
  return seqs;
}

/** In-process pub/sub that counts its open subscriptions. */
function countingPubSub() {
  const local = createLocalPubSub();
  let open = 0;
  const pubsub: PubSub = {
    ...local,
    async subscribe(channel, handler) {
      open++;
      const unsubscribe = await local.subscribe(channel, handler);
      return async () => {
        open--;
        await unsubscribe();
      };
    },
  };
  return { pubsub, subscribed: () => open };
}

/** A pub/sub that loses and reorders messages, as a flaky network might. */
function lossyPubSub(inner: PubSub): PubSub {
  let counter = 0;
  return {
    ...inner,
    async publish(channel, message) {
      counter++;
      if (counter % 3 === 0) return; // lost
      if (counter % 5 === 0) {
        setTimeout(() => void inner.publish(channel, message), 15); // late, out of order
        return;
      }
      await inner.publish(channel, message);
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describeEachDatabase('session event stream', (database) => {
  const pubsubs: PubSub[] = [];
  afterAll(async () => Promise.all(pubsubs.map((pubsub) => pubsub.close())));

  it('keeps the events published while it replays, even when they are the last ones', async () => {
    const local = createLocalPubSub();
    pubsubs.push(local);
    const session = await newSession(database());
    for (let i = 1; i <= 5; i++) await appendEvent(database().prisma, session.id, { type: 'text_delta', payload: { text: `t${i}` } });
    // The replay reads the log (seq 1..5), and its answer is held back until 6..10 are appended and published.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstRead = true;
    const prisma = new Proxy(database().prisma, {
      get(target, property) {
        if (property !== 'sessionEvent') return Reflect.get(target, property);
        return {
          findMany: async (args: never) => {
            const rows = await target.sessionEvent.findMany(args);
            if (firstRead) {
              firstRead = false;
              await gate;
            }
            return rows;
          },
        };
      },
    });
    const result = collect(streamSessionEvents({ prisma, pubsub: local, sessionId: session.id, afterSeq: 0, pollIntervalMs: 600_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await produceFrom(database(), local, session.id, 6, 10);
    release();
    expect(await result).toEqual(range(1, 10));
  }, 10_000);

  it('refuses an afterSeq beyond the last event of a running session (BAD_USER_INPUT) instead of following it forever', async () => {
    // No worker here: the session stays queued, its last seq 1, and would never send `done` to a stream past it.
    const app = await createTestApp(database());
    const tenant = await createTestTenant(database());
    const project = await graphql(app, tenant.test, `mutation { createProject(input: { name: "Far ahead" }) { id } }`);
    const started = await graphql(app, tenant.test, `mutation($input: StartSessionInput!) { startSession(input: $input) { id } }`, {
      input: { projectId: project.data.createProject.id, prompt: 'A clock' },
    });
    const sessionId = started.data.startSession.id;
    const subscribe = async (afterSeq: number) => {
      const response = await app.fetch('http://everjust.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.test}` },
        body: JSON.stringify({ query: 'subscription($sessionId: ID!, $afterSeq: Int) { sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { seq type } }', variables: { sessionId, afterSeq } }),
        signal: AbortSignal.timeout(5_000), // before the fix: no answer at all, ever
      });
      return response.text();
    };
    for (const afterSeq of [999_999_999, 2]) {
      const text = await subscribe(afterSeq);
      const payload = JSON.parse(/^data: (.*)$/m.exec(text)![1]);
      expect(payload.errors?.[0]?.extensions?.code, String(afterSeq)).toBe('BAD_USER_INPUT');
      expect(payload.errors[0].message).toMatch(/beyond the session's last event \(seq 1\)/);
      expect(text).toMatch(/event: complete/);
    }
    // Without the caller's lookup, the stream checks after its replay.
    const row = await database().prisma.session.findFirstOrThrow({ where: { projectId: (await database().prisma.project.findFirstOrThrow({ where: { tenantId: tenant.id } })).id } });
    const stream = streamSessionEvents({ prisma: database().prisma, pubsub: createLocalPubSub(), sessionId: row.id, afterSeq: 5, pollIntervalMs: 600_000 });
    await expect(stream.next()).rejects.toBeInstanceOf(ValidationError);
    await app.stop();
  }, 20_000);

  for (const flavour of ['reliable', 'lossy'] as const) {
    it(`delivers every event exactly once, in order, to subscribers that join during a burst (${flavour} pub/sub)`, async () => {
      const local = createLocalPubSub();
      pubsubs.push(local);
      const producerSide = flavour === 'lossy' ? lossyPubSub(local) : local;
      const session = await newSession(database());
      const total = 150;
      const subscribers: Array<{ afterSeq: number; result: Promise<number[]> }> = [];
      const subscribe = (afterSeq: number) =>
        subscribers.push({
          afterSeq,
          // Reliable: no polling at all, so only a correct replay-to-live switch delivers everything.
          result: collect(streamSessionEvents({ prisma: database().prisma, pubsub: local, sessionId: session.id, afterSeq, pollIntervalMs: flavour === 'lossy' ? 50 : 600_000 })),
        });
      subscribe(0);
      const producing = produce(database(), producerSide, session.id, total);
      // Join while events are being appended: the replay-to-live switch happens under load.
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5 + i * 7));
        const written = (await database().prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeq;
        subscribe(i % 2 === 0 ? 0 : Math.max(0, written - 3));
      }
      await producing;
      subscribe(0); // after the end: a pure replay
      for (const subscriber of subscribers) {
        expect(await subscriber.result).toEqual(range(subscriber.afterSeq + 1, total));
      }
    }, 60_000);
  }
});

describe('session event stream, unit', () => {
  it('ends a quiet stream at once when its client goes away', async () => {
    const { pubsub: counting, subscribed } = countingPubSub();
    let reads = 0;
    const prisma = {
      sessionEvent: { findMany: async () => (reads++, []) },
      session: { findUnique: async () => ({ status: 'running', lastSeq: 0 }) },
    } as never;
    const client = new AbortController();
    const stream = streamSessionEvents({ prisma, pubsub: counting, sessionId: 's', afterSeq: 0, pollIntervalMs: 60_000, signal: client.signal });
    const ended = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(subscribed()).toBe(1);
    client.abort();
    expect(await ended).toEqual({ value: undefined, done: true });
    expect(subscribed()).toBe(0);
    expect(reads).toBe(1); // the replay only: no polling after the client left
  });

  it('unsubscribes when its consumer stops reading', async () => {
    const { pubsub: counting, subscribed } = countingPubSub();
    const prisma = {
      sessionEvent: { findMany: async () => [] },
      session: { findUnique: async () => ({ status: 'running', lastSeq: 0 }) },
    } as never;
    const stream = streamSessionEvents({ prisma, pubsub: counting, sessionId: 's', afterSeq: 0, pollIntervalMs: 20 });
    const next = stream.next();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(subscribed()).toBe(1);
    await counting.publish('everjust:session-events:s', JSON.stringify({ sessionId: 's', seq: 1, type: 'text_delta', at: new Date().toISOString(), payload: { text: 'a' } }));
    expect((await next).value).toMatchObject({ seq: 1 });
    await stream.return(undefined);
    expect(subscribed()).toBe(0);
  });
});
