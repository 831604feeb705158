import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { SESSION_EVENTS_SUBSCRIPTION, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../test-support/widget.js';

/**
 * Every offline template, as a newcomer first sees it (issue 14 point 5): generated in test mode (the
 * static preview) and loaded in headless Chromium at 360, 768 and 1,280 px. Nothing may overflow
 * sideways, and the title may not wrap a letter per line (a widget's preview once showed the timer's
 * title that way). The long title is the prompt itself, as a newcomer types it.
 */

const PREVIEW_EVENTS = SESSION_EVENTS_SUBSCRIPTION.replace('... on DoneEvent', '... on PreviewReadyEvent { url } ... on DoneEvent');
const PROMPTS = [
  'A calculator for splitting restaurant bills between friends',
  'A counter for the cups of coffee I drink every day',
  'A landing page for my bakery on Elm Street with opening hours',
  'A notes app for recipes and shopping ideas',
  'A pomodoro timer with long breaks after four rounds',
  'A todo list for moving house next month',
];
const WIDTHS = [360, 768, 1280];

describe.skipIf(Boolean(chromiumMissing))(`the offline templates at phone, tablet and desktop widths${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let userDataDir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    platform = await startTestPlatform(database, { environment: { EVERJUST_SANDBOX: 'static' } });
    tenant = await createTestTenant(database);
    userDataDir = await mkdtemp(join(tmpdir(), 'everjust-templates-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await platform?.stop();
    await database?.close();
  });

  it.each(PROMPTS)('lays out “%s” without overflow or a title broken letter by letter', async (prompt) => {
    const project = await graphql(platform.app, tenant.test, 'mutation { createProject(input: { name: "Widths" }) { id } }');
    const started = await graphql(platform.app, tenant.test, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId: project.data.createProject.id, prompt } });
    const { events } = await subscribeSse(platform.url, tenant.test, PREVIEW_EVENTS, { sessionId: started.data.startSession.id });
    const url = events.find((event) => event.type === 'preview_ready')?.url as string;
    expect(url, 'a preview').toBeTruthy();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(url);
        const layout = await page.evaluate(() => {
          const title = document.querySelector('h1')!;
          const lineHeight = parseFloat(getComputedStyle(title).lineHeight) || parseFloat(getComputedStyle(title).fontSize) * 1.2;
          return {
            scrollWidth: document.documentElement.scrollWidth,
            titleLines: Math.round(title.getBoundingClientRect().height / lineHeight),
            titleWords: title.textContent!.trim().split(/\s+/).length,
            titleWidth: title.getBoundingClientRect().width,
          };
        });
        expect(layout.scrollWidth, `${width} px: page wider than the window`).toBeLessThanOrEqual(width);
        // Wrapped between words, a title has at most a line per word; broken letter by letter, many more.
        expect(layout.titleLines, `${width} px: title in ${layout.titleLines} lines for ${layout.titleWords} words`).toBeLessThanOrEqual(Math.max(1, layout.titleWords));
        expect(layout.titleWidth, `${width} px: title squeezed`).toBeGreaterThan(Math.min(200, width / 2));
      }
    } finally {
      await page.close();
    }
    expect(errors).toEqual([]);
  });
});
