import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { startTestPlatform, type TestPlatform } from '../test-support/platform.js';
import { repoRoot } from '../test-support/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../test-support/webhook-receiver.js';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '../test-support/widget.js';

/**
 * The console end to end in headless Chromium, against a real API with an in-process worker (the
 * offline generator, static previews): sign-in by a one-time link, every page at 1,280 and 390 px
 * (screenshots in test-artifacts/console-*.png, an axe-core scan with no serious violation, no
 * sideways scrolling, no CSP violation), the live/test toggle, an API error shown as a message, the
 * CSRF refusal, and signing out everywhere. One server and one browser for the whole file.
 */

const artifacts = join(repoRoot, 'test-artifacts');
const WIDTHS = [1280, 390] as const;
const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(Boolean(chromiumMissing))(`the console in Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, () => {
  let database: TestDatabase;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let projectId: string;
  let sessionId: string;
  const pageErrors: string[] = [];

  const api = (query: string, variables?: Record<string, unknown>, key = tenant.live) => graphql(platform.app, key, query, variables);

  /** A fresh one-time sign-in link for the tenant (a secret key with keys:write mints it). */
  async function consoleLink(): Promise<string> {
    const minted = await api('mutation { createConsoleLink(input: {}) { url expiresAt } }');
    expect(minted.errors).toBeUndefined();
    return minted.data.createConsoleLink.url;
  }

  async function newContext(width = 1280): Promise<BrowserContext> {
    const created = await browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
    // Under the test's own timeout, so a missing element fails with Playwright's message, not a bare timeout.
    created.setDefaultTimeout(10_000);
    // Every CSP violation any page reports (the shell forbids inline code): there must be none.
    await created.addInitScript(() => {
      (window as any).cspViolations = [];
      document.addEventListener('securitypolicyviolation', (event) => (window as any).cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    return created;
  }

  async function signIn(target: BrowserContext): Promise<Page> {
    const signedIn = await target.newPage();
    signedIn.on('pageerror', (error) => pageErrors.push(error.message));
    await signedIn.goto(await consoleLink());
    await signedIn.waitForSelector('main[data-ready="usage"]', { timeout: 20_000 });
    return signedIn;
  }

  async function open(target: Page, path: string, section: string) {
    await target.goto(`${platform.url}/console${path}`);
    await target.waitForSelector(`main[data-ready="${section}"]`, { timeout: 20_000 });
  }

  /** axe-core's serious and critical violations on the whole page, as `rule: target` lines. */
  async function accessibilityViolations(target: Page): Promise<string[]> {
    // Evaluated through the DevTools protocol, which the page's CSP does not govern (a script tag would be refused).
    if (!(await target.evaluate(() => 'axe' in window))) await target.evaluate(await axeSource);
    return target.evaluate(async () => {
      const results = await (window as any).axe.run(document, { resultTypes: ['violations'] });
      return results.violations
        .filter((violation: any) => violation.impact === 'serious' || violation.impact === 'critical')
        .flatMap((violation: any) => violation.nodes.map((node: any) => `${violation.id}: ${JSON.stringify(node.target)}`));
    });
  }

  /** Screenshot, accessibility scan, no sideways scroll, no CSP violation: what every page must pass. */
  async function checkPage(target: Page, name: string, width: number) {
    expect(await accessibilityViolations(target), `${name} at ${width}px`).toEqual([]);
    const overflow = await target.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
    expect(await target.evaluate(() => (window as any).cspViolations)).toEqual([]);
    const path = join(artifacts, `console-${name}-${width}.png`);
    await target.screenshot({ path, fullPage: true });
    expect((await stat(path)).size).toBeGreaterThan(5_000);
  }

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    database = await openPgliteTestDatabase();
    receiver = await startWebhookReceiver([500]);
    platform = await startTestPlatform(database, {
      environment: {
        EVERJUST_SANDBOX: 'static',
        EVERJUST_WEBHOOK_ALLOW_PRIVATE: 'true',
        EVERJUST_WEBHOOK_POLL_INTERVAL_MS: '100',
        EVERJUST_WEBHOOK_RETRY_SCHEDULE_S: '1,1,1',
        EVERJUST_OFFLINE_DELTA_INTERVAL_MS: '30',
      },
    });
    // Professional: limited enough for quota gauges, roomy enough for the query cost of every page load.
    tenant = await createTestTenant(database, { name: 'Acme Apps', tier: 'professional' });
    const endpoint = await api('mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: [SESSION_SUCCEEDED] }) { secret } }', { url: receiver.url });
    expect(endpoint.errors).toBeUndefined();
    const project = await api('mutation { createProject(input: { name: "Bakery site", externalUserId: "user-anna" }) { id } }');
    projectId = project.data.createProject.id;
    const session = await api('mutation($id: ID!) { startSession(input: { projectId: $id, prompt: "Landing page for my bakery" }) { id } }', { id: projectId });
    sessionId = session.data.startSession.id;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    // The webhook of that session (answered 500, then 200 on its retry): the delivery log has both.
    await receiver.waitFor((received) => received.length >= 2, 20_000);
    context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await receiver?.close();
    await database?.close();
  });

  it('a signed-out visit says how to get a sign-in link; signing out ends the session of this browser; reused and forged links get a clear page', async () => {
    const visitor = await newContext(390);
    try {
      const anonymous = await visitor.newPage();
      await anonymous.goto(`${platform.url}/console/usage`);
      await anonymous.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      expect(await anonymous.textContent('main')).toContain('pnpm everjust console link --tenant');
      expect(await anonymous.textContent('main')).toContain('createConsoleLink');
      await checkPage(anonymous, 'signed-out', 390);

      const link = await consoleLink();
      await anonymous.goto(link);
      await anonymous.waitForSelector('main[data-ready="usage"]');
      // Sign out (this browser only): the cookie goes, the page says how to come back.
      await anonymous.getByRole('button', { name: 'Sign out', exact: true }).click();
      await anonymous.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      expect(await anonymous.textContent('main')).toContain('You are signed out.');
      expect((await visitor.cookies(platform.url)).filter((cookie) => cookie.name === 'ej_console' && cookie.value)).toEqual([]);
      await anonymous.goto(`${platform.url}/console/keys`);
      await anonymous.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      const reused = await anonymous.goto(link);
      expect(reused!.status()).toBe(410);
      const forged = await anonymous.goto(link.replace(/token=.*/, 'token=forged'));
      expect(forged!.status()).toBe(400);
      expect(await forged!.text()).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      await visitor.close();
    }
  });

  it('signs in with a link: an HttpOnly, SameSite=Strict cookie, then the usage page with charts, quotas, top end users and a CSV', async () => {
    page = await signIn(context);
    expect(new URL(page.url()).pathname).toBe('/console/');
    const [cookie] = await context.cookies(platform.url);
    expect(cookie).toMatchObject({ name: 'ej_console', httpOnly: true, sameSite: 'Strict' });
    expect(await page.textContent('.banner')).toContain('Acme Apps');

    await open(page, '/usage', 'usage');
    expect(await page.locator('.totals li').first().textContent()).toBe('Generations1');
    // The keyboard's first stop is the skip link; it lands in the main region.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    expect(await page.locator('figure.chart').count()).toBe(5);
    expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Generations today').getAttribute('value')).toBe('1');
    expect(await page.locator('.top-users').textContent()).toContain('user-anna');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Day (UTC),Generations,Input tokens,Output tokens,Cache read tokens,Cache write tokens,Sandbox hours,Cost (USD),Deploys,Requests');
    expect(lines).toHaveLength(31); // the header and the last 30 days
    expect(lines.at(-1)).toMatch(new RegExp(`^${new Date().toISOString().slice(0, 10)},1,\\d+,\\d+,`));
    // The same rows by project: its name, its id.
    await page.getByRole('button', { name: 'By project' }).click();
    const [byProject] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(await readFile((await byProject.path())!, 'utf8')).toContain(`Bakery site,${projectId},1,`);
    // One project's usage: the same page, narrowed (and linkable).
    await page.getByLabel('Project', { exact: true }).selectOption({ label: 'Bakery site' });
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/projectId=/);
    await page.waitForSelector('main[data-ready="usage"]');
    expect(await page.locator('.lead').textContent()).toContain('one project');
    expect(await page.locator('.totals li').first().textContent()).toBe('Generations1');
  });

  it('passes the accessibility scan at 1,280 and 390 px on every page, without sideways scrolling', async () => {
    const pages: Array<[name: string, path: string, section: string]> = [
      ['usage', '/usage', 'usage'],
      ['sessions', '/sessions', 'sessions'],
      ['session', `/sessions/${sessionId}`, 'sessions'],
      ['projects', '/projects', 'projects'],
      ['project', `/projects/${projectId}`, 'projects'],
      ['keys', '/keys', 'keys'],
      ['webhooks', '/webhooks', 'webhooks'],
      ['settings', '/settings', 'settings'],
    ];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const [name, path, section] of pages) {
        await open(page, path, section);
        if (name === 'session') await page.waitForSelector('li[data-type="done"]');
        await checkPage(page, name, width);
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lists sessions with filters and replays one: text, files, preview, done', async () => {
    await open(page, '/sessions', 'sessions');
    const table = page.getByRole('region', { name: 'Sessions' });
    expect(await table.textContent()).toContain('Landing page for my bakery');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForSelector('main[data-ready="sessions"] .empty');
    expect(page.url()).toContain('status=failed');
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Search', { exact: true }).fill('bakery');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForSelector('main[data-ready="sessions"] table');
    await page.getByRole('region', { name: 'Sessions' }).getByRole('link').first().click();
    await page.waitForSelector('li[data-type="done"]');
    expect(new URL(page.url()).pathname).toBe(`/console/sessions/${sessionId}`);
    const log = page.getByRole('list', { name: 'Event log' });
    expect(await log.locator('li[data-type="file_written"]').count()).toBeGreaterThan(0);
    expect(await log.locator('.event-text').first().textContent()).toMatch(/\w+/);
    expect(await log.locator('li[data-type="done"]').textContent()).toContain('succeeded');
    expect(await page.getByTitle('Preview of the app').getAttribute('sandbox')).toBe('allow-scripts allow-forms allow-popups allow-modals');
    const seqs = await log.locator('li[data-seq]').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq'))));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Replay: the log drawn again from the start, at its own pace (4× faster), ending with done again.
    const shown = await log.locator('li').count();
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').filter({ hasText: 'Replaying' }).waitFor();
    await page.getByRole('button', { name: 'Replay', exact: true }).waitFor({ timeout: 15_000 });
    expect(await log.locator('li').count()).toBe(shown);
  });

  it('follows a running session live until it ends', async () => {
    const started = await api('mutation($id: ID!) { startSession(input: { projectId: $id, prompt: "Make the headline green and add an opening hours table" }) { id } }', { id: projectId });
    const id = started.data.startSession.id;
    await page.goto(`${platform.url}/console/sessions/${id}`);
    await page.waitForSelector('.live', { timeout: 10_000 });
    await page.waitForSelector('li[data-type="done"]', { timeout: 30_000 });
    expect(await page.getByRole('status').filter({ hasText: 'the session has ended' }).count()).toBe(1);
    expect(await page.locator('.meta').textContent()).toContain('succeeded');
  });

  it('shows a project: its files, its preview, its versions and deployments', async () => {
    await open(page, `/projects/${projectId}`, 'projects');
    await page.getByRole('button', { name: /index\.html/ }).click();
    await page.getByLabel('Content of index.html').waitFor();
    expect(await page.getByLabel('Content of index.html').textContent()).toContain('<html');
    await page.getByRole('tab', { name: 'Preview' }).click();
    expect(await page.getByTitle('Preview of Bakery site').getAttribute('src')).toMatch(/^http/);
    expect(await page.frameLocator('iframe[title="Preview of Bakery site"]').locator('h1').textContent()).toMatch(/bakery/i);
    // The keyboard: arrow keys move between tabs (focus is on Preview after the click).
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Versions');
    expect(await page.getByRole('tab', { name: 'Versions' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('region', { name: 'Versions' }).locator('tbody tr').count()).toBe(2);
    // Back to the first version: its files return (the second session changed index.html).
    const before = (await api('query($id: ID!) { project(id: $id) { file(path: "index.html") { sha } } }', { id: projectId })).data.project.file.sha;
    await page.getByRole('region', { name: 'Versions' }).locator('tbody tr').last().getByRole('button', { name: /^Restore the files/ }).click();
    await page.getByRole('status').filter({ hasText: 'The files are back' }).waitFor();
    const first = (await api('query($id: ID!) { session(id: $id) { files { path sha } } }', { id: sessionId })).data.session.files.find((file: any) => file.path === 'index.html');
    const after = (await api('query($id: ID!) { project(id: $id) { file(path: "index.html") { sha } } }', { id: projectId })).data.project.file.sha;
    expect(after).toBe(first.sha);
    expect(after).not.toBe(before);
    await page.getByRole('tab', { name: 'Deployments' }).click();
    expect(await page.getByRole('tabpanel').textContent()).toContain('Never deployed');
  });

  it('creates a key (secret shown once, copied), shows when it was last used, and revokes it', async () => {
    await open(page, '/keys', 'keys');
    await page.getByLabel('Name').fill('CI key');
    await page.getByLabel('keys:write').uncheck();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('.secret code').textContent())!;
    expect(secret).toMatch(/^ej_live_sk_/);
    await page.getByRole('button', { name: 'Copy the secret key' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const row = page.getByRole('row').filter({ hasText: 'CI key' });
    expect(await row.textContent()).toContain('never');
    expect(await row.textContent()).not.toContain('keys:write');

    // Used once: "last used" says so after a reload (written at most once a minute).
    expect((await api('{ viewer { name } }', {}, secret)).data.viewer.name).toBe('Acme Apps');
    await expectEventually(async () => {
      await open(page, '/keys', 'keys');
      return (await page.getByRole('row').filter({ hasText: 'CI key' }).textContent())!.includes('just now');
    });
    // Revoking asks once more, then the key stops working.
    await page.getByRole('button', { name: 'Revoke CI key' }).click();
    await page.getByRole('button', { name: 'Confirm: revoke CI key now' }).click();
    await page.getByRole('row').filter({ hasText: 'CI key' }).getByText('revoked').waitFor();
    expect((await api('{ viewer { name } }', {}, secret)).status).toBe(401);
    // The secret was shown once: a reload shows only its prefix.
    await open(page, '/keys', 'keys');
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByRole('row').filter({ hasText: 'CI key' }).textContent()).toContain(secret.slice(0, 12));
  });

  it('shows webhook deliveries with their request and response, and redelivers one', async () => {
    await open(page, '/webhooks', 'webhooks');
    expect(await page.getByRole('region', { name: 'Webhook endpoints' }).textContent()).toContain(receiver.url);
    // Newest first: the first session's delivery (answered 500, then 200 on its retry) is the last one.
    const delivery = page.locator('.deliveries > li').last();
    await delivery.locator('summary').click();
    const eventId = receiver.received[0]!.event.id as string;
    expect(await delivery.getByLabel('Request body').textContent()).toContain(eventId);
    expect(await delivery.textContent()).toContain('session.succeeded');
    expect(await delivery.textContent()).toContain('2 attempts');
    await delivery.getByRole('button', { name: `Redeliver ${eventId}` }).click();
    await receiver.waitFor((received) => received.filter((one) => one.event.id === eventId).length >= 3, 15_000);

    // A new endpoint: its signing secret shown once; disabling it asks nothing more.
    await page.getByLabel('URL', { exact: true }).fill('https://hooks.example.com/everjust');
    await page.getByLabel('deploy.failed').uncheck();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    expect(await page.locator('.secret code').textContent()).toMatch(/^whsec_/);
    const row = page.getByRole('row').filter({ hasText: 'hooks.example.com' });
    await row.getByRole('button', { name: 'Disable https://hooks.example.com/everjust' }).click();
    await row.getByText('disabled').waitFor();
    const endpoints = await api('{ webhookEndpoints(first: 10) { edges { node { url enabled events } } } }');
    const added = endpoints.data.webhookEndpoints.edges.map((edge: any) => edge.node).find((node: any) => node.url === 'https://hooks.example.com/everjust');
    expect(added, JSON.stringify(endpoints.data)).toMatchObject({ enabled: false });
    expect(added.events).toHaveLength(10);
    expect(added.events).not.toContain('DEPLOY_FAILED');
  });

  it('saves settings; tokens and keys are write-only', async () => {
    await open(page, '/settings', 'settings');
    await page.getByLabel('Origins, one per line').fill('https://app.example.com\nhttps://www.example.com');
    await page.getByRole('button', { name: 'Save origins' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect((await api('{ viewer { allowedOrigins } }')).data.viewer.allowedOrigins).toEqual(['https://app.example.com', 'https://www.example.com']);

    await page.getByLabel('Instructions added to every live session').fill('Always use British English.');
    await page.getByLabel('Your own Anthropic API key (write-only)').fill('sk-ant-console-test-1234');
    await page.getByRole('button', { name: 'Save generation settings' }).click();
    await page.getByText('ending in 1234').waitFor();
    expect(await page.getByLabel('Your own Anthropic API key (write-only)').inputValue()).toBe('');
    expect((await api('{ viewer { generation { instructions hasAnthropicApiKey } } }')).data.viewer.generation).toEqual({ instructions: 'Always use British English.', hasAnthropicApiKey: true });

    await page.getByLabel('GitHub token (write-only)').fill('ghp_console_test_token');
    await page.getByRole('button', { name: 'Save GitHub token' }).click();
    await page.getByText('A token is stored.').waitFor();
    expect((await api('{ viewer { gitHubTokenSet } }')).data.viewer.gitHubTokenSet).toBe(true);
    const html = await page.content();
    expect(html).not.toContain('ghp_console_test_token');
    expect(html).not.toContain('sk-ant-console-test');
  });

  it('switches to test mode: test data only, and the choice survives a reload', async () => {
    await open(page, '/projects', 'projects');
    expect(await page.getByRole('region', { name: 'Projects' }).textContent()).toContain('Bakery site');
    await page.getByRole('switch', { name: 'Test mode' }).click();
    await page.waitForSelector('main[data-ready="projects"] .empty');
    expect(await page.getByRole('switch', { name: 'Test mode' }).getAttribute('aria-checked')).toBe('true');
    expect(await page.textContent('.mode-banner')).toContain('Test mode');
    await page.reload();
    await page.waitForSelector('main[data-ready="projects"] .empty');
    expect(await page.getByRole('switch', { name: 'Test mode' }).getAttribute('aria-checked')).toBe('true');
    await open(page, '/keys', 'keys');
    const modes = await page.getByRole('region', { name: 'API keys' }).locator('tbody tr td:nth-child(3)').allTextContents();
    expect(new Set(modes)).toEqual(new Set(['test']));
    await page.getByRole('switch', { name: 'Test mode' }).click();
    await page.waitForSelector('main[data-ready="keys"]');
  });

  it('shows an API error as a message with a way to retry, never a blank page', async () => {
    await page.route('**/graphql', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'The database is not answering', extensions: { code: 'INTERNAL' } }] }) }));
    try {
      for (const [path, section] of [['/usage', 'usage'], ['/sessions', 'sessions'], ['/keys', 'keys'], ['/webhooks', 'webhooks'], ['/settings', 'settings'], [`/projects/${projectId}`, 'projects']] as const) {
        await open(page, path, section);
        const alert = page.getByRole('alert').filter({ hasText: 'The database is not answering' }).first();
        await alert.waitFor();
        expect(await alert.textContent(), path).toContain('INTERNAL');
      }
      await checkPage(page, 'error', 1280);
    } finally {
      await page.unroute('**/graphql');
    }
    await page.getByRole('button', { name: 'Try again' }).first().click();
    await page.getByRole('heading', { name: 'Bakery site' }).waitFor();
  });

  it('refuses the cookie without the CSRF token (403), and from another origin', async () => {
    const answers = await page.evaluate(async () => {
      const query = JSON.stringify({ query: '{ viewer { name } }' });
      const noToken = await fetch('/graphql', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: query });
      const logout = await fetch('/console/api/logout', { method: 'POST', credentials: 'same-origin' });
      return { graphql: noToken.status, code: (await noToken.json()).errors?.[0]?.extensions?.code, logout: logout.status };
    });
    expect(answers).toEqual({ graphql: 403, code: 'CSRF_FAILED', logout: 403 });
    // The cookie and the right token, but sent from another origin: refused too.
    const csrfToken = await page.evaluate(async () => (await (await fetch('/console/api/session')).json()).csrfToken as string);
    const cookie = (await context.cookies(platform.url)).find((one) => one.name === 'ej_console')!;
    const headers = { 'content-type': 'application/json', cookie: `ej_console=${cookie.value}`, 'x-everjust-csrf': csrfToken };
    const body = JSON.stringify({ query: '{ viewer { name } }' });
    const foreign = await fetch(`${platform.url}/graphql`, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body });
    expect(foreign.status).toBe(403);
    const own = await fetch(`${platform.url}/graphql`, { method: 'POST', headers: { ...headers, origin: platform.url }, body });
    expect(((await own.json()) as any).data.viewer.name).toBe('Acme Apps');
    // Still signed in: a refused request changes nothing.
    await open(page, '/usage', 'usage');
    expect(await page.locator('.totals').count()).toBe(1);
  });

  it('signs out everywhere: every other console session ends too, and shows how to sign in again', async () => {
    const other = await newContext(390);
    try {
      const second = await signIn(other);
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      expect(await page.textContent('main')).toContain('signed out on every device');
      // The other browser's session is gone: its next request shows the signed-out page.
      await second.getByRole('link', { name: 'API keys' }).click();
      await second.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      await second.goto(`${platform.url}/console/keys`);
      await second.getByRole('heading', { name: 'Sign in with a link' }).waitFor();
      await checkPage(second, 'signed-out-everywhere', 390);
    } finally {
      await other.close();
    }
    expect(pageErrors).toEqual([]);
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
