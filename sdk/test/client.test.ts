import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import { createServer, type AddressInfo } from 'node:net';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { GetProjectDocument } from '../src/generated/graphql.js';
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  EverJust,
  IdempotencyConflictError,
  NotFoundError,
  PermissionError,
  QuotaExceededError,
  RateLimitError,
  ValidationError,
  type FetchFunction,
  type SessionEvent,
} from '../src/index.js';

/**
 * The SDK against a real API server with an in-process worker (PGlite, offline generator, static
 * previews): every resource method, auto-pagination, resumption after a cut stream, retries, and
 * each error class.
 */

interface Call {
  body: { query: string; variables?: Record<string, any> };
  accept: string;
}

/** Wraps fetch to record each call; `intercept` may answer in its place (return a Response) or pass. */
function recordingFetch(intercept?: (call: Call, index: number) => Response | undefined | Promise<Response | undefined>) {
  const calls: Call[] = [];
  const fetchFunction: FetchFunction = async (input, init) => {
    const call = { body: JSON.parse(init.body as string), accept: init.headers.accept };
    calls.push(call);
    const answer = await intercept?.(call, calls.length - 1);
    return answer ?? fetch(input, init as RequestInit);
  };
  return { calls, fetch: fetchFunction };
}

/** A response body that passes `limit` bytes through, then ends (`close`) or breaks (`error`) as a dropped connection would. */
function cutAfter(response: Response, limit: number, how: 'close' | 'error'): Response {
  const reader = response.body!.getReader();
  let passed = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      const room = limit - passed;
      if (value.length < room) {
        passed += value.length;
        return controller.enqueue(value);
      }
      if (room > 0) controller.enqueue(value.slice(0, room));
      passed = limit;
      await reader.cancel();
      if (how === 'close') controller.close();
      else controller.error(new TypeError('terminated'));
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** A port nothing listens on (any more). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function expectError<T extends ApiError>(
  promise: PromiseLike<unknown>,
  errorClass: new (...args: any[]) => T,
  code: string,
  { fromServer = errorClass !== (ConnectionError as unknown) } = {},
): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(errorClass);
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).code).toBe(code);
  if (fromServer) expect((error as ApiError).requestId).toMatch(/^[A-Za-z0-9._:-]+$/);
  return error as T;
}

const MISSING_SESSION = Buffer.from('Session:01980000-0000-7000-8000-000000000000').toString('base64url');

