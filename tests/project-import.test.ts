import { afterAll, beforeAll, expect, it } from 'vitest';
import { zipSync, type Zippable } from 'fflate';
import { decodeId, encodeId, previewUrlFor, readProjectFile } from '@everjust/core';
import { unzipSync } from 'fflate';
import { startFakeGitHub, type FakeGitHub } from '../test-support/fake-github.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { createTestTenant, errorCode, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * importProject end to end: the API (the mutation, `POST /v1/uploads`), a worker running the import
 * task, Octokit against the fake GitHub (zipballs on the real wire: 302 to a codeload URL, then the
 * ZIP), on PGlite and PostgreSQL. Small limits here (10 files, 4 kB a file, a 64 kB upload) so every
 * limit is reached with small archives.
 */

const IMPORT_EVENTS = `subscription($sessionId: ID!) {
  sessionEvents(sessionId: $sessionId) {
    seq type
    ... on StatusEvent { status step statusMessage: message }
    ... on FileWrittenEvent { path size sha }
    ... on ErrorEvent { code message retryable }
    ... on DoneEvent { status result error { code message } }
  }
}`;

const TOKEN = 'ghp_importTokenForPrivateRepos0123456';
const FILE_MAX_BYTES = 4096;
const MAX_FILES = 10;
const UPLOAD_MAX_BYTES = 64 * 1024;
/** The first bytes of a PNG, a NUL among them: a binary file. */
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe]);
const SYMLINK_ATTRS = (0o120777 << 16) >>> 0;

const zip = (entries: Zippable) => zipSync(entries, { level: 6 });

