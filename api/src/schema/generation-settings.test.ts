import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSecret, readSessionAttachments, SEALED_CONTEXTS, decodeIdOf } from '@everjust/core';
import { createTestApp, createTestTenant, errorCode, graphql, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';

/**
 * The integrator's control over generation, at the API: the tenant's generation settings
 * (`updateTenant(input: { generation })`) and startSession's `model` and `attachments`; every bad input
 * a BAD_USER_INPUT naming the field, with nothing written.
 */
const GENERATION = 'generation { instructions model allowedModels availableModels hasAnthropicApiKey anthropicApiKeyLast4 }';
const UPDATE = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { ${GENERATION} } }`;
const START = `mutation($input: StartSessionInput!) { startSession(input: $input) { id requestedModel byok attachments { mediaType size url } } }`;
const OWN_KEY = 'sk-ant-api03-tenant-own-key-0123456789-abcd';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(16, 1)]);
const JPEG = Buffer.concat([Buffer.from('ffd8ffe000104a464946', 'hex'), Buffer.alloc(16, 2)]);
const GIF = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(16, 3)]);
const WEBP = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.alloc(4), Buffer.from('WEBPVP8 ', 'latin1'), Buffer.alloc(16, 4)]);

describeEachDatabase('generation settings and session inputs', (database) => {
  let app: App;
  let tenant: TestTenant;
  let projectId: string;

  beforeAll(async () => {
    app = await createTestApp(database());
    tenant = await createTestTenant(database(), { name: 'Control', tier: 'enterprise' });
    const project = await graphql(app, tenant.live, 'mutation { createProject(input: { name: "Control" }) { id } }');
    projectId = project.data.createProject.id;
  });
  afterAll(async () => app.stop());

  const generation = async () => (await graphql(app, tenant.live, `{ viewer { ${GENERATION} } }`)).data.viewer.generation;
  const sessionCount = () => database().prisma.session.count({ where: { tenantId: tenant.id } });

  it('sets instructions, a default model, allowed models and an own Anthropic key, which is sealed and never shown', async () => {
    const response = await graphql(app, tenant.live, UPDATE, {
      input: { generation: { instructions: '  Use our brand colour #0a84ff.  ', model: 'claude-haiku-4-5', allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'], anthropicApiKey: OWN_KEY } },
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.updateTenant.generation).toEqual({
      instructions: 'Use our brand colour #0a84ff.',
      model: 'claude-haiku-4-5',
      allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
      availableModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'],
      hasAnthropicApiKey: true,
      anthropicApiKeyLast4: 'abcd',
    });
    expect(JSON.stringify(response)).not.toContain(OWN_KEY);
    const row = await database().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(row.anthropicApiKeyEncrypted).not.toContain(OWN_KEY);
    expect(openSecret('test-secret-'.padEnd(64, 'x'), row.anthropicApiKeyEncrypted!, SEALED_CONTEXTS.tenantAnthropicKey(tenant.id))).toBe(OWN_KEY);

    // A field left out is kept; null clears.
    const cleared = await graphql(app, tenant.live, UPDATE, { input: { generation: { instructions: null, anthropicApiKey: null } } });
    expect(cleared.data.updateTenant.generation).toMatchObject({ instructions: null, model: 'claude-haiku-4-5', hasAnthropicApiKey: false, anthropicApiKeyLast4: null });
    expect((await database().prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).anthropicApiKeyEncrypted).toBeNull();
    const open = await graphql(app, tenant.live, UPDATE, { input: { generation: { model: null, allowedModels: [] } } });
    expect(open.data.updateTenant.generation.availableModels).toContain('claude-opus-4-5');
  });

  it('refuses instructions over 10,000 characters, unknown models, a default outside the allowed ones and a malformed key, changing nothing', async () => {
    await graphql(app, tenant.live, UPDATE, { input: { name: 'Control', generation: { instructions: 'Keep it short.', model: null, allowedModels: [] } } });
    const before = await generation();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ instructions: 'x'.repeat(10_001) }, /^input\.generation\.instructions: must be at most 10,000 characters \(got 10001\)/],
      [{ model: 'gpt-4o' }, /^input\.generation\.model: "gpt-4o" is not a model this platform offers \(one of .*claude-sonnet-4-5/],
      [{ allowedModels: ['claude-haiku-4-5', 'claude-nonsense-9'] }, /^input\.generation\.allowedModels: "claude-nonsense-9" is not a model/],
      [{ model: 'claude-opus-4-5', allowedModels: ['claude-haiku-4-5'] }, /^input\.generation\.model: the default model claude-opus-4-5 must be one of the allowed models/],
      [{ anthropicApiKey: 'not a key at all' }, /^input\.generation\.anthropicApiKey: must be an Anthropic API key/],
      [{ anthropicApiKey: 'sk-proj-openai-style-key-123456' }, /^input\.generation\.anthropicApiKey: must be an Anthropic API key/],
    ];
    for (const [input, message] of cases) {
      // With a valid name change beside it: the whole update is refused, not half of it.
      const response = await graphql(app, tenant.live, UPDATE, { input: { name: 'Renamed', generation: { instructions: 'Changed', ...input } } });
      expect(errorCode(response), JSON.stringify(input).slice(0, 80)).toBe('BAD_USER_INPUT');
      expect(response.errors![0]!.message).toMatch(message);
      expect(JSON.stringify(response)).not.toContain('sk-proj-openai-style-key-123456');
    }
    expect(await generation()).toEqual(before);
    expect((await graphql(app, tenant.live, '{ viewer { name } }')).data.viewer.name).toBe('Control');

    // A date-suffixed id of a known model is known.
    const dated = await graphql(app, tenant.live, UPDATE, { input: { generation: { model: 'claude-sonnet-4-5-20250929' } } });
    expect(dated.data.updateTenant.generation.model).toBe('claude-sonnet-4-5-20250929');
    await graphql(app, tenant.live, UPDATE, { input: { generation: { model: null } } });
  });

  it('starts a session on a model among the allowed ones, and refuses another', async () => {
    await graphql(app, tenant.live, UPDATE, { input: { generation: { allowedModels: ['claude-haiku-4-5', 'claude-sonnet-4-5'], anthropicApiKey: OWN_KEY } } });
    const started = await graphql(app, tenant.live, START, { input: { projectId, prompt: 'A page', model: 'claude-sonnet-4-5' } });
    expect(started.errors).toBeUndefined();
    expect(started.data.startSession).toMatchObject({ requestedModel: 'claude-sonnet-4-5', byok: true, attachments: [] });
    // Test mode never runs on the tenant's live key.
    const testProject = await graphql(app, tenant.test, 'mutation { createProject(input: { name: "T" }) { id } }');
    const inTest = await graphql(app, tenant.test, START, { input: { projectId: testProject.data.createProject.id, prompt: 'A page', model: 'claude-haiku-4-5' } });
    expect(inTest.data.startSession).toMatchObject({ requestedModel: 'claude-haiku-4-5', byok: false });

    const count = await sessionCount();
    const refused = await graphql(app, tenant.live, START, { input: { projectId, prompt: 'A page', model: 'claude-opus-4-5' } });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toBe('input.model: "claude-opus-4-5" is not one of this tenant\'s models (claude-haiku-4-5, claude-sonnet-4-5)');
    expect(JSON.stringify(refused)).not.toContain(OWN_KEY);
    expect(await sessionCount()).toBe(count);
    await graphql(app, tenant.live, UPDATE, { input: { generation: { allowedModels: [], anthropicApiKey: null } } });
  });

  it('stores base64 images of each type (by their bytes) and URLs in order, with the session', async () => {
    const started = await graphql(app, tenant.live, START, {
      input: {
        projectId,
        prompt: 'Make it look like these',
        attachments: [
          { data: PNG.toString('base64') },
          { data: `data:image/png;base64,${JPEG.toString('base64')}` }, // the bytes decide, not the label
          { data: GIF.toString('base64').replace(/(.{8})/g, '$1\n') },
          { data: WEBP.toString('base64') },
          { url: 'https://images.example.com/mock.png?sig=1#top' },
        ],
      },
    });
    expect(started.errors).toBeUndefined();
    expect(started.data.startSession.attachments).toEqual([
      { mediaType: 'image/png', size: PNG.length, url: null },
      { mediaType: 'image/jpeg', size: JPEG.length, url: null },
      { mediaType: 'image/gif', size: GIF.length, url: null },
      { mediaType: 'image/webp', size: WEBP.length, url: null },
      { mediaType: null, size: null, url: 'https://images.example.com/mock.png?sig=1' },
    ]);
    const stored = await readSessionAttachments(database().prisma, decodeIdOf('Session', started.data.startSession.id)!);
    expect(stored.map((attachment) => attachment.data)).toEqual([PNG, JPEG, GIF, WEBP].map((bytes) => bytes.toString('base64')).concat([null as never]));
  });

  it('refuses too many, too large, mistyped or malformed images and bad URLs, writing nothing', async () => {
    const count = await sessionCount();
    const attachmentCount = await database().prisma.sessionAttachment.count();
    const png = { data: PNG.toString('base64') };
    const big = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]).toString('base64');
    const cases: Array<[unknown[], string]> = [
      [[png, png, png, png, png, png], 'input.attachments: at most 5 images (got 6)'],
      [[png, { data: big }], 'input.attachments.1.data: the image is larger than 5242880 bytes (5 MB)'],
      [[{ data: Buffer.from('%PDF-1.7 not an image').toString('base64') }], 'input.attachments.0.data: is not a PNG, JPEG, WebP or GIF image (judged by its bytes)'],
      [[{ data: 'this is not base64!' }], 'input.attachments.0.data: is not base64'],
      [[{ data: PNG.toString('base64'), url: 'https://images.example.com/a.png' }], 'input.attachments.0: give exactly one of `data` (base64) or `url`'],
      [[{}], 'input.attachments.0: give exactly one of `data` (base64) or `url`'],
      [[{ url: 'http://images.example.com/a.png' }], 'input.attachments.0.url: must be an https:// URL'],
      [[{ url: 'https://user:pw@images.example.com/a.png' }], 'input.attachments.0.url: must not contain credentials'],
      [[{ url: 'https://127.0.0.1/a.png' }], 'input.attachments.0.url: images are fetched from public addresses only (127.0.0.1 is loopback)'],
      [[{ url: 'https://169.254.169.254/latest/meta-data' }], 'input.attachments.0.url: images are fetched from public addresses only (169.254.169.254 is link-local)'],
      [[{ url: 'https://localhost/a.png' }], 'input.attachments.0.url: images are fetched from public addresses only (localhost is loopback)'],
      [[{ url: 'not a url' }], 'input.attachments.0.url: is not a URL'],
    ];
    for (const [attachments, message] of cases) {
      const response = await graphql(app, tenant.live, START, { input: { projectId, prompt: 'A page', attachments } });
      expect(errorCode(response), message).toBe('BAD_USER_INPUT');
      expect(response.errors![0]!.message, message).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    expect(await sessionCount()).toBe(count);
    expect(await database().prisma.sessionAttachment.count()).toBe(attachmentCount);
  });

  it('replays a session for the same idempotency key and images, and refuses the key with other images', async () => {
    const input = { projectId, prompt: 'Same', attachments: [{ data: PNG.toString('base64') }], idempotencyKey: 'gen-control-images-1' };
    const first = await graphql(app, tenant.live, START, { input });
    const again = await graphql(app, tenant.live, START, { input });
    expect(again.data.startSession.id).toBe(first.data.startSession.id);
    const other = await graphql(app, tenant.live, START, { input: { ...input, attachments: [{ data: JPEG.toString('base64') }] } });
    expect(errorCode(other)).toBe('IDEMPOTENCY_CONFLICT');
  });
});
