import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { createTestTenant, type TestTenant } from '../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../test-support/databases.js';
import { startFakeGitHub, type FakeGitHub } from '../../test-support/fake-github.js';
import { startTestPlatform, type TestPlatform } from '../../test-support/platform.js';
import { ApiError, EverJust, NotFoundError, ValidationError, type ImportResult } from '../src/index.js';

/** `uploads.create` and `projects.import` against a real API server and worker (PGlite), GitHub faked. */

describe('uploads.create and projects.import', () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let github: FakeGitHub;
  let tenant: TestTenant;
  let everjust: EverJust;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    github = await startFakeGitHub();
    platform = await startTestPlatform(database, { environment: { GITHUB_API_URL: github.url, EVERJUST_UPLOAD_MAX_BYTES: '100000' } });
    tenant = await createTestTenant(database);
    everjust = new EverJust({ apiKey: tenant.test, baseUrl: platform.url });
    github.addRepository('octocat', 'hello');
    github.setFiles('octocat', 'hello', 'main', { 'index.html': '<h1>hello</h1>', 'node_modules/a.js': 'x' });
  });
  afterAll(async () => {
    await platform?.stop();
    await github?.close();
    await database?.close();
  });

  it('imports a GitHub repository, with the result in finalResult()', async () => {
    const session = await everjust.projects.import({ source: { github: { owner: 'octocat', repo: 'hello' } }, name: 'Hello' });
    expect(session).toMatchObject({ kind: 'import', status: expect.stringMatching(/^(queued|running|succeeded|failed)$/) });
    const result = await everjust.sessions.stream(session.id).finalResult();
    expect(result.status).toBe('succeeded');
    expect(result.files.map((file) => file.path)).toEqual(['index.html']);
    const imported = result.result as unknown as ImportResult;
    expect(imported).toMatchObject({ imported: 1, skipped: 1, skippedFiles: [{ path: 'node_modules/', files: 1 }] });
    expect((await everjust.projects.get(session.project.id)).name).toBe('Hello');
  });

  it('uploads a ZIP (a Uint8Array or an ArrayBuffer) and imports it; refusals are typed errors', async () => {
    const archive = zipSync({ 'app/index.html': new TextEncoder().encode('<p>zip</p>') });
    const upload = await everjust.uploads.create(archive, { filename: 'my app.zip' });
    expect(upload).toMatchObject({ object: 'upload', filename: 'my app.zip', size: archive.length });
    const session = await everjust.projects.import({ source: { archiveUploadId: upload.id }, name: 'Zipped' });
    const result = await everjust.sessions.stream(session.id).finalResult();
    // A ZIP of one folder: its files become the project's root.
    expect(result.files.map((file) => [file.path, file.content, file.binary])).toEqual([['index.html', '<p>zip</p>', false]]);
    expect(result.result).toMatchObject({ source: { upload: { filename: 'my app.zip', strippedFolder: 'app/' } } });

    const notZip = await everjust.uploads.create(new TextEncoder().encode('plain text').buffer as ArrayBuffer);
    const refused = await everjust.projects.import({ source: { archiveUploadId: notZip.id }, name: 'Nope' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).extensions.reason).toBe('NOT_A_ZIP');

    const tooLarge = await everjust.uploads.create(new Uint8Array(100_001)).catch((error: unknown) => error);
    expect(tooLarge).toBeInstanceOf(ApiError);
    expect(tooLarge).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });

    const stranger = new EverJust({ apiKey: (await createTestTenant(database, { name: 'Stranger' })).test, baseUrl: platform.url });
    await expect(stranger.projects.import({ source: { archiveUploadId: upload.id }, name: 'Theirs' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