describeEachDatabase('importProject', (database) => {
  let platform: TestPlatform;
  let github: FakeGitHub;
  let tenant: TestTenant;
  let other: TestTenant;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    github = await startFakeGitHub({ tokens: { [TOKEN]: 'octocat' } });
    receiver = await startWebhookReceiver();
    platform = await startTestPlatform(database(), {
      environment: {
        GITHUB_API_URL: github.url,
        EVERJUST_FILE_MAX_BYTES: String(FILE_MAX_BYTES),
        EVERJUST_PROJECT_MAX_FILES: String(MAX_FILES),
        EVERJUST_UPLOAD_MAX_BYTES: String(UPLOAD_MAX_BYTES),
        EVERJUST_RATE_LIMITS: 'off',
        EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true',
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: '50',
      },
    });
    tenant = await createTestTenant(database(), { name: 'Importer' });
    other = await createTestTenant(database(), { name: 'Other' });

    github.addRepository('octocat', 'site');
    github.setFiles('octocat', 'site', 'main', {
      'index.html': '<!doctype html><h1>Hi</h1>',
      'src/app.js': 'console.log("hi")\n',
      'src/build/keep.txt': 'a folder named build below src is skipped too\n',
      'logo.png': PNG,
      'node_modules/left-pad/index.js': 'module.exports = 1',
      'node_modules/left-pad/package.json': '{}',
      '.git/HEAD': 'ref: refs/heads/main',
      'dist/bundle.js': 'built',
      '.next/cache.json': '{}',
      'big.txt': 'x'.repeat(FILE_MAX_BYTES + 1),
      'link-to-index': { symlink: 'index.html' },
      'packages/web/index.html': '<p>web</p>',
      'packages/web/dist/out.js': 'built',
    });
    github.addRepository('octocat', 'secret', { private: true });
    github.setFiles('octocat', 'secret', 'main', { 'README.md': '# secret\n' });
    github.addRepository('octocat', 'many');
    github.setFiles('octocat', 'many', 'main', Object.fromEntries(Array.from({ length: MAX_FILES + 3 }, (_, index) => [`deep/f-${String(index).padStart(2, '0')}.txt`, `${index}`]).concat([['package.json', '{}']])));
  });
  afterAll(async () => {
    await platform?.stop();
    await github?.close();
    await receiver?.close();
  });

  async function startImport(input: Record<string, unknown>, key = tenant.test) {
    return graphql(platform.app, key, `mutation($input: ImportProjectInput!) { importProject(input: $input) { id kind status project { id name } } }`, { input });
  }

  /** Starts an import and reads its events to the end. */
  async function runImport(input: Record<string, unknown>, key = tenant.test) {
    const started = await startImport(input, key);
    expect(started.errors).toBeUndefined();
    // The worker may have taken it already by the time the mutation reads the session back.
    expect(started.data.importProject).toMatchObject({ kind: 'import', status: expect.stringMatching(/^(queued|running|succeeded|failed)$/) });
    const { id: sessionId, project } = started.data.importProject;
    const stream = await subscribeSse(platform.url, key, IMPORT_EVENTS, { sessionId });
    expect(stream.errors).toBeUndefined();
    expect(stream.completed).toBe(true);
    const done = stream.events.at(-1);
    return { sessionId, projectId: project.id as string, events: stream.events, done, written: stream.events.filter((event) => event.type === 'file_written') };
  }

  async function filesOf(projectId: string, key = tenant.test) {
    const response = await graphql(platform.app, key, 'query($id: ID!) { project(id: $id) { files { path size content binary } } }', { id: projectId });
    expect(response.errors).toBeUndefined();
    return Object.fromEntries(response.data.project.files.map((file: any) => [file.path, file]));
  }

  async function upload(bytes: Uint8Array, key = tenant.test, init: RequestInit = {}) {
    const response = await fetch(`${platform.url}/v1/uploads?filename=app.zip`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/zip' },
      body: Buffer.from(bytes),
      ...init,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  const projectCount = () => database().prisma.project.count({ where: { tenantId: tenant.id } });

  it('imports a public repository: binary files kept, dependencies, .git, build outputs, symlinks and large files left out with reasons', async () => {
    const { done, written, projectId } = await runImport({ source: { github: { owner: 'octocat', repo: 'site' } }, name: 'Site', externalUserId: 'user-1' });
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });
    const files = await filesOf(projectId);
    expect(Object.keys(files).sort()).toEqual(['index.html', 'logo.png', 'packages/web/index.html', 'src/app.js']);
    expect(written.map((event) => event.path).sort()).toEqual(Object.keys(files).sort());
    expect(files['index.html']).toMatchObject({ content: '<!doctype html><h1>Hi</h1>', binary: false });
    expect(files['logo.png']).toMatchObject({ binary: true, size: PNG.length, content: Buffer.from(PNG).toString('base64') });

    const result = done.result;
    expect(result).toMatchObject({ imported: 4, binary: 1, source: { github: { owner: 'octocat', repo: 'site', ref: 'main' } } });
    const skipped = Object.fromEntries(result.skippedFiles.map((item: any) => [item.path, item]));
    expect(Object.keys(skipped).sort()).toEqual(['.git/', '.next/', 'big.txt', 'dist/', 'link-to-index', 'node_modules/', 'packages/web/dist/', 'src/build/']);
    expect(skipped['node_modules/']).toMatchObject({ files: 2, reason: expect.stringContaining('dependencies') });
    expect(skipped['big.txt'].reason).toContain(`over the ${FILE_MAX_BYTES}-byte limit`);
    expect(skipped['link-to-index'].reason).toBe('a symbolic link');
    expect(result.skipped).toBe(9);
    // Anonymous: no token went to GitHub for a public repository.
    expect(github.requests.filter((request) => request.rawPath.startsWith('/repos/octocat/site')).every((request) => !request.authorization)).toBe(true);
  });

  it('keeps a binary file byte for byte: the static preview serves it, the archive holds it, an export commits it', async () => {
    const logo = await runImport({ source: { github: { owner: 'octocat', repo: 'site' } }, name: 'Logo' });
    const logoProject = decodeId(logo.projectId).id;
    expect((await filesOf(logo.projectId))['logo.png'].binary).toBe(true);
    // The model's read and edit tools are told it is binary, never handed its base64.
    await expect(readProjectFile(database().prisma, logoProject, 'logo.png')).rejects.toThrow('logo.png is a binary file (18 bytes): it cannot be read or edited as text');
    expect(await readProjectFile(database().prisma, logoProject, 'index.html')).toBe('<!doctype html><h1>Hi</h1>');

    const preview = previewUrlFor(platform.app.services.config.previewUrl, platform.app.services.secret, { projectId: logoProject, mode: 'test', expiresAt: Math.floor(Date.now() / 1000) + 60 });
    const served = await fetch(`${preview}logo.png`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);

    const archive = await fetch(`${platform.url}/v1/projects/${logo.projectId}/archive.zip`, { headers: { authorization: `Bearer ${tenant.test}` } });
    expect(archive.status).toBe(200);
    const entries = unzipSync(new Uint8Array(await archive.arrayBuffer()));
    expect(entries['logo.png']).toEqual(PNG);
    expect(new TextDecoder().decode(entries['index.html'])).toBe('<!doctype html><h1>Hi</h1>');

    github.addRepository('octocat', 'exported');
    const exported = await graphql(platform.app, tenant.test, 'mutation($input: ExportToGitHubInput!) { exportToGitHub(input: $input) { id } }', {
      input: { projectId: logo.projectId, owner: 'octocat', repo: 'exported', token: TOKEN },
    });
    expect(exported.errors).toBeUndefined();
    const stream = await subscribeSse(platform.url, tenant.test, IMPORT_EVENTS, { sessionId: exported.data.exportToGitHub.id });
    expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const repository = github.repositories.get('octocat/exported')!;
    const tree = repository.trees.get(repository.commits.get(repository.refs.get('main')!)!.tree)!;
    expect(repository.rawBlobs.get(tree.get('logo.png')!)?.bytes).toEqual(PNG);
    expect(github.files('octocat', 'exported', 'main')!.get('index.html')).toBe('<!doctype html><h1>Hi</h1>');
  });

  it('imports one folder of a repository as the project root, and fails clearly when the folder is not there', async () => {
    const { done, projectId } = await runImport({ source: { github: { owner: 'octocat', repo: 'site', ref: 'main', path: 'packages/web' } }, name: 'Web' });
    expect(done).toMatchObject({ status: 'succeeded', result: { imported: 1, skipped: 1 } });
    expect(Object.keys(await filesOf(projectId))).toEqual(['index.html']);

    const missing = await runImport({ source: { github: { owner: 'octocat', repo: 'site', path: 'packages/nope' } }, name: 'Nope' });
    expect(missing.done).toMatchObject({ status: 'failed', error: { code: 'IMPORT_PATH_NOT_FOUND', message: expect.stringContaining('packages/nope') } });
    const traversal = await startImport({ source: { github: { owner: 'octocat', repo: 'site', path: '../etc' } }, name: 'Bad' });
    expect(errorCode(traversal)).toBe('BAD_USER_INPUT');
  });

  it('raises session webhooks for imports (session.started, session.succeeded and session.failed, with the result)', async () => {
    const hooks = await createTestTenant(database(), { name: 'Hooks' });
    const endpoint = await graphql(platform.app, hooks.test, 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }', {
      input: { url: `${receiver.url}/imports`, events: ['SESSION_STARTED', 'SESSION_SUCCEEDED', 'SESSION_FAILED'] },
    });
    expect(endpoint.errors).toBeUndefined();
    const ok = await runImport({ source: { github: { owner: 'octocat', repo: 'site', path: 'packages/web' } }, name: 'Hooked' }, hooks.test);
    const missing = await runImport({ source: { github: { owner: 'octocat', repo: 'nowhere' } }, name: 'Hooked missing' }, hooks.test);
    const forSession = (all: Array<{ event: any }>, sessionId: string, type: string) => all.find((item) => item.event.type === type && item.event.data.sessionId === sessionId);
    const received = await receiver.waitFor((all) => Boolean(forSession(all, ok.sessionId, 'session.succeeded') && forSession(all, missing.sessionId, 'session.failed') && forSession(all, ok.sessionId, 'session.started')));
    expect(forSession(received, ok.sessionId, 'session.succeeded')!.event.data).toMatchObject({ sessionKind: 'import', projectId: ok.projectId, result: { imported: 1, skipped: 1 } });
    expect(forSession(received, missing.sessionId, 'session.failed')!.event.data).toMatchObject({ sessionKind: 'import', error: { code: 'GITHUB_NOT_FOUND' } });
  });

  it('cancels an import while it downloads: the session ends cancelled, nothing written', async () => {
    const release = github.hold(/^\/_codeload\/octocat\/site\//);
    const downloads = () => github.requests.filter((request) => request.rawPath.startsWith('/_codeload/octocat/site/')).length;
    const before = downloads();
    try {
      const started = await startImport({ source: { github: { owner: 'octocat', repo: 'site' } }, name: 'Cancelled' });
      const { id: sessionId, project } = started.data.importProject;
      // The worker is in the download (its request arrived and waits): the cancel must abort it.
      for (let waited = 0; downloads() === before; waited += 20) {
        if (waited > 10_000) throw new Error('the download never started');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const cancelled = await graphql(platform.app, tenant.test, 'mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id } }', { input: { id: sessionId } });
      expect(cancelled.errors).toBeUndefined();
      const stream = await subscribeSse(platform.url, tenant.test, IMPORT_EVENTS, { sessionId });
      expect(stream.events.at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
      expect(stream.events.filter((event) => event.type === 'file_written')).toHaveLength(0);
      expect(await filesOf(project.id)).toEqual({});
    } finally {
      release();
    }
  });

  it('keeps the shallowest files up to the project limit and lists the rest', async () => {
    const { done, projectId } = await runImport({ source: { github: { owner: 'octocat', repo: 'many' } }, name: 'Many' });
    expect(done).toMatchObject({ status: 'succeeded', result: { imported: MAX_FILES, skipped: 4 } });
    const files = Object.keys(await filesOf(projectId));
    expect(files).toContain('package.json');
    expect(files).toHaveLength(MAX_FILES);
    expect(done.result.skippedFiles.map((item: any) => item.path)).toEqual(['deep/f-09.txt', 'deep/f-10.txt', 'deep/f-11.txt', 'deep/f-12.txt']);
    expect(done.result.skippedFiles[0].reason).toBe(`over the ${MAX_FILES}-file limit of a project`);
  });

  it('imports a private repository with a token (passed, or the live tenant’s stored one), and fails clearly without one or for a missing repository', async () => {
    const anonymous = await runImport({ source: { github: { owner: 'octocat', repo: 'secret' } }, name: 'No token' });
    expect(anonymous.done).toMatchObject({ status: 'failed', error: { code: 'GITHUB_NOT_FOUND' } });
    expect(anonymous.done.error.message).toContain('octocat/secret does not exist, or it is private');
    expect(await filesOf(anonymous.projectId)).toEqual({});

    const passed = await runImport({ source: { github: { owner: 'octocat', repo: 'secret', token: TOKEN } }, name: 'Passed token' });
    expect(passed.done.status).toBe('succeeded');
    expect(Object.keys(await filesOf(passed.projectId))).toEqual(['README.md']);
    expect(JSON.stringify(passed.events)).not.toContain(TOKEN);

    const stored = await graphql(platform.app, tenant.live, `mutation { setGitHubToken(input: { token: "${TOKEN}" }) { gitHubTokenSet } }`);
    expect(stored.data.setGitHubToken.gitHubTokenSet).toBe(true);
    const live = await runImport({ source: { github: { owner: 'octocat', repo: 'secret' } }, name: 'Stored token' }, tenant.live);
    expect(live.done.status).toBe('succeeded');
    // The stored token is a live credential: test mode never borrows it.
    const test = await runImport({ source: { github: { owner: 'octocat', repo: 'secret' } }, name: 'Test mode' });
    expect(test.done).toMatchObject({ status: 'failed', error: { code: 'GITHUB_NOT_FOUND' } });

    const missing = await runImport({ source: { github: { owner: 'octocat', repo: 'does-not-exist', token: TOKEN } }, name: 'Missing' });
    expect(missing.done).toMatchObject({ status: 'failed', error: { code: 'GITHUB_NOT_FOUND' } });
    expect(missing.done.error.message).toContain('octocat/does-not-exist does not exist');
    const badRef = await runImport({ source: { github: { owner: 'octocat', repo: 'site', ref: 'no-such-branch' } }, name: 'Bad ref' });
    expect(badRef.done.error).toMatchObject({ code: 'GITHUB_NOT_FOUND', message: expect.stringContaining('"no-such-branch"') });
  });

  it('uploads a ZIP and imports it (idempotently), with the same limits and skips', async () => {
    const archive = zip({
      'index.html': new TextEncoder().encode('<h1>zip</h1>'),
      'img/logo.png': PNG,
      'node_modules/x/index.js': new TextEncoder().encode('x'),
      'big.bin': new Uint8Array(FILE_MAX_BYTES + 1).fill(7),
      'empty-folder/': new Uint8Array(0),
    });
    const uploaded = await upload(archive);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ object: 'upload', filename: 'app.zip', contentType: 'application/zip', size: archive.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Date.parse(uploaded.body.expiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);

    // The same archive as a multipart form's `file` part (curl -F file=@app.zip), named by the part.
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(archive)], { type: 'application/zip' }), 'from-form.zip');
    const multipart = await fetch(`${platform.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${tenant.test}` }, body: form });
    expect(multipart.status).toBe(201);
    expect(await multipart.json()).toMatchObject({ filename: 'from-form.zip', contentType: 'application/zip', size: archive.length, sha256: uploaded.body.sha256 });
    const noFile = new FormData();
    noFile.append('other', 'x');
    expect((await fetch(`${platform.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${tenant.test}` }, body: noFile })).status).toBe(400);

    const input = { source: { archiveUploadId: uploaded.body.id }, name: 'Zipped', idempotencyKey: 'zip-import-1' };
    const { done, projectId, sessionId, written } = await runImport(input);
    expect(done).toMatchObject({ status: 'succeeded', result: { imported: 2, skipped: 2, binary: 1, source: { upload: { filename: 'app.zip' } } } });
    expect(written).toHaveLength(2);
    expect(await filesOf(projectId)).toMatchObject({ 'index.html': { content: '<h1>zip</h1>' }, 'img/logo.png': { binary: true } });
    const again = await startImport(input);
    expect(again.data.importProject.id).toBe(sessionId);
  });

  it('refuses archives that are not ZIPs, zip bombs, paths that escape, and symbolic links: nothing made, the reason given', async () => {
    const before = await projectCount();
    const cases: Array<[string, Uint8Array, string]> = [
      ['not a zip', new TextEncoder().encode('just some text, no archive here'), 'NOT_A_ZIP'],
      ['bomb by ratio', zip({ 'zeros.txt': new Uint8Array(4 * 1024 * 1024) }), 'ZIP_BOMB'],
      ['parent', zip({ '../evil.txt': new TextEncoder().encode('x') }), 'UNSAFE_PATH'],
      ['nested parent', zip({ 'a/../../evil.txt': new TextEncoder().encode('x') }), 'UNSAFE_PATH'],
      ['backslash parent', zip({ '..\\evil.txt': new TextEncoder().encode('x') }), 'UNSAFE_PATH'],
      ['absolute', zip({ '/etc/passwd': new TextEncoder().encode('x') }), 'UNSAFE_PATH'],
      ['drive letter', zip({ 'C:/Windows/evil.txt': new TextEncoder().encode('x') }), 'UNSAFE_PATH'],
      ['symlink', zip({ 'index.html': new TextEncoder().encode('ok'), 'link': [new TextEncoder().encode('/etc/passwd'), { os: 3, attrs: SYMLINK_ATTRS }] }), 'SYMLINK'],
    ];
    for (const [name, bytes, reason] of cases) {
      const uploaded = await upload(bytes);
      expect(uploaded.status, name).toBe(201);
      const refused = await startImport({ source: { archiveUploadId: uploaded.body.id }, name });
      expect(errorCode(refused), name).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions.reason, name).toBe(reason);
      expect(refused.errors![0].message, name).toContain('the archive is refused');
    }
    expect(await projectCount()).toBe(before);
  });

  it('fails an archive whose entry inflates past its declared size (a lying zip bomb) and writes nothing', async () => {
    const archive = zip({ 'a.txt': new TextEncoder().encode('fine'), 'zeros.txt': new Uint8Array(3000) });
    // Declare 100 bytes for zeros.txt in both headers: the directory check passes, the inflater stops it.
    const view = new DataView(archive.buffer);
    for (let offset = 0; offset < archive.length - 4; offset++) {
      const signature = view.getUint32(offset, true);
      const nameAt = signature === 0x04034b50 ? offset + 30 : signature === 0x02014b50 ? offset + 46 : -1;
      if (nameAt < 0 || new TextDecoder().decode(archive.subarray(nameAt, nameAt + 9)) !== 'zeros.txt') continue;
      view.setUint32(offset + (signature === 0x04034b50 ? 22 : 24), 100, true);
    }
    const uploaded = await upload(archive);
    const { done, projectId, written } = await runImport({ source: { archiveUploadId: uploaded.body.id }, name: 'Liar' });
    expect(done).toMatchObject({ status: 'failed', error: { code: 'IMPORT_ZIP_BOMB', message: expect.stringContaining('zeros.txt inflates past the 100 bytes') } });
    expect(written).toHaveLength(0);
    expect(await filesOf(projectId)).toEqual({});
  });

  it('answers an upload over the limit with 413 PAYLOAD_TOO_LARGE, declared or streamed', async () => {
    const tooLarge = new Uint8Array(UPLOAD_MAX_BYTES + 1);
    const declared = await upload(tooLarge);
    expect(declared.status).toBe(413);
    expect(declared.body.errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', limit: UPLOAD_MAX_BYTES });
    // No Content-Length: a stream, counted as it arrives.
    const chunks = [new Uint8Array(UPLOAD_MAX_BYTES / 2), new Uint8Array(UPLOAD_MAX_BYTES / 2), new Uint8Array(16)];
    const streamed = await upload(new Uint8Array(0), tenant.test, {
      body: new ReadableStream({ pull: (controller) => (chunks.length ? controller.enqueue(chunks.shift()!) : controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await database().prisma.upload.count({ where: { tenantId: tenant.id, size: { gt: UPLOAD_MAX_BYTES } } })).toBe(0);

    const unauthenticated = await fetch(`${platform.url}/v1/uploads`, { method: 'POST', body: 'x' });
    expect(unauthenticated.status).toBe(401);
    const readOnly = await graphql(platform.app, tenant.test, `mutation { createApiKey(input: { name: "read only", scopes: [PROJECTS_READ] }) { secret } }`);
    const refused = await upload(zip({ 'a.txt': new Uint8Array(1) }), readOnly.data.createApiKey.secret);
    expect(refused.status).toBe(403);
  });

  it("holds imports to the tenant's storage limit: an upload's at the start (nothing made), a repository's once downloaded (nothing written)", async () => {
    const small = await createTestTenant(database(), { name: 'Small' });
    await database().prisma.tenant.update({ where: { id: small.id }, data: { limitOverrides: { storageBytes: 20 } } });
    const archive = zip({ 'a.txt': new TextEncoder().encode('x'.repeat(21)) });
    const uploaded = await upload(archive, small.test);
    const refused = await startImport({ source: { archiveUploadId: uploaded.body.id }, name: 'Too big' }, small.test);
    expect(errorCode(refused)).toBe('QUOTA_EXCEEDED');
    expect(await database().prisma.project.count({ where: { tenantId: small.id } })).toBe(0);
    const fits = await upload(zip({ 'a.txt': new TextEncoder().encode('x'.repeat(20)) }), small.test);
    expect((await runImport({ source: { archiveUploadId: fits.body.id }, name: 'Fits' }, small.test)).done.status).toBe('succeeded');

    const fromGitHub = await runImport({ source: { github: { owner: 'octocat', repo: 'secret', token: TOKEN } }, name: 'Over' }, small.test);
    expect(fromGitHub.done).toMatchObject({ status: 'failed', error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('20-byte limit') } });
    expect(await filesOf(fromGitHub.projectId, small.test)).toEqual({});
  });

  it("answers another tenant's upload, the other mode's, an expired one and a made-up id with NOT_FOUND", async () => {
    const archive = zip({ 'a.txt': new TextEncoder().encode('a') });
    const theirs = await upload(archive, other.test);
    const live = await upload(archive, tenant.live);
    const expired = await upload(archive);
    await database().prisma.upload.update({ where: { id: Buffer.from(expired.body.id, 'base64url').toString().split(':')[1] }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const before = await projectCount();
    for (const id of [theirs.body.id, live.body.id, expired.body.id, encodeId('Upload', '00000000-0000-7000-8000-000000000000'), encodeId('Project', '00000000-0000-7000-8000-000000000000')]) {
      const refused = await startImport({ source: { archiveUploadId: id }, name: 'Not mine' });
      expect(errorCode(refused), id).toBe('NOT_FOUND');
    }
    expect(await projectCount()).toBe(before);
    const both = await startImport({ source: { archiveUploadId: theirs.body.id, github: { owner: 'octocat', repo: 'site' } }, name: 'Both' });
    expect(errorCode(both)).toBe('BAD_USER_INPUT');
  });
});
