import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, expect, it } from 'vitest';
import {
  createLocalPubSub,
  createLogger,
  loadConfig,
  sealSecret,
  SEALED_CONTEXTS,
  storeSessionAttachments,
  type ClaimedJob,
  type PrismaClient,
  type Session,
} from '@everjust/core';
import { describeEachDatabase } from '../../../test-support/databases.js';
import { freePort } from '../../../test-support/platform.js';
import { createOffline } from '../llm/offline.js';
import { SessionWriter } from '../session-writer.js';
import { loadGenerationOptions } from './generation-options.js';
import { TaskError, type TaskContext } from './task.js';

/**
 * What a generation runs with: the tenant's instructions, default model and own Anthropic key (opened
 * from its seal, in live mode only), the session's model, output budget and stored images.
 */
const secret = 'generation-options-test-secret-0123456789';
const config = loadConfig({ EVERJUST_LOG_LEVEL: 'silent', EVERJUST_SECRET: secret });
const logger = createLogger({ level: 'silent' });
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
const JPEG = Buffer.from('ffd8ffe000104a464946', 'hex').toString('base64');

function contextFor(prisma: PrismaClient, session: Session, settings = config): TaskContext {
  const lease = { jobId: '00000000-0000-7000-8000-000000000000', workerId: 'test', attempt: 1 };
  const pubsub = createLocalPubSub();
  return {
    job: { id: lease.jobId, kind: 'generate', sessionId: session.id, attempts: 1, maxAttempts: 3, payload: {} } as unknown as ClaimedJob,
    session,
    writer: new SessionWriter({ prisma, pubsub, logger, session, lease }),
    signal: new AbortController().signal,
    logger,
    prisma,
    pubsub,
    config: settings,
    llm: createOffline(),
    sandbox: null,
  };
}

