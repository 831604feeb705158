import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmbedServer, type EmbedServer } from '@everjust/example-embed';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';
import { repoRoot } from '../test-support/processes.js';
import { buildWidget, CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../test-support/widget.js';

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
    embed = await startEmbedServer({ apiUrl: platform.url, apiKey: tenant.test });
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
      for (const type of ['everjust:ready', 'everjust:session-started', 'everjust:event', 'everjust:session-ended', 'everjust:error']) {
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
    await expect(page.getByRole('log', { name: 'Build log' }).getAttribute('aria-live')).resolves.toBe('polite');

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
    await page.waitForFunction(() => document.querySelector('everjust-builder')!.shadowRoot!.querySelector('.log .text')?.textContent?.length);
    expect(await widget.getAttribute('state')).toBe('running');

    await waitForEvents('everjust:session-ended', 1);
    const [ended] = await events('everjust:session-ended');
    expect(ended.detail).toMatchObject({ sessionId: started.detail.sessionId, status: 'succeeded', error: null });
    const streamed = (await events('everjust:event')).map((event) => event.detail.event);
    expect(streamed.map((event) => event.seq)).toEqual(streamed.map((_, index) => index + 1));
    expect(streamed.map((event) => event.type)).toEqual(expect.arrayContaining(['text_delta', 'file_written', 'preview_ready', 'done']));
    expect(await page.locator('#host-events').textContent()).toMatch(/session ended succeeded/);

    // The log and the file list.
    const log = page.getByRole('log', { name: 'Build log' });
    expect(await log.textContent()).toMatch(/index\.html/);
    await page.getByRole('button', { name: 'index.html' }).click();
    const viewer = page.locator('everjust-builder pre[part="file-viewer"]');
    await viewer.waitFor({ state: 'visible' });
    expect(await viewer.textContent()).toContain('<h1>Landing page for my bakery</h1>');

    // The generated app, running in the sandboxed preview iframe.
    const iframe = page.locator('everjust-builder iframe[part="preview-frame"]');
    expect(await iframe.getAttribute('sandbox')).toBe('allow-scripts');
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
    const prompt = page.getByLabel('Describe the app to build');
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
    const prompt = page.getByLabel('Describe the app to build');
    await prompt.focus();
    const focused = async () =>
      page.evaluate(() => {
        const active = document.activeElement?.shadowRoot?.activeElement as HTMLElement | null;
        return active ? active.getAttribute('part') ?? active.dataset.path ?? active.tagName : null;
      });
    const order: Array<string | null> = [await focused()];
    for (let step = 0; step < 4; step++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order.slice(0, 2)).toEqual(['prompt', 'send-button']);
    expect(order).toContain('log');
  });

  it("shows the model's question with its choices as buttons; a click answers it and the build goes on with the answer", async () => {
    const prompt = page.getByLabel('Describe the app to build');
    const ended = (await events('everjust:session-ended')).length;
    await prompt.fill('A counter #ask');
    await prompt.press('Enter');
    const choice = page.getByRole('button', { name: 'Dark theme' });
    await choice.waitFor({ timeout: 30_000 });
    expect(await page.locator('everjust-builder [part="question"]').textContent()).toBe('Which look should the app have?');
    expect(await page.getByRole('group', { name: 'Answers' }).getByRole('button').allTextContents()).toEqual(['Light theme', 'Dark theme']);
    expect(await page.locator('everjust-builder [part="badge"]').textContent()).toBe('Waiting for your answer');
    expect(await page.locator('everjust-builder [part="send-button"]').textContent()).toBe('Answer');

    await choice.click();
    await waitForEvents('everjust:session-ended', ended + 1);
    expect((await events('everjust:session-ended')).at(-1)!.detail.status).toBe('succeeded');
    // The buttons are gone, the answer is in the thread, and the prompt box builds again.
    expect(await page.locator('everjust-builder [part="choices"]').count()).toBe(0);
    expect(await page.locator('everjust-builder .log .prompt').allTextContents()).toContain('Dark theme');
    expect(await page.locator('everjust-builder [part="send-button"]').textContent()).toBe('Build');
    const types = (await events('everjust:event')).map((event) => event.detail.event.type);
    expect(types).toContain('question');
    expect(await events('everjust:error')).toEqual([]);
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
