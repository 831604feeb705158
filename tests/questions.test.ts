import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeIdOf } from '@everjust/core';
import { createAnthropic } from '@everjust/worker';
import { startFakeAnthropic, type FakeAnthropic } from '../test-support/fake-anthropic.js';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';

/**
 * Questions (issue 17, point 4) with the offline generator, which asks when a prompt says `#ask`:
 * the session waits for its end user without holding a worker, the answer re-queues it and the model
 * continues where it stopped, from the conversation stored as it went (point 5).
 */
const START = `mutation($input: StartSessionInput!) { startSession(input: $input) { id status } }`;
const ANSWER = `mutation($input: AnswerSessionInput!) { answerSession(input: $input) { id status pendingQuestion { question } } }`;
const SESSION = `query($id: ID!) { session(id: $id) { id status error { code message } pendingQuestion { question choices askedAt expiresAt } } }`;

describeEachDatabase('questions: the model asks, the session waits, the answer resumes it', (database) => {
  let platform: TestPlatform;
  let fake: FakeAnthropic;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    platform = await startTestPlatform(database(), {
      llm: { anthropic: createAnthropic({ apiKey: 'sk-ant-test', model: 'claude-test', baseUrl: fake.url, maxRetries: 0 }) },
    });
    acme = await createTestTenant(database(), { name: 'Acme' });
    globex = await createTestTenant(database(), { name: 'Globex' });
  });
  afterAll(async () => {
    await platform.stop();
    await fake.close();
  });

  async function start(prompt: string, key = acme.test): Promise<string> {
    const project = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Asked" }) { id } }');
    const started = await graphql(platform.app, key, START, { input: { projectId: project.data.createProject.id, prompt } });
    expect(started.errors).toBeUndefined();
    return started.data.startSession.id as string;
  }

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await sleep(25);
    }
  }

  const row = (sessionId: string) => database().prisma.session.findUniqueOrThrow({ where: { id: decodeIdOf('Session', sessionId)! } });
  const jobOf = (sessionId: string) => database().prisma.job.findFirstOrThrow({ where: { sessionId: decodeIdOf('Session', sessionId)! } });
  const eventsOf = (sessionId: string) => database().prisma.sessionEvent.findMany({ where: { sessionId: decodeIdOf('Session', sessionId)! }, orderBy: { seq: 'asc' } });
  const waiting = (sessionId: string) => until('the session to wait for its answer', () => row(sessionId), (session) => session.status === 'waiting_for_input');
  const ended = (sessionId: string) => until('the session to end', () => row(sessionId), (session) => ['succeeded', 'failed', 'cancelled'].includes(session.status));
  const textOf = (events: Array<{ type: string; payload: unknown }>) => events.filter((event) => event.type === 'text_delta').map((event) => (event.payload as { text: string }).text).join('');
  const answer = (sessionId: string, value: string, key = acme.test) => graphql(platform.app, key, ANSWER, { input: { sessionId, answer: value } });

  it('goes waiting_for_input with a question event, releases its job, and raises session.waiting_for_input', async () => {
    await database().prisma.webhookEndpoint.create({
      data: { tenantId: acme.id, mode: 'test', url: 'https://hooks.example/in', events: ['session.waiting_for_input'], secretEncrypted: 'unused', enabled: true },
    });
    const sessionId = await start('A todo list #ask');
    await waiting(sessionId);

    const events = await eventsOf(sessionId);
    const question = events.find((event) => event.type === 'question');
    expect(question?.payload).toMatchObject({ question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] });
    expect(events.at(-1)!.type).toBe('question');
    // No worker holds the job: it waits, unlocked, and no job of the session is running.
    const job = await jobOf(sessionId);
    expect(job).toMatchObject({ status: 'waiting', lockedBy: null, lockedUntil: null });
    expect(platform.worker!.activeJobs).toBe(0);
    const api = await graphql(platform.app, acme.test, SESSION, { id: sessionId });
    expect(api.data.session).toMatchObject({ status: 'waiting_for_input', pendingQuestion: { question: 'Which look should the app have?', choices: ['Light theme', 'Dark theme'] } });
    const { askedAt, expiresAt } = api.data.session.pendingQuestion;
    expect(new Date(expiresAt).getTime() - new Date(askedAt).getTime()).toBe(24 * 3_600_000);
    const deliveries = await database().prisma.webhookDelivery.findMany({ where: { tenantId: acme.id, eventType: 'session.waiting_for_input' } });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].payload).toMatchObject({ type: 'session.waiting_for_input', data: { sessionId, question: 'Which look should the app have?' } });
    // The conversation so far is stored: the prompt is not, the model's round with its ask_user call is.
    const messages = await database().prisma.sessionMessage.findMany({ where: { sessionId: decodeIdOf('Session', sessionId)! }, orderBy: { seq: 'asc' } });
    expect(messages.map((message) => message.role)).toEqual(['assistant']);
    expect(JSON.stringify(messages[0].content)).toContain('"name":"ask_user"');
    await database().prisma.webhookEndpoint.deleteMany({ where: { tenantId: acme.id } });
  });

  it('continues where it stopped once answered, and builds with the answer; its text is never repeated', async () => {
    const sessionId = await start('A todo list #ask');
    await waiting(sessionId);
    const before = await eventsOf(sessionId);

    const answered = await answer(sessionId, 'Dark theme');
    expect(answered.errors).toBeUndefined();
    expect(answered.data.answerSession).toMatchObject({ status: 'queued', pendingQuestion: null });
    const session = await ended(sessionId);
    expect(session.status).toBe('succeeded');

    const events = await eventsOf(sessionId);
    // The log only grew: what came before the answer is as it was, and the text after it is new.
    expect(events.slice(0, before.length).map((event) => event.seq)).toEqual(before.map((event) => event.seq));
    const answeredAt = events.findIndex((event) => event.type === 'status' && (event.payload as { step?: string }).step === 'answered');
    expect(answeredAt).toBe(before.length);
    expect(events[answeredAt].payload).toMatchObject({ status: 'queued', message: 'Dark theme' });
    const asked = textOf(before);
    const continued = textOf(events.slice(answeredAt));
    expect(asked).toContain('#ask');
    expect(continued).not.toContain(asked);
    expect(continued).toContain('dark');
    // session.started once (the resumed attempt says `resumed`).
    expect(events.filter((event) => event.type === 'status' && (event.payload as { status: string; step?: string }).status === 'running' && !(event.payload as { step?: string }).step)).toHaveLength(1);
    expect(events.some((event) => event.type === 'status' && (event.payload as { step?: string }).step === 'resumed')).toBe(true);

    const files = await database().prisma.projectFile.findMany({ where: { projectId: session.projectId } });
    expect(files.map((file) => file.path).sort()).toEqual(['app.js', 'index.html', 'styles.css']);
    const css = await graphql(platform.app, acme.test, 'query($id: ID!) { session(id: $id) { project { file(path: "styles.css") { content } } } }', { id: sessionId });
    expect(css.data.session.project.file.content).toMatch(/dark/i);
    // The answer is in the stored conversation, as the ask_user call's result.
    const messages = await database().prisma.sessionMessage.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
    expect(messages.map((message) => message.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(messages[1].content).toEqual([{ type: 'tool_result', toolCallId: expect.stringMatching(/^toolu_offline_/), content: 'Dark theme' }]);
    expect((await jobOf(sessionId)).status).toBe('succeeded');
  });

  it('takes exactly one of two answers sent at once; the other is BAD_USER_INPUT', async () => {
    const sessionId = await start('A counter #ask');
    await waiting(sessionId);
    const [first, second] = await Promise.all([answer(sessionId, 'Light theme'), answer(sessionId, 'Dark theme')]);
    const won = [first, second].filter((response) => !response.errors);
    const lost = [first, second].filter((response) => response.errors);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(errorCode(lost[0])).toBe('BAD_USER_INPUT');
    expect((await ended(sessionId)).status).toBe('succeeded');
    const answers = (await eventsOf(sessionId)).filter((event) => event.type === 'status' && (event.payload as { step?: string }).step === 'answered');
    expect(answers).toHaveLength(1);
    const messages = await database().prisma.sessionMessage.findMany({ where: { sessionId: decodeIdOf('Session', sessionId)! } });
    expect(messages.filter((message) => JSON.stringify(message.content).includes('theme"') && message.role === 'user')).toHaveLength(1);
  });

  it('refuses an answer to a session that is not waiting (BAD_USER_INPUT) and to another tenant’s session (NOT_FOUND)', async () => {
    const plain = await start('A counter');
    expect((await ended(plain)).status).toBe('succeeded');
    const notWaiting = await answer(plain, 'Dark theme');
    expect(errorCode(notWaiting)).toBe('BAD_USER_INPUT');
    expect(notWaiting.errors![0].message).toContain('not waiting');

    const asked = await start('A timer #ask');
    await waiting(asked);
    expect(errorCode(await answer(asked, 'Dark theme', globex.test))).toBe('NOT_FOUND');
    expect(errorCode(await answer(asked, '   '))).toBe('BAD_USER_INPUT');
    expect((await row(asked)).status).toBe('waiting_for_input');
    // A cancel ends a waiting session at once, and its job with it.
    const cancelled = await graphql(platform.app, acme.test, 'mutation($id: ID!) { cancelSession(input: { id: $id }) { status } }', { id: asked });
    expect(cancelled.data.cancelSession.status).toBe('cancelled');
    expect((await jobOf(asked)).status).toBe('cancelled');
    expect(errorCode(await answer(asked, 'Dark theme'))).toBe('BAD_USER_INPUT');
  });

  it('ends a session whose question was not answered in time as cancelled (QUESTION_EXPIRED)', async () => {
    const sessionId = await start('Some notes #ask');
    await waiting(sessionId);
    // As if asked 25 hours ago: the reaper (EVERJUST_QUESTION_TTL_MS, 24 h) ends it.
    await database().prisma.session.update({ where: { id: decodeIdOf('Session', sessionId)! }, data: { questionAskedAt: new Date(Date.now() - 25 * 3_600_000) } });
    const session = await ended(sessionId);
    expect(session.status).toBe('cancelled');
    expect(session.error).toMatchObject({ code: 'QUESTION_EXPIRED', message: expect.stringContaining('not answered within 24 h') });
    expect((await jobOf(sessionId)).status).toBe('cancelled');
    const done = (await eventsOf(sessionId)).at(-1)!;
    expect(done).toMatchObject({ type: 'done', payload: { status: 'cancelled', error: { code: 'QUESTION_EXPIRED' } } });
    expect(errorCode(await answer(sessionId, 'Dark theme'))).toBe('BAD_USER_INPUT');
  });

  it('offers no ask_user tool when the tenant turns questions off (generation.allowQuestions)', async () => {
    const update = (allowQuestions: boolean | null) =>
      graphql(platform.app, acme.live, 'mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { generation { allowQuestions } } }', { input: { generation: { allowQuestions } } });
    expect((await update(false)).data.updateTenant.generation.allowQuestions).toBe(false);
    const sessionId = await start('A todo list #ask');
    const session = await ended(sessionId);
    expect(session.status).toBe('succeeded');
    expect((await eventsOf(sessionId)).some((event) => event.type === 'question')).toBe(false);
    expect((await update(null)).data.updateTenant.generation.allowQuestions).toBe(true);
  });

  it('with Claude: the request after the answer is the stored conversation, ask_user call and its result, and nothing is asked twice', async () => {
    fake.requests.length = 0;
    fake.enqueue([
      { text: 'Two ways to read that. ', toolCalls: [{ id: 'toolu_ask_1', name: 'ask_user', input: { question: 'Bakery or café?', choices: ['Bakery', 'Café'] } }] },
      { text: 'A café it is. ', toolCalls: [{ id: 'toolu_write_1', name: 'write_file', input: { path: 'index.html', content: '<h1>Café</h1>' } }] },
      { text: 'Made a café page.' },
    ]);
    const sessionId = await start('A page for my shop', acme.live);
    await waiting(sessionId);
    expect(fake.requests).toHaveLength(1);
    const offered = (fake.requests[0].body as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name);
    expect(offered).toContain('ask_user');
    const question = (await eventsOf(sessionId)).find((event) => event.type === 'question');
    expect(question?.payload).toMatchObject({ question: 'Bakery or café?', choices: ['Bakery', 'Café'] });

    expect((await answer(sessionId, 'Café', acme.live)).errors).toBeUndefined();
    const session = await ended(sessionId);
    expect(session.status).toBe('succeeded');
    expect(session.reply).toBe('Made a café page.');
    expect(fake.requests).toHaveLength(3);
    // The second request continues the first: the prompt, the model's own turn with its tool_use, and
    // the answer as that call's tool_result.
    const messages = (fake.requests[1].body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> }).messages;
    expect(messages.slice(-3)).toEqual([
      { role: 'user', content: [expect.objectContaining({ type: 'text', text: 'A page for my shop' })] },
      { role: 'assistant', content: [expect.objectContaining({ type: 'text', text: 'Two ways to read that. ' }), expect.objectContaining({ type: 'tool_use', id: 'toolu_ask_1', name: 'ask_user' })] },
      { role: 'user', content: [expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_ask_1', content: 'Café' })] },
    ]);
    expect(textOf(await eventsOf(sessionId))).toBe('Two ways to read that. A café it is. Made a café page.');
  });

  it('with Claude and questions turned off: ask_user is not offered', async () => {
    const update = (allowQuestions: boolean) =>
      graphql(platform.app, acme.live, 'mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { generation { allowQuestions } } }', { input: { generation: { allowQuestions } } });
    await update(false);
    fake.requests.length = 0;
    fake.enqueue([{ text: 'Done.' }]);
    expect((await ended(await start('A page for my shop', acme.live))).status).toBe('succeeded');
    expect((fake.requests[0].body as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name)).not.toContain('ask_user');
    await update(true);
  });
});