describeEachDatabase('loadGenerationOptions', (database) => {
  let prisma: PrismaClient;
  beforeAll(() => {
    prisma = database().prisma;
  });

  async function newSession(tenant: { generation?: Record<string, unknown>; anthropicKey?: string; sealFor?: string }, session: { mode: 'live' | 'test'; requestedModel?: string; maxOutputTokens?: number }) {
    const created = await prisma.tenant.create({ data: { name: 'Options tenant', ...(tenant.generation ?? {}) } });
    if (tenant.anthropicKey) {
      await prisma.tenant.update({
        where: { id: created.id },
        data: { anthropicApiKeyEncrypted: sealSecret(secret, tenant.anthropicKey, SEALED_CONTEXTS.tenantAnthropicKey(tenant.sealFor ?? created.id)) },
      });
    }
    const project = await prisma.project.create({ data: { tenantId: created.id, mode: session.mode, name: 'Options project' } });
    return prisma.session.create({ data: { tenantId: created.id, projectId: project.id, prompt: 'Build a page', ...session } });
  }

  it('gives the tenant settings, its opened key and the session’s stored images in order (live mode)', async () => {
    const session = await newSession(
      { generation: { generationInstructions: 'Use our brand colour #0a84ff.', defaultModel: 'claude-haiku-4-5' }, anthropicKey: 'sk-ant-tenant-own-key' },
      { mode: 'live', requestedModel: 'claude-opus-4-5', maxOutputTokens: 4000 },
    );
    await storeSessionAttachments(prisma, session.id, [
      { mediaType: 'image/png', data: PNG },
      { mediaType: 'image/jpeg', data: JPEG, sourceUrl: 'https://images.example/a.jpg' },
    ]);
    const context = contextFor(prisma, session);
    const options = await loadGenerationOptions(context);
    expect(options).toEqual({
      model: 'claude-opus-4-5',
      apiKey: 'sk-ant-tenant-own-key',
      instructions: 'Use our brand colour #0a84ff.',
      attachments: [
        { mediaType: 'image/png', data: PNG },
        { mediaType: 'image/jpeg', data: JPEG },
      ],
      maxOutputTokens: 4000,
      byok: true,
      // Questions are allowed unless the tenant turns them off.
      allowQuestions: true,
    });
    // The writer prices this attempt at the model it runs.
    context.writer.addUsage({ inputTokens: 1_000_000 });
    expect(context.writer.usage.costMicros).toBe(5_000_000);
  });

  it("uses the tenant's default model when the session names none, and no key when the tenant has none", async () => {
    const session = await newSession({ generation: { defaultModel: 'claude-haiku-4-5' } }, { mode: 'live' });
    expect(await loadGenerationOptions(contextFor(prisma, session))).toEqual({ model: 'claude-haiku-4-5', attachments: [], byok: false, allowQuestions: true });
  });

  it('never opens the live key for a test-mode session', async () => {
    const session = await newSession({ anthropicKey: 'sk-ant-tenant-own-key' }, { mode: 'test' });
    const options = await loadGenerationOptions(contextFor(prisma, session));
    expect(options).toEqual({ attachments: [], byok: false, allowQuestions: true });
  });

  it('fails with MODEL_AUTH_FAILED, not retried, when the sealed key does not open', async () => {
    // A seal copied from another tenant's row does not open for this one.
    const session = await newSession({ anthropicKey: 'sk-ant-other', sealFor: '00000000-0000-7000-8000-000000000001' }, { mode: 'live' });
    const failure = await loadGenerationOptions(contextFor(prisma, session)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskError);
    expect(failure).toMatchObject({ code: 'MODEL_AUTH_FAILED', retryable: false });
    expect(String((failure as Error).message)).not.toContain('sk-ant-other');
  });

  it('stores an image given twice once in the blob store', async () => {
    const first = await newSession({}, { mode: 'live' });
    const second = await newSession({}, { mode: 'live' });
    await storeSessionAttachments(prisma, first.id, [{ mediaType: 'image/png', data: PNG }]);
    await storeSessionAttachments(prisma, second.id, [{ mediaType: 'image/png', data: PNG }]);
    const [a] = await prisma.sessionAttachment.findMany({ where: { sessionId: first.id } });
    const [b] = await prisma.sessionAttachment.findMany({ where: { sessionId: second.id } });
    expect(a.sha).toBe(b.sha);
    expect(a.size).toBe(16);
    expect((await loadGenerationOptions(contextFor(prisma, second))).attachments).toEqual([{ mediaType: 'image/png', data: PNG }]);
  });

  it('fetches an image given by URL once and stores it: the next attempt reads the stored bytes', async () => {
    const hits: string[] = [];
    const server = createServer((request, response) => {
      hits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG, 'base64'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logo.png`;
      const session = await newSession({}, { mode: 'live' });
      await storeSessionAttachments(prisma, session.id, [{ url }]);
      const development = loadConfig({ EVERJUST_LOG_LEVEL: 'silent', EVERJUST_SECRET: secret, EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true' });
      expect((await loadGenerationOptions(contextFor(prisma, session, development))).attachments).toEqual([{ mediaType: 'image/png', data: PNG }]);
      expect((await loadGenerationOptions(contextFor(prisma, session, development))).attachments).toEqual([{ mediaType: 'image/png', data: PNG }]);
      expect(hits).toEqual(['/logo.png']);
      expect(await prisma.sessionAttachment.findFirst({ where: { sessionId: session.id } })).toMatchObject({ mediaType: 'image/png', size: 16, sourceUrl: url });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses an image URL whose host turns out private when fetched (ATTACHMENT_URL_REFUSED, not retried), and says when one is unreachable (retried)', async () => {
    // `localhost` passes startSession's check only on a platform allowing private targets; a name that
    // resolves to a private address is what this guards against at fetch time.
    const privateHost = await newSession({}, { mode: 'live' });
    await storeSessionAttachments(prisma, privateHost.id, [{ url: 'https://localhost/internal.png' }]);
    const refused = await loadGenerationOptions(contextFor(prisma, privateHost)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TaskError);
    expect(refused).toMatchObject({ code: 'ATTACHMENT_URL_REFUSED', retryable: false, message: expect.stringMatching(/^Attachment 1 \(https:\/\/localhost\/internal\.png\): localhost resolves to (127\.0\.0\.1|::1) \(loopback\): images are fetched from public addresses only$/) });

    const closed = await newSession({}, { mode: 'live' });
    await storeSessionAttachments(prisma, closed.id, [{ url: `http://127.0.0.1:${await freePort()}/gone.png` }]);
    const development = loadConfig({ EVERJUST_LOG_LEVEL: 'silent', EVERJUST_SECRET: secret, EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const unreachable = await loadGenerationOptions(contextFor(prisma, closed, development)).catch((error: unknown) => error);
    expect(unreachable).toMatchObject({ code: 'ATTACHMENT_UNREACHABLE', retryable: true, message: expect.stringMatching(/could not be fetched: ECONNREFUSED$/) });
    // Nothing was stored for either.
    expect(await prisma.sessionAttachment.findMany({ where: { sessionId: { in: [privateHost.id, closed.id] } }, select: { sha: true } })).toEqual([{ sha: null }, { sha: null }]);
  });

  it('refuses an image over 5 MB as it arrives (ATTACHMENT_TOO_LARGE)', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(Buffer.concat([Buffer.from(PNG, 'base64'), Buffer.alloc(5 * 1024 * 1024)]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const session = await newSession({}, { mode: 'live' });
      await storeSessionAttachments(prisma, session.id, [{ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/huge.png` }]);
      const development = loadConfig({ EVERJUST_LOG_LEVEL: 'silent', EVERJUST_SECRET: secret, EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true' });
      const failure = await loadGenerationOptions(contextFor(prisma, session, development)).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', retryable: false });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
