import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmbedServer, type EmbedServer } from '@everjust/example-embed';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';
import { repoRoot } from '../test-support/processes.js';
import { buildWidget, CHROMIUM, CHROMIUM_ARGS, chromiumMissing, widgetScriptPath } from '../test-support/widget.js';

/**
 * `<everjust-builder>` end to end, in headless Chromium: the example site (its own origin) loads the
 * script-tag bundle and mints tokens with its secret key; the widget talks to a real API with an
 * in-process worker (test mode: offline generator, static preview).
 */

const screenshotPath = join(repoRoot, 'test-artifacts', 'widget.png');

describe.skipIf(Boolean(chromiumMissing))(`<everjust-builder> in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let embed: EmbedServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const built = buildWidget();
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, {
      environment: {
        // Test mode gets the static preview; a slower stream makes it visibly live (and cancellable).
        EVERJUST_SANDBOX: 'static',
        EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '40',
        // Not embedded: no origin is allowed by default, so the tenant's allowlist is what lets the page in.
        DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
        EVERJUST_SECRET: 'widget-browser-test-secret-of-32-characters',
      },
    });
    tenant = await createTestTenant(database);
    // The page as it was before deploys: no optional feature until a test turns one on.
    embed = await startEmbedServer({ apiUrl: platform.url, apiKey: tenant.test, features: '' });
    const allowed = await graphql(platform.app, tenant.live, 'mutation($origins: [String!]!) { updateTenant(input: { allowedOrigins: $origins }) { allowedOrigins } }', { origins: [embed.url] });
    expect(allowed.data.updateTenant.allowedOrigins).toEqual([embed.url]);
    await built;
    userDataDir = await mkdtemp(join(tmpdir(), 'everjust-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1200 } });
    page = context.pages()[0] ?? (await context.newPage());
    // Every widget event the host page hears, in order.
    await page.addInitScript(() => {
      const seen: Array<{ type: string; detail: any }> = [];
      (window as any).widgetEvents = seen;
      for (const type of ['everjust:ready', 'everjust:session-started', 'everjust:event', 'everjust:session-ended', 'everjust:version-restored', 'everjust:preview-error', 'everjust:error']) {
        document.addEventListener(type, (event) => seen.push({ type, detail: (event as CustomEvent).detail }));
      }
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await embed?.close();
    await platform?.stop();
    await database?.close();
  });

  const events = (type?: string): Promise<Array<{ type: string; detail: any }>> =>
    page.evaluate((wanted) => (window as any).widgetEvents.filter((event: { type: string }) => !wanted || event.type === wanted), type);
  const waitForEvents = (type: string, count: number) =>
    page.waitForFunction(([wanted, n]) => (window as any).widgetEvents.filter((event: { type: string }) => event.type === wanted).length >= (n as number), [type, count] as const, { timeout: 30_000 });

  it('loads from a script tag on another origin, builds what is typed, streams it, and shows the app in the preview', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(embed.url);
    const widget = page.locator('everjust-builder');
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    const [ready] = await events('everjust:ready');
    expect(ready.detail.projectId).toMatch(/^[\w-]+$/);

    // Labelled controls, found the way assistive technology finds them (through the shadow root).
    const prompt = page.getByLabel('Describe the app to build');
    await expect(prompt.isEnabled()).resolves.toBe(true);
    await expect(page.getByRole('log', { name: 'Conversation' }).getAttribute('aria-live')).resolves.toBe('polite');
    expect(await accessibilityViolations(page), 'ready, empty').toEqual([]);

    // Shift+Enter is a new line, not a send.
    await prompt.fill('Landing page for my bakery');
    await prompt.press('Shift+Enter');
    expect(await prompt.inputValue()).toBe('Landing page for my bakery\n');
    expect(await events('everjust:session-started')).toEqual([]);
    await prompt.fill('Landing page for my bakery');
    await prompt.press('Enter');

    await waitForEvents('everjust:session-started', 1);
    const [started] = await events('everjust:session-started');
    expect(started.detail).toMatchObject({ projectId: ready.detail.projectId, kind: 'generate', prompt: 'Landing page for my bakery' });
    await page.waitForSelector('everjust-builder[state="running"]');
    // Live: text arrives while the session is still running.
    await page.waitForFunction(() => document.querySelector('everjust-builder')!.shadowRoot!.querySelector('.thread .text')?.textContent?.length);
    expect(await widget.getAttribute('state')).toBe('running');

    await waitForEvents('everjust:session-ended', 1);
    const [ended] = await events('everjust:session-ended');
    expect(ended.detail).toMatchObject({ sessionId: started.detail.sessionId, status: 'succeeded', error: null });
    const streamed = (await events('everjust:event')).map((event) => event.detail.event);
    expect(streamed.map((event) => event.seq)).toEqual(streamed.map((_, index) => index + 1));
    expect(streamed.map((event) => event.type)).toEqual(expect.arrayContaining(['text_delta', 'file_written', 'preview_ready', 'done']));
    expect(await page.locator('#host-events').textContent()).toMatch(/session ended succeeded/);

    // The conversation: the prompt, the reply, and the steps (files written) under it.
    const log = page.getByRole('log', { name: 'Conversation' });
    expect(await log.textContent()).toMatch(/Landing page for my bakery/);
    expect(await log.textContent()).toMatch(/index\.html/);
    expect(await log.locator('.outcome').last().textContent()).toBe('Build succeeded');
    expect(await accessibilityViolations(page), 'after a build').toEqual([]);
    // The file list, in its tab.
    await page.getByRole('tab', { name: 'Files' }).click();
    await page.getByRole('button', { name: 'index.html' }).click();
    const viewer = page.locator('everjust-builder pre[part="file-viewer"]');
    await viewer.waitFor({ state: 'visible' });
    expect(await viewer.textContent()).toContain('<h1>Landing page for my bakery</h1>');
    expect(await accessibilityViolations(page), 'files tab').toEqual([]);

    // The generated app, running in the sandboxed preview iframe.
    await page.getByRole('tab', { name: 'Preview' }).click();
    const iframe = page.locator('everjust-builder iframe[part="preview-frame"]');
    // The same as the preview origin's CSP: forms, popups and dialogs work; never allow-same-origin (an opaque origin).
    expect(await iframe.getAttribute('sandbox')).toBe('allow-scripts allow-forms allow-popups allow-modals');
    const heading = page.frameLocator('everjust-builder iframe[part="preview-frame"]').locator('h1');
    await heading.waitFor({ timeout: 15_000 });
    expect(await heading.textContent()).toBe('Landing page for my bakery');

    await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
    // Not fullPage: resizing the viewport for it re-lays out the out-of-process preview frame mid-capture.
    await page.screenshot({ path: screenshotPath });
    expect((await stat(screenshotPath)).size).toBeGreaterThan(10_000);
    expect(await events('everjust:error')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('takes a follow-up prompt (Ctrl+Enter) on the same project, cancels with Escape, and retries', async () => {
    // After the first build, the prompt asks for a change.
    const prompt = page.getByLabel('Describe a change');
    const before = (await events('everjust:session-started')).length;
    const projectId = (await events('everjust:ready'))[0].detail.projectId;

    await prompt.fill('Todo list for the house');
    await prompt.press('Control+Enter');
    await waitForEvents('everjust:session-started', before + 1);
    await page.waitForSelector('everjust-builder[state="running"]');
    // Escape from anywhere in the widget cancels the running build.
    await prompt.press('Escape');
    await waitForEvents('everjust:session-ended', 2);
    const cancelled = (await events('everjust:session-ended')).at(-1)!;
    expect(cancelled.detail.status).toBe('cancelled');
    const started = (await events('everjust:session-started')).at(-1)!;
    expect(started.detail.projectId).toBe(projectId);

    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.click();
    await waitForEvents('everjust:session-ended', 3);
    const retried = (await events('everjust:session-ended')).at(-1)!;
    expect(retried.detail.status).toBe('succeeded');
    const heading = page.frameLocator('everjust-builder iframe[part="preview-frame"]').locator('h1');
    await expectEventually(async () => (await heading.textContent({ timeout: 5_000 }).catch(() => null)) === 'Todo list for the house');
    // Each prompt was its own session on the one project.
    const sessions = new Set((await events('everjust:session-started')).map((event) => event.detail.sessionId));
    expect(sessions.size).toBe(3);
    expect(new Set((await events('everjust:session-started')).map((event) => event.detail.projectId))).toEqual(new Set([projectId]));
  });

  it('is usable from the keyboard alone, in a sensible focus order', async () => {
    const prompt = page.getByLabel('Describe a change');
    await prompt.focus();
    const focused = async () =>
      page.evaluate(() => {
        const active = document.activeElement?.shadowRoot?.activeElement as HTMLElement | null;
        return active ? active.getAttribute('part') ?? active.dataset.path ?? active.tagName : null;
      });
    const forward: Array<string | null> = [await focused()];
    for (let step = 0; step < 4; step++) {
      await page.keyboard.press('Tab');
      forward.push(await focused());
    }
    // Prompt, Build, Attach, then the workspace's tab list (one stop), then the preview's toolbar.
    expect(forward).toEqual(['prompt', 'send-button', 'attach-button', 'tab', 'reload-button']);
    // Arrow keys move between tabs.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Files' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Preview' }).getAttribute('aria-selected')).toBe('true');
    // Backwards from the prompt: the last reply's steps (a disclosure), then the conversation, which scrolls by keyboard.
    await prompt.focus();
    const backward: Array<string | null> = [];
    for (let step = 0; step < 2; step++) {
      await page.keyboard.press('Shift+Tab');
      backward.push(await focused());
    }
    expect(backward).toEqual(['SUMMARY', 'SUMMARY']);
  });

  it('restores the conversation after a reload, pages earlier turns, and opens a past turn’s steps', async () => {
    await page.reload();
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    const log = page.getByRole('log', { name: 'Conversation' });
    const said = await log.locator('.user .said').allTextContents();
    // Oldest first: the first build, the cancelled one, its retry.
    expect(said).toEqual(['Landing page for my bakery', 'Todo list for the house', 'Todo list for the house']);
    expect(await log.locator('.outcome').allTextContents()).toEqual(['Build succeeded', 'Build cancelled', 'Build succeeded']);
    // Steps of a past turn load when its details open.
    const first = log.locator('.turn').first();
    await first.locator('summary').click();
    await expectEventually(async () => /index\.html/.test((await first.locator('.step-list').textContent()) ?? ''));
    expect(await first.locator('summary').textContent()).toMatch(/^[1-9]\d* files, \d+ commands$/);
  });

  it('lists versions, restores an earlier one into the preview, and says so to the host', async () => {
    await page.getByRole('tab', { name: 'Versions' }).click();
    const versions = page.locator('everjust-builder li.version');
    expect(await versions.count()).toBe(2);
    expect(await versions.first().getAttribute('aria-current')).toBe('true');
    expect(await versions.first().textContent()).toContain('Todo list for the house');
    expect(await accessibilityViolations(page), 'versions tab').toEqual([]);
    await page.getByRole('button', { name: /Restore: Landing page for my bakery/ }).click();
    await waitForEvents('everjust:version-restored', 1);
    const [restored] = await events('everjust:version-restored');
    expect(restored.detail.projectId).toBe((await events('everjust:ready')).at(-1)!.detail.projectId);
    expect(await versions.last().getAttribute('aria-current')).toBe('true');
    await page.getByRole('tab', { name: 'Preview' }).click();
    const heading = page.frameLocator('everjust-builder iframe[part="preview-frame"]').locator('h1');
    await expectEventually(async () => (await heading.textContent({ timeout: 5_000 }).catch(() => null)) === 'Landing page for my bakery');
  });

  it('previews an earlier version without restoring it, and goes back to the current one', async () => {
    await page.getByRole('tab', { name: 'Versions' }).click();
    // The current version is the bakery page (restored above); the todo list is the other one.
    await page.getByRole('button', { name: /^Preview: Todo list for the house/ }).click();
    const banner = page.locator('everjust-builder [part="version-banner"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Showing the version of/);
    expect(await page.getByRole('tab', { name: 'Preview' }).getAttribute('aria-selected')).toBe('true');
    const heading = page.frameLocator('everjust-builder iframe[part="preview-frame"]').locator('h1');
    await expectEventually(async () => (await heading.textContent({ timeout: 5_000 }).catch(() => null)) === 'Todo list for the house');
    // Nothing was restored: the project's files are still the bakery page's.
    expect(await events('everjust:version-restored')).toHaveLength(1);
    expect(await accessibilityViolations(page), 'a version in the preview').toEqual([]);
    await page.getByRole('button', { name: 'Back to the current version' }).click();
    expect(await banner.isHidden()).toBe(true);
    await expectEventually(async () => (await heading.textContent({ timeout: 5_000 }).catch(() => null)) === 'Landing page for my bakery');
  });

  it('previews at phone and tablet widths, and screenshots every layout at 390, 768 and 1,280 px', async () => {
    await page.getByRole('button', { name: 'Phone' }).click();
    const iframe = page.locator('everjust-builder iframe[part="preview-frame"]');
    expect(Math.round((await iframe.boundingBox())!.width)).toBe(390);
    expect(await page.getByRole('button', { name: 'Phone' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Full width' }).click();
    await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
    for (const width of [390, 768, 1280]) {
      await page.setViewportSize({ width, height: 1100 });
      const path = join(repoRoot, 'test-artifacts', `widget-${width}.png`);
      await page.screenshot({ path });
      expect((await stat(path)).size).toBeGreaterThan(10_000);
      // Nothing overflows sideways, at any width: the widget fits the page, and nothing inside it is wider.
      const widest = await page.locator('everjust-builder').evaluate((element) => {
        const limit = element.getBoundingClientRect().right + 1;
        return [...element.shadowRoot!.querySelectorAll('*')]
          .filter((node) => node.getBoundingClientRect().right > limit)
          .map((node) => `${node.tagName.toLowerCase()}.${node.className}`);
      });
      expect(widest, `${width} px`).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width} px`).toBeLessThanOrEqual(width);
    }
    await page.setViewportSize({ width: 1280, height: 1200 });
  });

  it('takes the host’s texts, a dark theme and a read-only mode', async () => {
    const widget = page.locator('everjust-builder');
    await widget.evaluate((element: any) => {
      element.strings = { send: 'Bauen', tabVersions: 'Versionen' };
      element.setAttribute('theme', 'dark');
      element.setAttribute('readonly', '');
    });
    expect(await page.getByRole('tab', { name: 'Versionen' }).count()).toBe(1);
    const background = await page.locator('everjust-builder .base').evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(background).toBe('rgb(15, 23, 42)');
    // Read-only: no prompt, no restore; browsing still works.
    expect(await page.getByRole('textbox').count()).toBe(0);
    expect(await page.locator('everjust-builder [part="readonly-note"]').textContent()).toBe('View only');
    await page.getByRole('tab', { name: 'Versionen' }).click();
    expect(await page.getByRole('button', { name: /^Restore/ }).count()).toBe(0);
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'widget-dark-readonly.png') });
    expect(await accessibilityViolations(page), 'dark, read-only').toEqual([]);
    await widget.evaluate((element: any) => {
      element.strings = undefined;
      element.removeAttribute('theme');
      element.removeAttribute('readonly');
    });
    expect(await page.getByRole('button', { name: 'Build', exact: true }).count()).toBe(1);
  });

  it('attaches images picked or pasted (refusing what the API would), and sends them with the prompt', async () => {
    // A 1×1 PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const input = page.locator('everjust-builder input[type="file"]');
    await input.setInputFiles([
      { name: 'logo.png', mimeType: 'image/png', buffer: png },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    ]);
    expect(await page.locator('everjust-builder li.attachment').count()).toBe(1);
    expect(await page.locator('everjust-builder [part="attach-message"]').textContent()).toBe('notes.txt is not a PNG, JPEG, WebP or GIF image.');
    // A second one, pasted into the prompt.
    await page.locator('everjust-builder textarea').evaluate((textarea, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, [...png]);
    expect(await page.locator('everjust-builder li.attachment').count()).toBe(2);
    await page.getByRole('button', { name: 'Remove pasted.png' }).click();
    expect(await page.locator('everjust-builder li.attachment').count()).toBe(1);
    expect(await accessibilityViolations(page), 'an image attached').toEqual([]);

    const ended = (await events('everjust:session-ended')).length;
    const prompt = page.getByLabel('Describe a change');
    await prompt.fill('Use this logo in the header');
    await prompt.press('Enter');
    await waitForEvents('everjust:session-ended', ended + 1);
    const started = (await events('everjust:session-started')).at(-1)!;
    const session = await graphql(platform.app, tenant.test, 'query($id: ID!) { session(id: $id) { prompt attachments { mediaType size } } }', { id: started.detail.sessionId });
    expect(session.data.session).toEqual({ prompt: 'Use this logo in the header', attachments: [{ mediaType: 'image/png', size: png.length }] });
    // Sent: the tray is empty, and the conversation says an image went with the prompt.
    expect(await page.locator('everjust-builder li.attachment').count()).toBe(0);
    expect(await page.locator('everjust-builder .turn').last().locator('.attached').textContent()).toBe('1 image attached');
  });

  it('asks the end user a question with its choices, and builds with the answer', async () => {
    const ended = (await events('everjust:session-ended')).length;
    const prompt = page.getByLabel('Describe a change');
    await prompt.fill('A habit tracker #ask');
    await prompt.press('Enter');
    const question = page.locator('everjust-builder [part="question"]').last();
    await question.waitFor({ timeout: 30_000 });
    expect(await question.locator('.asked').textContent()).toBe('Which look should the app have?');
    expect(await page.locator('everjust-builder [part="badge"]').textContent()).toBe('Waiting for your answer…');
    expect(await page.getByRole('group', { name: 'Which look should the app have?' }).count()).toBe(1);
    expect(await accessibilityViolations(page), 'a question').toEqual([]);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await waitForEvents('everjust:session-ended', ended + 1);
    expect((await events('everjust:session-ended')).at(-1)!.detail.status).toBe('succeeded');
    expect(await question.locator('.given').textContent()).toBe('You answered: Dark theme');
    expect(await question.locator('button:enabled').count()).toBe(0);
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'widget-question.png') });
  });

  it('shows the files as a tree with folders that fold, and colours the code it shows', async () => {
    const projectId = (await events('everjust:ready')).at(-1)!.detail.projectId;
    const written = await graphql(platform.app, tenant.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', {
      input: { projectId, files: [{ path: 'src/app.ts', content: 'export const answer: number = 42; // the answer\n' }, { path: 'src/lib/util.js', content: 'function id(x) { return x; }\n' }] },
    });
    expect(written.errors).toBeUndefined();
    await page.reload();
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    await page.getByRole('tab', { name: 'Files' }).click();
    const folder = page.getByRole('button', { name: 'src/', exact: true });
    expect(await folder.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('button', { name: 'app.ts' }).click();
    const viewer = page.locator('everjust-builder pre[part="file-viewer"]');
    await viewer.waitFor({ state: 'visible' });
    expect(await viewer.textContent()).toBe('export const answer: number = 42; // the answer\n');
    expect(await viewer.locator('.hl-keyword').allTextContents()).toEqual(['export', 'const']);
    expect(await viewer.locator('.hl-comment').textContent()).toBe('// the answer');
    expect(await accessibilityViolations(page), 'files tree, highlighted code').toEqual([]);
    // Folding a folder hides what is in it; unfolding brings it back.
    await folder.click();
    expect(await folder.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByRole('button', { name: 'util.js' }).count()).toBe(0);
    await folder.click();
    expect(await page.getByRole('button', { name: 'util.js' }).count()).toBe(1);
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'widget-files.png') });
  });

  it('lists the errors the app in the preview reports, and tells the host', async () => {
    const ended = (await events('everjust:session-ended')).length;
    const prompt = page.getByLabel('Describe a change');
    await prompt.fill('Make the clock broken #broken');
    await prompt.press('Enter');
    await waitForEvents('everjust:session-ended', ended + 1);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await waitForEvents('everjust:preview-error', 1);
    const [reported] = await events('everjust:preview-error');
    expect(reported.detail).toMatchObject({ kind: 'error', message: expect.stringContaining('The app failed to start (#broken test hook)') });
    const list = page.locator('everjust-builder [part="preview-errors"]');
    await list.locator('summary').waitFor();
    expect(await list.locator('summary').textContent()).toBe('1 error in the app');
    await list.locator('summary').click();
    expect(await list.locator('li').first().textContent()).toContain('The app failed to start (#broken test hook)');
    expect(await accessibilityViolations(page), 'app errors').toEqual([]);
    // Reload clears the list until the app reports again.
    await page.getByRole('button', { name: 'Reload' }).click();
    await expectEventually(async () => (await list.locator('li').count()) === 1);
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'widget-app-errors.png') });
  });

  it('downloads the current files and a version as ZIPs when the host turns downloads on', async () => {
    const widget = page.locator('everjust-builder');
    expect(await page.getByRole('button', { name: 'Download ZIP' }).count()).toBe(0);
    await widget.evaluate((element) => element.setAttribute('features', 'download'));
    await page.getByRole('tab', { name: 'Preview' }).click();
    const [current] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download ZIP' }).click()]);
    expect(current.suggestedFilename()).toBe('My-app.zip');
    const path = await current.path();
    expect((await readFile(path)).subarray(0, 2).toString('latin1')).toBe('PK');
    await page.getByRole('tab', { name: 'Versions' }).click();
    const [version] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download: Landing page for my bakery/ }).click()]);
    expect(version.suggestedFilename()).toMatch(/^My-app-.+\.zip$/);
    expect(await accessibilityViolations(page), 'downloads on').toEqual([]);
    expect(await events('everjust:error')).toEqual([]);
    await widget.evaluate((element) => element.removeAttribute('features'));
  });

  it('tells a page on the wrong origin why, with ORIGIN_NOT_ALLOWED, instead of a network error', async () => {
    // A token minted for the example site, used by a page of another origin (the API's own).
    const minted = await page.evaluate(async () => (await (await fetch('/token', { method: 'POST' })).json()) as { token: string });
    const other = await context.newPage();
    try {
      await other.goto(`${platform.url}/healthz`);
      const script = await readFile(widgetScriptPath, 'utf8');
      await other.addScriptTag({ content: script });
      const detail = await other.evaluate(
        ({ apiUrl, token }) =>
          new Promise<any>((resolve) => {
            const element = document.createElement('everjust-builder');
            element.addEventListener('everjust:error', (event) => resolve((event as CustomEvent).detail), { once: true });
            element.setAttribute('api-url', apiUrl);
            element.setAttribute('token', token);
            document.body.append(element);
          }),
        { apiUrl: platform.url, token: minted.token },
      );
      expect(detail).toMatchObject({ code: 'ORIGIN_NOT_ALLOWED', apiCode: 'FORBIDDEN', reason: 'WRONG_ORIGIN' });
      expect(detail.message).toContain(platform.url);
      expect(await other.locator('everjust-builder [part="badge"]').textContent()).toMatch(/not allowed on this page/);
      expect(await other.locator('everjust-builder').getAttribute('state')).toBe('error');
      expect(await accessibilityViolations(other), 'error').toEqual([]);
    } finally {
      await other.close();
    }
  });
});

/** axe-core's serious and critical violations inside the widget (its shadow root included), as `rule: target` lines. */
async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const results = await (window as any).axe.run('everjust-builder', { resultTypes: ['violations'] });
    return results.violations
      .filter((violation: any) => violation.impact === 'serious' || violation.impact === 'critical')
      .flatMap((violation: any) => violation.nodes.map((node: any) => `${violation.id}: ${JSON.stringify(node.target)}`));
  });
}

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