describe('@everjust/sdk against the API', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let everjust: EverJust;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, { environment: { EVERJUST_SANDBOX: 'static' } });
    tenant = await createTestTenant(database);
    everjust = new EverJust({ apiKey: tenant.test, baseUrl: platform.url });
  });
  afterAll(async () => {
    await platform?.stop();
    await database?.close();
  });

  it('creates, gets, updates, writes files to, lists and deletes projects', async () => {
    const created = await everjust.projects.create({ name: 'Todo app', externalUserId: 'user-1', metadata: { plan: 'pro' } });
    expect(created).toMatchObject({ name: 'Todo app', externalUserId: 'user-1', metadata: { plan: 'pro' }, mode: 'TEST', deletedAt: null });
    expect(await everjust.projects.get(created.id)).toEqual(created);

    const updated = await everjust.projects.update(created.id, { name: 'Todo app 2', description: 'Lists' });
    expect(updated).toMatchObject({ id: created.id, name: 'Todo app 2', description: 'Lists', externalUserId: 'user-1' });

    await everjust.projects.writeFiles(created.id, [{ path: 'index.html', content: '<h1>Hi</h1>' }, { path: 'src/app.js', content: 'export {};' }]);
    const withFiles = await everjust.graphql<{ project: { files: Array<{ path: string; content: string }> } }>(
      'query ($id: ID!) { project(id: $id) { files { path content } } }',
      { id: created.id },
    );
    expect(withFiles.project.files).toEqual([
      { path: 'index.html', content: '<h1>Hi</h1>' },
      { path: 'src/app.js', content: 'export {};' },
    ]);

    const page = await everjust.projects.list({ externalUserId: 'user-1' });
    expect(page.data.map((project) => project.id)).toEqual([created.id]);
    expect(page.hasMore).toBe(false);
    expect((await everjust.projects.list({ metadata: { plan: 'free' } })).data).toEqual([]);

    const deleted = await everjust.projects.delete(created.id);
    expect(deleted.deletedAt).toEqual(expect.any(String));
    const notFound = await expectError(everjust.projects.get(created.id), NotFoundError, 'NOT_FOUND');
    expect(notFound.path).toEqual(['project']);
  });

  it('sends a generated idempotency key with every create, the same one on each retry, so a lost response never creates twice', async () => {
    // The first createProject reaches the server, but its answer is "lost" (a network error): the
    // retry carries the same key and gets the first project back.
    const lossy = recordingFetch(async (call, index) => {
      if (index !== 0) return undefined;
      await fetch(`${platform.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.test}` },
        body: JSON.stringify(call.body),
      });
      throw new TypeError('fetch failed');
    });
    const client = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: lossy.fetch });
    const project = await client.projects.create({ name: 'Only once', externalUserId: 'idempotent' });
    expect(lossy.calls).toHaveLength(2);
    const [first, second] = lossy.calls.map((call) => call.body.variables!.input.idempotencyKey);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).toBe(first);
    expect((await everjust.projects.list({ externalUserId: 'idempotent' })).data.map((p) => p.id)).toEqual([project.id]);

    // A caller's own key is kept; two different calls get two different keys.
    const recorded = recordingFetch();
    const other = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: recorded.fetch });
    const mine = await other.projects.create({ name: 'Mine', idempotencyKey: 'my-key-1' });
    expect(await other.projects.create({ name: 'Mine', idempotencyKey: 'my-key-1' })).toEqual(mine);
    await other.projects.create({ name: 'A' });
    await other.projects.create({ name: 'B' });
    const keys = recorded.calls.map((call) => call.body.variables!.input.idempotencyKey);
    expect(keys.slice(0, 2)).toEqual(['my-key-1', 'my-key-1']);
    expect(new Set(keys.slice(2)).size).toBe(2);
  });

  it('waits out a 429 (honouring Retry-After) and then succeeds', async () => {
    const limited = recordingFetch((_call, index) =>
      index === 0
        ? new Response(JSON.stringify({ errors: [{ message: 'Rate limit exceeded; retry after 1 s', extensions: { code: 'RATE_LIMITED', retryAfter: 1, requestId: 'proxy-1' } }] }), {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': '1' },
          })
        : undefined,
    );
    const client = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: limited.fetch });
    const started = Date.now();
    const page = await client.projects.list({ first: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(page.data).toHaveLength(1);
    expect(limited.calls).toHaveLength(2);

    // With retries off, the same answer is a RateLimitError carrying retryAfter.
    const once = recordingFetch((_call, index) => (index === 0 ? new Response('{"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}', { status: 429, headers: { 'retry-after': '7' } }) : undefined));
    const error = await expectError(new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: once.fetch, maxRetries: 0 }).projects.list(), RateLimitError, 'RATE_LIMITED', { fromServer: false });
    expect(error.retryAfter).toBe(7);
    expect(error.status).toBe(429);
  });

  it('retries 5xx and network errors with backoff, and gives up with a ConnectionError', async () => {
    const flaky = recordingFetch((_call, index) => (index === 0 ? new Response('upstream down', { status: 502 }) : index === 1 ? Promise.reject(new TypeError('fetch failed')) : undefined));
    const client = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: flaky.fetch });
    expect((await client.graphql<{ viewer: { mode: string } }>('{ viewer { mode } }')).viewer.mode).toBe('TEST');
    expect(flaky.calls).toHaveLength(3);

    const unreachable = new EverJust({ apiKey: tenant.test, baseUrl: `http://127.0.0.1:${await closedPort()}`, maxRetries: 1 });
    const error = await expectError(unreachable.projects.list(), ConnectionError, 'CONNECTION_ERROR');
    expect(error.cause).toBeDefined();

    const slow = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, maxRetries: 0, timeoutMs: 50, fetch: async (input, init) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return fetch(input, init as RequestInit);
    } });
    await expectError(slow.projects.list(), ConnectionError, 'TIMEOUT');

    // A mutation through the escape hatch is not retried after a 5xx: it may have run.
    const failing = recordingFetch(() => new Response('oops', { status: 503 }));
    await expectError(new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: failing.fetch }).graphql('mutation { createProject(input: { name: "x" }) { id } }'), ApiError, 'HTTP_503', { fromServer: false });
    expect(failing.calls).toHaveLength(1);
  });

  it('maps every error code to its class, with code and requestId', async () => {
    await expectError(new EverJust({ apiKey: 'ej_test_sk_nope', baseUrl: platform.url }).projects.list(), AuthenticationError, 'UNAUTHENTICATED');

    const validation = await expectError(everjust.projects.create({ name: '' }), ValidationError, 'BAD_USER_INPUT');
    expect(validation.issues[0]).toMatchObject({ path: ['input', 'name'] });
    await expectError(everjust.graphql('{ nope }'), ValidationError, 'GRAPHQL_VALIDATION_FAILED');

    const conflict = await everjust.projects.create({ name: 'First', idempotencyKey: 'conflict-1' }).then(() =>
      expectError(everjust.projects.create({ name: 'Second', idempotencyKey: 'conflict-1' }), IdempotencyConflictError, 'IDEMPOTENCY_CONFLICT'),
    );
    expect(conflict.idempotencyKey).toBe('conflict-1');

    const { secret } = await everjust.apiKeys.create({ name: 'read only', scopes: ['PROJECTS_READ'] });
    await expectError(new EverJust({ apiKey: secret, baseUrl: platform.url }).projects.create({ name: 'Nope' }), PermissionError, 'FORBIDDEN');

    const free = await createTestTenant(database, { tier: 'free' });
    const freeClient = new EverJust({ apiKey: free.live, baseUrl: platform.url });
    for (let i = 0; i < 3; i++) await freeClient.projects.create({ name: `Free ${i}` });
    const quota = await expectError(freeClient.projects.create({ name: 'Fourth' }), QuotaExceededError, 'QUOTA_EXCEEDED');
    expect([quota.limit, quota.max, quota.resetsAt]).toEqual(['projects', 3, null]);

    const limitedTenant = await createTestTenant(database);
    await database.prisma.tenant.update({ where: { id: limitedTenant.id }, data: { limitOverrides: { burstPerSecond: 1 } } });
    const limited = new EverJust({ apiKey: limitedTenant.live, baseUrl: platform.url, maxRetries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => limited.projects.list()));
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RateLimitError);
    expect(refused.reason.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.reason.requestId).toEqual(expect.any(String));
  });

  it('pages through 250 projects by itself', async () => {
    const many = await createTestTenant(database);
    const recorded = recordingFetch();
    const client = new EverJust({ apiKey: many.live, baseUrl: platform.url, fetch: recorded.fetch });
    // Made in the database at once: creating through the API is tested above, listing is tested here.
    await database.prisma.project.createMany({ data: Array.from({ length: 250 }, (_, i) => ({ tenantId: many.id, mode: 'live' as const, name: `Project ${i}` })) });
    const created = (await database.prisma.project.findMany({ where: { tenantId: many.id }, select: { id: true } })).map((row) => Buffer.from(`Project:${row.id}`).toString('base64url'));
    recorded.calls.length = 0;
    const seen: string[] = [];
    for await (const project of client.projects.list({ first: 100 })) seen.push(project.id);
    expect(seen).toHaveLength(250);
    expect(new Set(seen)).toEqual(new Set(created));
    expect(recorded.calls).toHaveLength(3);
    // Newest first (the ids under the global ids are time-ordered).
    const uuids = seen.map((id) => Buffer.from(id, 'base64url').toString('utf8'));
    expect([...uuids].sort().reverse()).toEqual(uuids);

    // The list promise is one first page, however it is used; toArray stops at its limit.
    const list = client.projects.list({ first: 100 });
    const firstPage = await list;
    expect(firstPage).toMatchObject({ hasMore: true, nextCursor: expect.any(String) });
    expect(firstPage.data).toHaveLength(100);
    expect(await client.projects.list({ first: 100, after: firstPage.nextCursor! }).then((page) => page.data[0].id)).toBe(seen[100]);
    expect((await client.projects.list({ first: 20 }).toArray({ limit: 45 })).map((p) => p.id)).toEqual(seen.slice(0, 45));
    // Without a limit (or past 10,000) it refuses before any request, as stripe-node's autoPagingToArray does.
    const before = recorded.calls.length;
    await expect((client.projects.list() as any).toArray()).rejects.toThrow(/needs a `limit`/);
    await expect(client.projects.list().toArray({ limit: 10_001 })).rejects.toThrow(/needs a `limit`/);
    expect(recorded.calls).toHaveLength(before);
  });

  it('starts a session and streams its typed events to the end, with the final result', async () => {
    const project = await everjust.projects.create({ name: 'Streamed' });
    const session = await everjust.sessions.create({ projectId: project.id, prompt: 'A counter app' });
    expect(session).toMatchObject({ status: 'queued', kind: 'generate', prompt: 'A counter app', project: { id: project.id } });

    const stream = everjust.sessions.stream(session.id);
    const events: SessionEvent[] = [];
    const text: string[] = [];
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'text_delta') text.push(event.text);
    }
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'status', status: 'queued', message: null });
    expect(events[0]).not.toHaveProperty('__typename');
    const types = new Set(events.map((event) => event.type));
    for (const type of ['status', 'text_delta', 'file_written', 'usage', 'preview_ready', 'done'] as const) expect(types).toContain(type);
    expect(text.join('')).not.toBe('');
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(stream.lastSeq).toBe(events.length);

    const result = await stream.finalResult();
    expect(result.status).toBe('succeeded');
    expect(result.session).toMatchObject({ id: session.id, status: 'succeeded' });
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const written = events.filter((event) => event.type === 'file_written').map((event) => event.path);
    expect(result.files.map((file) => file.path).sort()).toEqual([...new Set(written)].sort());
    expect(result.files.every((file) => file.content.length === file.size || file.size > 0)).toBe(true);
    const ready = events.find((event) => event.type === 'preview_ready');
    expect(result.previewUrl).toBe(ready?.type === 'preview_ready' ? ready.url : undefined);
    expect(await fetch(result.previewUrl!).then((response) => response.status)).toBe(200);

    expect(await everjust.sessions.get(session.id)).toMatchObject({ id: session.id, status: 'succeeded', lastSeq: events.length });

    // Resuming after the end, and finalResult without iterating.
    const tail = everjust.sessions.stream(session.id, { afterSeq: events.length - 2 });
    expect((await tail.finalResult()).status).toBe('succeeded');
    expect(tail.lastSeq).toBe(events.length);
  });

  it('resumes after dropped connections: every event arrives exactly once, in order', async () => {
    const project = await everjust.projects.create({ name: 'Dropped' });
    let streams = 0;
    const cutting = recordingFetch(async (call) => {
      if (call.accept !== 'text/event-stream') return undefined;
      streams++;
      // The first connection ends quietly mid-message; the second reconnect is refused with a 503; the
      // third breaks; the fourth is left alone.
      if (streams === 2) return new Response('unavailable', { status: 503 });
      if (streams > 3) return undefined;
      const response = await fetch(`${platform.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.test}` },
        body: JSON.stringify(call.body),
      });
      return cutAfter(response, streams === 1 ? 700 : 1500, streams === 1 ? 'close' : 'error');
    });
    const client = new EverJust({ apiKey: tenant.test, baseUrl: platform.url, fetch: cutting.fetch });
    const session = await client.sessions.create({ projectId: project.id, prompt: 'A todo list' });
    const events: SessionEvent[] = [];
    const stream = client.sessions.stream(session.id);
    for await (const event of stream) events.push(event);
    const afterSeqs = cutting.calls.filter((call) => call.accept === 'text/event-stream').map((call) => call.body.variables!.afterSeq);
    expect(afterSeqs).toHaveLength(4);
    expect(afterSeqs[0]).toBe(0);
    expect(afterSeqs[1]).toBeGreaterThan(0);
    expect(afterSeqs[2]).toBe(afterSeqs[1]); // the 503 delivered nothing
    expect(afterSeqs[3]).toBeGreaterThan(afterSeqs[2]);

    // The whole log, read again in one go, is exactly what the cut stream delivered.
    const again: SessionEvent[] = [];
    for await (const event of everjust.sessions.stream(session.id)) again.push(event);
    expect(events).toEqual(again);
    expect(events.map((event) => event.seq)).toEqual(again.map((_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    expect((await stream.finalResult()).files.length).toBeGreaterThan(0);
  });

  it('cancels a session, and aborts a stream', async () => {
    const project = await everjust.projects.create({ name: 'Cancelled' });
    const session = await everjust.sessions.create({ projectId: project.id, prompt: 'Something long' });
    const cancelled = await everjust.sessions.cancel(session.id);
    expect(cancelled.id).toBe(session.id);
    const result = await everjust.sessions.stream(session.id).finalResult();
    expect(result.status).toBe('cancelled');

    const other = await everjust.sessions.create({ projectId: project.id, prompt: 'Another one' });
    const stream = everjust.sessions.stream(other.id);
    const seen: SessionEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      stream.abort();
    }
    expect(seen).toHaveLength(1);
    await expect(stream.finalResult()).rejects.toMatchObject({ name: 'AbortError' });
    await everjust.sessions.stream(other.id).finalResult(); // let it end: test mode runs 2 at a time

    await expectError(everjust.sessions.get(MISSING_SESSION), NotFoundError, 'NOT_FOUND');
    const missing = everjust.sessions.stream(MISSING_SESSION);
    await expectError(missing.finalResult(), NotFoundError, 'NOT_FOUND');
  });

  it('reports usage', async () => {
    const today = new Date(new Date().toISOString().slice(0, 10));
    const report = await everjust.usage.get({ from: today, groupBy: 'DAY' });
    expect(report.totals.generations).toBeGreaterThanOrEqual(3);
    expect(report.rows).toEqual([expect.objectContaining({ key: today.toISOString().slice(0, 10) })]);
    expect(report.storageBytes).toBeGreaterThan(0);
    await expectError(everjust.usage.get({ from: today, to: today }), ValidationError, 'BAD_USER_INPUT');
  });

  it('lists sessions across projects, filtered', async () => {
    const all = await everjust.sessions.list({ first: 50 }).toArray({ limit: 500 });
    expect(all.length).toBeGreaterThan(0);
    const [newest] = all;
    const byId = await everjust.sessions.list({ filter: { search: newest.id } });
    expect(byId.data.map((session) => session.id)).toEqual([newest.id]);
    const succeeded = await everjust.sessions.list({ first: 50, filter: { status: ['succeeded'] } }).toArray({ limit: 500 });
    expect(succeeded.every((session) => session.status === 'succeeded')).toBe(true);
    await expectError(everjust.sessions.list({ filter: { status: ['finished'] } }), ValidationError, 'BAD_USER_INPUT');
  });

  it('mints a one-time console sign-in link with a live key, and is refused one with a test key', async () => {
    const live = new EverJust({ apiKey: tenant.live, baseUrl: platform.url });
    const link = await live.consoleLinks.create();
    expect(link.url).toMatch(/\/console\/login\?token=ej_cl_/);
    expect(new Date(link.expiresAt).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const signIn = await fetch(link.url, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(410);
    await expectError(new EverJust({ apiKey: tenant.test, baseUrl: platform.url }).consoleLinks.create(), PermissionError, 'FORBIDDEN');
  });

  it('creates, lists and revokes API keys', async () => {
    const live = new EverJust({ apiKey: tenant.live, baseUrl: platform.url });
    const { apiKey, secret } = await live.apiKeys.create({ name: 'CI', mode: 'TEST', scopes: ['PROJECTS_READ', 'SESSIONS_READ'] });
    expect(secret).toMatch(/^ej_test_sk_/);
    expect(apiKey).toMatchObject({ name: 'CI', mode: 'TEST', scopes: ['PROJECTS_READ', 'SESSIONS_READ'], revokedAt: null });
    expect(secret.startsWith(apiKey.prefix)).toBe(true);

    const listed = await live.apiKeys.list().toArray({ limit: 100 });
    expect(listed.map((key) => key.id)).toContain(apiKey.id);
    expect((await live.apiKeys.list({ first: 1 })).hasMore).toBe(true);

    const ci = new EverJust({ apiKey: secret, baseUrl: platform.url });
    await ci.projects.list();
    const revoked = await live.apiKeys.revoke(apiKey.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    await expectError(ci.projects.list(), AuthenticationError, 'UNAUTHENTICATED');
  });

  it('sets the tenant’s generation settings (the key never comes back) and starts sessions with a model, images and an output budget', async () => {
    const live = new EverJust({ apiKey: tenant.live, baseUrl: platform.url });
    const ownKey = 'sk-ant-api03-sdk-own-key-00000000-ab12';
    const updated = await live.tenant.update({ generation: { instructions: 'Use Inter.', model: 'claude-haiku-4-5', allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'], anthropicApiKey: ownKey } });
    expect(updated.generation).toEqual({
      instructions: 'Use Inter.',
      model: 'claude-haiku-4-5',
      allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
      availableModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
      hasAnthropicApiKey: true,
      anthropicApiKeyLast4: 'ab12',
      allowQuestions: true,
      autoRepairRounds: 2,
    });
    expect(JSON.stringify(await live.tenant.get())).not.toContain(ownKey);
    await expectError(live.tenant.update({ generation: { instructions: 'x'.repeat(10_001) } }), ValidationError, 'BAD_USER_INPUT');

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const jpeg = Buffer.from('ffd8ffe000104a464946', 'hex').toString('base64');
    const project = await everjust.projects.create({ name: 'With images' });
    const session = await everjust.sessions.create({
      projectId: project.id,
      prompt: 'Like these',
      model: 'claude-sonnet-4-5',
      maxOutputTokens: 5000,
      attachments: [{ data: png }, { data: jpeg }],
    });
    expect(session).toMatchObject({
      requestedModel: 'claude-sonnet-4-5',
      maxOutputTokens: 5000,
      byok: false, // test mode never uses the live key
      attachments: [
        { mediaType: 'image/png', size: 16, url: null },
        { mediaType: 'image/jpeg', size: 10, url: null },
      ],
    });
    await expectError(everjust.sessions.create({ projectId: project.id, prompt: 'x', model: 'claude-opus-4-5' }), ValidationError, 'BAD_USER_INPUT');
    expect((await everjust.sessions.stream(session.id).finalResult()).status).toBe('succeeded');
    await live.tenant.update({ generation: { model: null, allowedModels: null, anthropicApiKey: null, instructions: null } });
  });

  it('runs any operation through graphql(), typed by a generated document', async () => {
    const project = await everjust.projects.create({ name: 'Escape hatch' });
    const data = await everjust.graphql(GetProjectDocument, { id: project.id });
    expect(data.project.name).toBe('Escape hatch');
    const parsedLike = { kind: 'Document', loc: { source: { body: '{ viewer { mode } }' } } };
    expect(await everjust.graphql(parsedLike as never)).toEqual({ viewer: { mode: 'TEST' } });
    await expect(everjust.graphql({} as never)).rejects.toThrow(TypeError);
  });
});
