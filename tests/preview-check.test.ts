import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, decodeIdOf, signScreenshotToken } from '@everjust/core';
import { localSandboxRoot } from '@everjust/worker';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';
import { CHROMIUM, chromiumMissing } from '../test-support/widget.js';

/**
 * Check before done (issue 14, point 3): with EVERJUST_BROWSER, the preview step loads the preview the
 * end user gets (here test mode's static preview, on the preview origin) in headless Chromium and emits
 * `preview_checked` with what went wrong and a signed screenshot link. The offline generator's `#broken`
 * hook makes an app that throws at load, so the check has an error to find; a plain prompt's app has none.
 */

const EVENTS = `subscription($sessionId: ID!, $afterSeq: Int) { sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { ${EVENT_FIELDS}
  ... on PreviewReadyEvent { url }
  ... on PreviewCheckedEvent { errors { kind message source line } screenshotUrl } } }`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Runs an offline (test-mode) session of a new project to its end: its events. */
async function runSession(platform: TestPlatform, key: string, prompt: string) {
  const created = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Checked" }) { id } }');
  const projectId = created.data.createProject.id as string;
  const started = await graphql(platform.app, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId, prompt } });
  expect(started.errors).toBeUndefined();
  const sessionId = started.data.startSession.id as string;
  const { events, completed } = await subscribeSse(platform.url, key, EVENTS, { sessionId });
  expect(completed).toBe(true);
  return { sessionId, projectId, events };
}

