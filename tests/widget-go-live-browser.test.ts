import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startEmbedServer, type EmbedServer } from '@everjust/example-embed';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';
import { repoRoot } from '../test-support/processes.js';
import { buildWidget, CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../test-support/widget.js';

/**
 * `<everjust-builder>` v2's last parts, end to end in headless Chromium (issue 16): Fix it on the
 * preview's errors, each version's screenshot as its thumbnail, a file's last change as a diff, and
 * Go live (`features="deploy download"`, tokens minted with DEPLOY; test mode's simulated deploy).
 * The example site mints the tokens; the API runs the preview check in Chromium (EVERJUST_BROWSER),
 * which takes the screenshots. Screenshots of every state at 390, 768 and 1,280 px go to test-artifacts/.
 */

const artifacts = join(repoRoot, 'test-artifacts');
const WIDTHS = [390, 768, 1280] as const;

describe.skipIf(Boolean(chromiumMissing))(`<everjust-builder> goes live in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let embed: EmbedServer;
  let plainEmbed: EmbedServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const built = buildWidget();
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, {
      environment: {
        EVERJUST_SANDBOX: 'static',
        EVERJUST_BROWSER: CHROMIUM,
        DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
        EVERJUST_SECRET: 'widget-go-live-test-secret-of-32-characters',
      },
    });
    tenant = await createTestTenant(database);
    // The site turns every feature on and mints tokens with DEPLOY; a second one mints them without.
    embed = await startEmbedServer({ apiUrl: platform.url, apiKey: tenant.test });
    plainEmbed = await startEmbedServer({ apiUrl: platform.url, apiKey: tenant.test, tokenPermissions: [] });
    // No automatic repair: the errors the check finds stay for the end user's Fix it.
    const updated = await graphql(platform.app, tenant.live, 'mutation($origins: [String!]!) { updateTenant(input: { allowedOrigins: $origins, generation: { autoRepairRounds: 0 } }) { allowedOrigins } }', {
      origins: [embed.url, plainEmbed.url],
    });
    expect(updated.errors).toBeUndefined();
    await built;
    await mkdir(artifacts, { recursive: true });
    userDataDir = await mkdtemp(join(tmpdir(), 'everjust-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 1200 } });
    page = context.pages()[0] ?? (await context.newPage());
    await context.addInitScript(() => {
      const seen: Array<{ type: string; detail: any }> = [];
      (window as any).widgetEvents = seen;
      for (const type of ['everjust:ready', 'everjust:session-started', 'everjust:session-ended', 'everjust:preview-error', 'everjust:deployed', 'everjust:error']) {
        document.addEventListener(type, (event) => seen.push({ type, detail: (event as CustomEvent).detail }));
      }
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await embed?.close();
    await plainEmbed?.close();
    await platform?.stop();
    await database?.close();
  });

  const events = (type: string): Promise<Array<{ type: string; detail: any }>> =>
    page.evaluate((wanted) => (window as any).widgetEvents.filter((event: { type: string }) => event.type === wanted), type);
  const waitForEvents = (type: string, count: number, on: Page = page) =>
    on.waitForFunction(([wanted, n]) => (window as any).widgetEvents.filter((event: { type: string }) => event.type === wanted).length >= (n as number), [type, count] as const, { timeout: 60_000 });
  const frameHeading = () => page.frameLocator('everjust-builder iframe[part="preview-frame"]').locator('h1');

  /** Screenshots at phone, tablet and desktop widths, checking nothing overflows sideways; back to 1,280 px after. */
  async function screenshots(name: string, on: Page = page): Promise<void> {
    for (const width of WIDTHS) {
      await on.setViewportSize({ width, height: 1100 });
      const path = join(artifacts, `widget-${name}-${width}.png`);
      await on.screenshot({ path });
      expect((await stat(path)).size).toBeGreaterThan(10_000);
      const widest = await on.locator('everjust-builder').evaluate((element) => {
        const limit = element.getBoundingClientRect().right + 1;
        // What a scrolling box (the code viewer, the conversation) holds scrolls inside it: only the box itself must fit.
        const scrolled = (node: Element) => {
          for (let parent = node.parentElement; parent; parent = parent.parentElement) if (getComputedStyle(parent).overflowX !== 'visible') return true;
          return false;
        };
        return [...element.shadowRoot!.querySelectorAll('*')]
          .filter((node) => node.getBoundingClientRect().right > limit && !scrolled(node))
          .map((node) => `${node.tagName.toLowerCase()}.${node.className}`);
      });
      expect(widest, `${name} at ${width} px`).toEqual([]);
    }
    await on.setViewportSize({ width: 1280, height: 1200 });
  }

  it('offers Fix it beside the errors the app reports, and the repair runs in the conversation until the app loads clean', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(embed.url);
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    // Nothing to deploy yet.
    expect(await page.getByRole('button', { name: 'Deploy' }).isDisabled()).toBe(true);
    const prompt = page.getByLabel('Describe the app to build');
    await prompt.fill('A tally counter #broken');
    await prompt.press('Enter');
    await waitForEvents('everjust:session-ended', 1);
    expect((await events('everjust:session-ended'))[0].detail.status).toBe('succeeded');
    await waitForEvents('everjust:preview-error', 1);
    const list = page.locator('everjust-builder [part="preview-errors"]');
    await list.locator('summary').waitFor();
    expect(await list.locator('summary').textContent()).toBe('1 error in the app');
    const fix = page.getByRole('button', { name: 'Fix it' });
    expect(await fix.isEnabled()).toBe(true);
    expect(await accessibilityViolations(page), 'app errors with Fix it').toEqual([]);
    await screenshots('fix-it');

    await fix.click();
    await waitForEvents('everjust:session-started', 2);
    const [, repair] = await events('everjust:session-started');
    expect(repair.detail).toMatchObject({ kind: 'generate' });
    // The conversation names the repair in the end user's words, not the repair prompt the API wrote.
    const log = page.getByRole('log', { name: 'Conversation' });
    await expectEventually(async () => (await log.locator('.user .said').allTextContents()).at(-1) === 'Fix the errors in the app');
    await waitForEvents('everjust:session-ended', 2);
    const ended = (await events('everjust:session-ended')).at(-1)!;
    expect(ended.detail).toMatchObject({ sessionId: repair.detail.sessionId, status: 'succeeded' });
    expect(await log.locator('.outcome').last().textContent()).toBe('Build succeeded');
    // The new preview loads without the error: the list and its Fix it are gone, the app is there.
    await expectEventually(async () => (await frameHeading().textContent({ timeout: 5_000 }).catch(() => null)) === 'Tally counter');
    await page.waitForTimeout(500);
    expect(await list.isHidden()).toBe(true);
    expect(await events('everjust:preview-error')).toHaveLength(1);
    // The repair's steps, in its turn's details: the check found the app clean.
    const steps = log.locator('.turn').last().locator('.step-list');
    await expect.poll(() => steps.textContent(), { timeout: 20_000 }).toContain('Checked the app in a browser: no errors');
    expect(await steps.textContent()).toMatch(/app\.js/);
    // The page's own errors (the preview frame's uncaught throw is reported to the page too: that one is the app's).
    expect(errors.filter((message) => !message.includes('#broken test hook'))).toEqual([]);
  }, 120_000);

  it('shows each version with its preview check’s screenshot as a lazy thumbnail', async () => {
    await page.getByRole('tab', { name: 'Versions' }).click();
    const versions = page.locator('everjust-builder li.version');
    expect(await versions.count()).toBe(2);
    const thumbnails = page.locator('everjust-builder img[part="version-thumbnail"]');
    expect(await thumbnails.count()).toBe(2);
    expect(await thumbnails.first().getAttribute('loading')).toBe('lazy');
    expect(await thumbnails.first().getAttribute('alt')).toBe('Screenshot of the version: Fix the errors in the app');
    expect(await thumbnails.last().getAttribute('alt')).toBe('Screenshot of the version: A tally counter #broken');
    // Both images load (signed links to PNGs the check took), from another origin than the page's.
    await expectEventually(async () => (await thumbnails.evaluateAll((images) => images.every((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0))) === true);
    expect(new URL((await thumbnails.first().getAttribute('src'))!).pathname).toMatch(/^\/v1\/screenshots\/.+\.png$/);
    expect(await accessibilityViolations(page), 'versions with thumbnails').toEqual([]);
    await screenshots('versions-thumbnails');
    // The broken version in the preview reports its error again, but Fix it (which repairs the current files) stays away.
    const reported = (await events('everjust:preview-error')).length;
    await page.getByRole('button', { name: /^Preview: A tally counter #broken/ }).click();
    await waitForEvents('everjust:preview-error', reported + 1);
    await page.locator('everjust-builder [part="preview-errors"] summary').waitFor();
    expect(await page.getByRole('button', { name: 'Fix it' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Back to the current version' }).click();
    // After a reload the thumbnails come from the history (Session.screenshotUrl).
    await page.reload();
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    await page.getByRole('tab', { name: 'Versions' }).click();
    expect(await page.locator('everjust-builder img[part="version-thumbnail"]').count()).toBe(2);
  }, 120_000);

  it('shows a file’s last change as a line diff, and only where there was one', async () => {
    await page.getByRole('tab', { name: 'Files' }).click();
    const toggle = page.getByRole('button', { name: 'Last change' });
    // index.html did not change in the repair: no earlier version of it to compare.
    await page.getByRole('button', { name: 'index.html' }).click();
    const viewer = page.locator('everjust-builder pre[part="file-viewer"]');
    await viewer.waitFor({ state: 'visible' });
    expect(await toggle.isHidden()).toBe(true);
    // app.js lost the #broken hook's throw in the repair.
    await page.getByRole('button', { name: 'app.js' }).click();
    await toggle.waitFor({ state: 'visible' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const diff = page.locator('everjust-builder pre[part="file-diff"]');
    await diff.waitFor({ state: 'visible' });
    expect(await viewer.isHidden()).toBe(true);
    const removed = await diff.locator('del').allTextContents();
    expect(removed.join('')).toContain('#broken test hook');
    expect(await diff.locator('.diff-summary').textContent()).toMatch(/^\d+ added, [1-9]\d* removed$/);
    expect(await diff.getAttribute('aria-label')).toBe('Last change of app.js');
    expect(await accessibilityViolations(page), 'a file diff').toEqual([]);
    await screenshots('file-diff');
    // The dark preset keeps the diff readable (axe checks the contrast of both kinds of line).
    await page.locator('everjust-builder').evaluate((element) => element.setAttribute('theme', 'dark'));
    // Buttons fade to the new colours (a .15 s transition): check them once they got there.
    await page.waitForTimeout(400);
    expect(await accessibilityViolations(page), 'a file diff, dark').toEqual([]);
    await page.screenshot({ path: join(artifacts, 'widget-file-diff-dark-1280.png') });
    await page.locator('everjust-builder').evaluate((element) => element.removeAttribute('theme'));
    // Back to the content.
    await toggle.click();
    expect(await viewer.isVisible()).toBe(true);
    expect(await viewer.textContent()).not.toContain('#broken test hook');
  }, 120_000);

  it('deploys with progress and the live URL, and tells the host (everjust:deployed)', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    const deploy = page.getByRole('button', { name: 'Deploy' });
    expect(await deploy.isEnabled()).toBe(true);
    const before = (await events('everjust:session-ended')).length;
    await deploy.click();
    // While it runs: its phase beside the button (simulated phases in test mode), Deploy and the prompt's Build disabled.
    const status = page.locator('everjust-builder [part="deploy-status"]');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(/^Deploying/);
    expect(await deploy.isDisabled()).toBe(true);
    await page.screenshot({ path: join(artifacts, 'widget-deploying-1280.png') });
    await waitForEvents('everjust:deployed', 1);
    const [deployed] = await events('everjust:deployed');
    expect(deployed.detail).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//), deploymentId: expect.any(String) });
    await waitForEvents('everjust:session-ended', before + 1);
    const ended = (await events('everjust:session-ended')).at(-1)!;
    expect(ended.detail).toMatchObject({ kind: 'deploy', status: 'succeeded' });
    const link = page.locator('everjust-builder a[part="live-link"]');
    expect(await link.getAttribute('href')).toBe(deployed.detail.url);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await page.getByRole('link', { name: `Open the live app: ${deployed.detail.url}` }).count()).toBe(1);
    // The deploy is a turn of the conversation, with its phases as steps.
    const turn = page.getByRole('log', { name: 'Conversation' }).locator('.turn').last();
    expect(await turn.locator('.said').textContent()).toBe('Deploy the app');
    expect(await turn.locator('.outcome').textContent()).toBe('Deploy succeeded');
    await turn.locator('summary').click();
    expect(await turn.locator('.step-list').textContent()).toContain(`Live at ${deployed.detail.url}`);
    expect(await page.locator('everjust-builder [part="badge"]').textContent()).toBe('Deploy succeeded');
    // The live app answers.
    expect(await (await fetch(deployed.detail.url)).text()).toContain('Tally counter');
    expect(await accessibilityViolations(page), 'deployed').toEqual([]);
    await screenshots('deployed');
    // A reload shows the live URL from the project's live deployment (no new event).
    await page.reload();
    await page.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
    expect(await page.locator('everjust-builder a[part="live-link"]').getAttribute('href')).toBe(deployed.detail.url);
    expect(await events('everjust:deployed')).toHaveLength(0);
    // Read-only: the live URL stays, Deploy and Fix it go.
    await page.locator('everjust-builder').evaluate((element) => element.setAttribute('readonly', ''));
    expect(await page.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
    expect(await page.locator('everjust-builder a[part="live-link"]').isVisible()).toBe(true);
    await page.locator('everjust-builder').evaluate((element) => element.removeAttribute('readonly'));
    expect(await events('everjust:error')).toEqual([]);
  }, 120_000);

  it('offers no Deploy when the site minted its token without DEPLOY, and says why when a host deploys anyway (FORBIDDEN)', async () => {
    const other = await context.newPage();
    try {
      // The same visitor (cookies are per host, not per port) on a site that mints tokens without DEPLOY: same project.
      await other.goto(plainEmbed.url);
      await other.waitForSelector('everjust-builder[state="ready"]', { timeout: 30_000 });
      // Its token carries no DEPLOY (the claims say so): no Deploy button that could only fail.
      expect(await other.getByRole('button', { name: 'Deploy' }).count()).toBe(0);
      // A host that calls deploy() anyway hears why from the API (FORBIDDEN).
      await other.locator('everjust-builder').evaluate((element: any) => element.deploy());
      await waitForEvents('everjust:error', 1, other);
      const [refused] = await other.evaluate(() => (window as any).widgetEvents.filter((event: { type: string }) => event.type === 'everjust:error'));
      expect(refused.detail).toMatchObject({ code: 'FORBIDDEN', apiCode: 'FORBIDDEN', reason: 'WIDGET_PERMISSION_REQUIRED', message: 'Deploying is not turned on for this builder.' });
      expect(await other.locator('everjust-builder [part="badge"]').textContent()).toBe('Deploying is not turned on for this builder.');
      // Nothing half-started: no deploy progress, no new session, prompts still taken.
      expect(await other.locator('everjust-builder [part="deploy-status"]').textContent()).toBe('');
      expect(await other.evaluate(() => (window as any).widgetEvents.filter((event: { type: string }) => event.type === 'everjust:session-started').length)).toBe(0);
      expect(await other.getByLabel('Describe a change').isEnabled()).toBe(true);
      expect(await accessibilityViolations(other), 'deploy refused').toEqual([]);
      await screenshots('deploy-refused', other);
    } finally {
      await other.close();
    }
  }, 120_000);
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

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
