import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { localSandboxRoot } from '@everjust/worker';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../test-support/widget.js';

/**
 * The reporter in a real browser: a local preview (proxied) of an app that logs with console.error,
 * throws at load, rejects a promise and loads a missing image, shown in an iframe of a host page in
 * headless Chromium while a session of the project runs. What the browser saw must come back as
 * `preview_error` events in that session, as `Project.previewErrors`, and as messages to the host page.
 */

const EVENTS = `subscription($sessionId: ID!, $afterSeq: Int) { sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { ${EVENT_FIELDS}
  ... on PreviewReadyEvent { url }
  ... on PreviewErrorEvent { kind message source line column page fingerprint count } } }`;

const BROKEN_APP = [
  {
    path: 'index.html',
    content: '<!doctype html>\n<html>\n<head><title>Broken counter</title></head>\n<body>\n<h1>Counter</h1>\n<img src="missing.png" alt="">\n<script src="reject.js"></script>\n<script src="app.js"></script>\n</body>\n</html>\n',
  },
  // Line 2 throws: the browser must report it with its message and position (not "Script error.").
  { path: 'app.js', content: "console.error('Counter failed to start', { code: 42 });\ndocument.getElementById('count').textContent = '0';\n" },
  { path: 'reject.js', content: "Promise.reject(new Error('async boom'));\n" },
];

describeEachDatabase(`preview errors from a real browser${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let dataDir: string;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (chromiumMissing) return;
    dataDir = mkdtempSync(join(tmpdir(), 'everjust-reporter-'));
    chmodSync(dataDir, 0o755);
    platform = await startTestPlatform(database(), {
      environment: {
        EVERJUST_SANDBOX: 'local',
        EVERJUST_DATA_DIR: dataDir,
        EVERJUST_PREVIEW_WAIT_MS: '20000',
        // The second session must still run when the browser reports: a slow offline stream.
        EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '250',
      },
    });
    tenant = await createTestTenant(database());
    userDataDir = await mkdtemp(join(tmpdir(), 'everjust-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await platform?.stop();
    if (dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(localSandboxRoot(dataDir), { recursive: true, force: true });
    }
  });

  it.skipIf(Boolean(chromiumMissing))('turns console.error, a thrown error, a rejection and a failed load into preview_error events and Project.previewErrors', async () => {
    const created = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Broken" }) { id } }');
    const projectId = created.data.createProject.id as string;
    const written = await graphql(platform.app, tenant.live, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId, files: BROKEN_APP } });
    expect(written.errors).toBeUndefined();
    const previewed = await graphql(platform.app, tenant.live, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId } });
    const { events: previewEvents } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId: previewed.data.startPreview.id });
    const url = previewEvents.find((event) => event.type === 'preview_ready')?.url as string;
    expect(url).toBeTruthy();

    // A session of the project runs while the end user looks at the preview.
    const started = await graphql(platform.app, tenant.live, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId, prompt: 'Fix the counter' } });
    const sessionId = started.data.startSession.id as string;
    await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId }, { until: (event) => event.type === 'text_delta' });

    // The host page (the widget's place) frames the preview and hears its messages.
    const host = `<!doctype html><script>window.heard = []; addEventListener('message', (event) => { if (event.data && event.data.type === 'everjust:preview-error') heard.push(event.data.error); });</script><iframe src="${url}"></iframe>`;
    await page.setContent(host);
    await page.waitForFunction(() => (window as any).heard.length >= 4, undefined, { timeout: 15_000 });
    const heard: any[] = await page.evaluate(() => (window as any).heard);
    expect(heard.map((error) => error.kind).sort()).toEqual(['console.error', 'error', 'resource', 'unhandledrejection']);

    // The session's log, while it still runs: one preview_error per error.
    const logged: any[] = [];
    await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId }, { until: (event) => (event.type === 'preview_error' && logged.push(event) >= 4) || event.type === 'done' });
    const byKind = Object.fromEntries(logged.map((event) => [event.kind, event]));
    expect(Object.keys(byKind).sort()).toEqual(['console.error', 'error', 'resource', 'unhandledrejection']);
    expect(byKind['console.error']).toMatchObject({ message: 'Counter failed to start {"code":42}', page: '/', count: 1 });
    // The app's own script is loaded crossorigin: its error keeps its message and position.
    expect(byKind.error.message).toMatch(/Cannot set properties of null/);
    // URLs are paths under the preview link: its token is a credential (and changes with every link).
    expect(byKind.error.source).toBe('/app.js');
    expect(byKind.error).toMatchObject({ line: 2 });
    expect(byKind.unhandledrejection.message).toBe('async boom');
    expect(byKind.resource).toMatchObject({ message: 'Failed to load img /missing.png', source: '/missing.png' });
    expect(JSON.stringify(logged)).not.toContain(new URL(url).pathname.split('/')[2]); // the token is not in the log

    const listed = await graphql(platform.app, tenant.live, 'query($id: ID!) { project(id: $id) { previewErrors(first: 10) { edges { node { kind message count line source } } } } }', { id: projectId });
    expect(listed.errors).toBeUndefined();
    const nodes = listed.data.project.previewErrors.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.kind).sort()).toEqual(['console.error', 'error', 'resource', 'unhandledrejection']);
    expect(nodes.find((node: any) => node.kind === 'error')).toMatchObject({ line: 2, count: 1 });

    // Loading the page again counts the same errors up, with no new events for this session.
    await page.setContent(host);
    await expect.poll(async () => (await database().prisma.previewError.findMany()).filter((row) => row.kind === 'console.error')[0]?.count, { timeout: 10_000 }).toBe(2);
    await graphql(platform.app, tenant.live, 'mutation($input: CancelSessionInput!) { cancelSession(input: $input) { id } }', { input: { id: sessionId } });
    const { events: all } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId });
    expect(all.filter((event) => event.type === 'preview_error')).toHaveLength(4);
  }, 120_000);
});