async function fetchPng(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

describeEachDatabase(`the preview check in headless Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    if (chromiumMissing) return;
    platform = await startTestPlatform(database(), { environment: { EVERJUST_SANDBOX: 'static', EVERJUST_BROWSER: CHROMIUM } });
    tenant = await createTestTenant(database());
  }, 60_000);
  afterAll(async () => platform?.stop());

  it.skipIf(Boolean(chromiumMissing))('finds the error a #broken app throws at load, with a signed screenshot that serves a PNG; a forged or expired link is a 404', async () => {
    const { sessionId, events } = await runSession(platform, tenant.test, 'A tally counter #broken');
    const types = events.map((event) => event.type);
    // After the preview is ready, before done; the session is not failed by what the check found.
    expect(types.indexOf('preview_checked')).toBeGreaterThan(types.indexOf('preview_ready'));
    expect(types.indexOf('preview_checked')).toBeLessThan(types.indexOf('done'));
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });

    const checked = events.find((event) => event.type === 'preview_checked');
    const thrown = checked.errors.filter((error: any) => error.kind === 'error');
    expect(thrown).toEqual([{ kind: 'error', message: 'The app failed to start (#broken test hook)', source: '/app.js', line: 2 }]);
    // Sources are paths under the preview link: its token is a credential and stays out of the log.
    const previewToken = new URL(events.find((event) => event.type === 'preview_ready').url).pathname.split('/')[2]!;
    expect(JSON.stringify(checked)).not.toContain(previewToken);

    const screenshot = await fetchPng(checked.screenshotUrl);
    expect(screenshot.status).toBe(200);
    expect(screenshot.type).toBe('image/png');
    expect(screenshot.body.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(screenshot.body.length).toBeGreaterThan(1000);

    // Session.screenshotUrl signs a fresh link to the same PNG.
    const session = await graphql(platform.app, tenant.test, 'query($id: ID!) { session(id: $id) { screenshotUrl } }', { id: sessionId });
    expect(session.errors).toBeUndefined();
    const fresh = await fetchPng(session.data.session.screenshotUrl);
    expect(fresh.status).toBe(200);
    expect(fresh.body.equals(screenshot.body)).toBe(true);

    const token = /\/v1\/screenshots\/([^/]+)\.png$/.exec(checked.screenshotUrl)![1]!;
    const [body, signature] = token.split('.') as [string, string];
    const base = checked.screenshotUrl.slice(0, checked.screenshotUrl.indexOf('/v1/screenshots/'));
    const secret = platform.app.services.secret;
    const rowId = decodeIdOf('Session', sessionId)!;
    const refused = [
      `${body}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`, // forged signature
      `${Buffer.from(JSON.stringify({ s: rowId, e: 4_102_444_800 })).toString('base64url')}.${signature}`, // another expiry, same signature
      signScreenshotToken(secret, { sessionId: rowId, expiresAt: Math.floor(Date.now() / 1000) - 1 }), // expired
      previewToken, // a preview token is no screenshot token
    ];
    for (const bad of refused) {
      const answer = await fetchPng(`${base}/v1/screenshots/${bad}.png`);
      expect(answer.status, bad).toBe(404);
      expect(answer.type).not.toBe('image/png');
    }
  }, 120_000);

  it.skipIf(Boolean(chromiumMissing))("finds nothing wrong with a clean app's preview", async () => {
    const { events } = await runSession(platform, tenant.test, 'A tally counter');
    const checked = events.find((event) => event.type === 'preview_checked');
    expect(checked).toBeTruthy();
    expect(checked.errors).toEqual([]);
    expect((await fetchPng(checked.screenshotUrl)).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  }, 120_000);
});

describeEachDatabase(`the preview check of a proxied local preview${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let dataDir: string;

  beforeAll(async () => {
    if (chromiumMissing) return;
    dataDir = mkdtempSync(join(tmpdir(), 'everjust-check-'));
    chmodSync(dataDir, 0o755);
    platform = await startTestPlatform(database(), {
      environment: { EVERJUST_SANDBOX: 'local', EVERJUST_DATA_DIR: dataDir, EVERJUST_PREVIEW_WAIT_MS: '20000', EVERJUST_BROWSER: CHROMIUM },
    });
    tenant = await createTestTenant(database());
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    if (dataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(localSandboxRoot(dataDir), { recursive: true, force: true });
    }
  });

  it.skipIf(Boolean(chromiumMissing))('loads the app through the preview proxy, as the end user does, and finds the #broken error', async () => {
    // A live key: the local sandbox, its app served by a process on a localhost port, proxied.
    const { events } = await runSession(platform, tenant.live, 'A pomodoro timer #broken');
    const ready = events.find((event) => event.type === 'preview_ready');
    expect(ready.url.startsWith(`${platform.url}/preview/`)).toBe(true);
    const checked = events.find((event) => event.type === 'preview_checked');
    expect(checked.errors.filter((error: any) => error.kind === 'error')).toEqual([{ kind: 'error', message: 'The app failed to start (#broken test hook)', source: '/app.js', line: 2 }]);
    expect((await fetchPng(checked.screenshotUrl)).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
  }, 120_000);
});

describeEachDatabase('a preview check that cannot run', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let logs = '';

  beforeAll(async () => {
    // An executable that is no browser: the launch fails, as a crash would.
    const destination = new Writable({ write: (chunk, _encoding, callback) => void ((logs += String(chunk)), callback()) });
    platform = await startTestPlatform(database(), {
      environment: { EVERJUST_SANDBOX: 'static', EVERJUST_BROWSER: '/bin/true', EVERJUST_LOG_LEVEL: 'warn' },
      logger: createLogger({ level: 'warn', destination }),
    });
    tenant = await createTestTenant(database());
  }, 60_000);
  afterAll(async () => platform?.stop());

  it('is logged and emits nothing: the preview stays ready and the session succeeds', async () => {
    const { sessionId, events } = await runSession(platform, tenant.test, 'A tally counter #broken');
    const types = events.map((event) => event.type);
    expect(types).toContain('preview_ready');
    expect(types).not.toContain('preview_checked');
    expect(types).not.toContain('preview_failed');
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded' });
    const session = await graphql(platform.app, tenant.test, 'query($id: ID!) { session(id: $id) { screenshotUrl } }', { id: sessionId });
    expect(session.data.session.screenshotUrl).toBeNull();
    const warning = logs.split('\n').filter(Boolean).map((line) => JSON.parse(line)).find((entry) => entry.msg?.startsWith('the preview check could not run'));
    expect(warning).toMatchObject({ sessionId: decodeIdOf('Session', sessionId) });
  }, 60_000);
});
