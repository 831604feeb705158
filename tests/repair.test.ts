import { afterAll, beforeAll, expect, it } from 'vitest';
import { readProjectFile } from '@everjust/core';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';
import { CHROMIUM, chromiumMissing } from '../test-support/widget.js';

/**
 * Repair (issue 14, point 4): when the preview check (EVERJUST_BROWSER) finds errors, the model gets
 * them with the files involved for up to `generation.autoRepairRounds` rounds, each a `repair_started`
 * event. Offline, `#broken` makes an app that throws at load and the repair round removes the throw, so
 * the whole loop runs here in real Chromium.
 */

const EVENTS = `subscription($sessionId: ID!, $afterSeq: Int) { sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { ${EVENT_FIELDS}
  ... on PreviewCheckedEvent { errors { kind message source line } }
  ... on RepairStartedEvent { round errors { kind message source line } }
  ... on DoneEvent { result } } }`;

const UPDATE = 'mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { generation { autoRepairRounds } } }';
const BROKEN_ERROR = { kind: 'error', message: 'The app failed to start (#broken test hook)', source: '/app.js', line: 2 };

async function run(platform: TestPlatform, key: string, input: Record<string, unknown>) {
  const started = await graphql(platform.app, key, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input });
  expect(started.errors).toBeUndefined();
  const { events, completed } = await subscribeSse(platform.url, key, EVENTS, { sessionId: started.data.startSession.id });
  expect(completed).toBe(true);
  return events;
}

async function newProject(platform: TestPlatform, key: string): Promise<string> {
  const created = await graphql(platform.app, key, 'mutation { createProject(input: { name: "Repaired" }) { id } }');
  return created.data.createProject.id as string;
}

const thrown = (event: any) => event.errors.filter((error: any) => error.kind === 'error');

describeEachDatabase('generation.autoRepairRounds', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    platform = await startTestPlatform(database(), { environment: { EVERJUST_SANDBOX: 'static' } });
    tenant = await createTestTenant(database());
  }, 60_000);
  afterAll(async () => platform?.stop());

  it('defaults to 2, takes 0 to 3, null restores the default, and refuses anything else with BAD_USER_INPUT', async () => {
    const viewer = await graphql(platform.app, tenant.live, '{ viewer { generation { autoRepairRounds } } }');
    expect(viewer.data.viewer.generation.autoRepairRounds).toBe(2);
    for (const rounds of [0, 3]) {
      const updated = await graphql(platform.app, tenant.live, UPDATE, { input: { generation: { autoRepairRounds: rounds } } });
      expect(updated.errors).toBeUndefined();
      expect(updated.data.updateTenant.generation.autoRepairRounds).toBe(rounds);
    }
    for (const rounds of [-1, 4, 100]) {
      const refused = await graphql(platform.app, tenant.live, UPDATE, { input: { generation: { autoRepairRounds: rounds } } });
      expect(refused.errors?.[0]?.extensions?.code, String(rounds)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('autoRepairRounds');
    }
    const kept = await graphql(platform.app, tenant.live, '{ viewer { generation { autoRepairRounds } } }');
    expect(kept.data.viewer.generation.autoRepairRounds).toBe(3);
    const reset = await graphql(platform.app, tenant.live, UPDATE, { input: { generation: { autoRepairRounds: null } } });
    expect(reset.data.updateTenant.generation.autoRepairRounds).toBe(2);
  });

  it('refuses a session with neither a prompt nor fixPreviewErrors, and fixPreviewErrors on a project with no recorded errors', async () => {
    const projectId = await newProject(platform, tenant.test);
    const start = (input: Record<string, unknown>) => graphql(platform.app, tenant.test, 'mutation($input: StartSessionInput!) { startSession(input: $input) { id } }', { input: { projectId, ...input } });
    for (const input of [{}, { prompt: '  ' }, { fixPreviewErrors: false }]) {
      const refused = await start(input);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('input.prompt');
    }
    for (const input of [{ fixPreviewErrors: true }, { fixPreviewErrors: true, prompt: 'and make it blue' }]) {
      const refused = await start(input);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('no recorded preview errors');
    }
    expect(await database().prisma.session.count({ where: { projectId: (await database().prisma.project.findFirstOrThrow({ where: { tenantId: tenant.id } })).id } })).toBe(0);
  });
});

describeEachDatabase(`repair rounds in headless Chromium${chromiumMissing ? ` (skipped: ${chromiumMissing})` : ''}`, (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;

  beforeAll(async () => {
    if (chromiumMissing) return;
    platform = await startTestPlatform(database(), { environment: { EVERJUST_SANDBOX: 'static', EVERJUST_BROWSER: CHROMIUM } });
    tenant = await createTestTenant(database());
  }, 60_000);
  afterAll(async () => platform?.stop());

  it.skipIf(Boolean(chromiumMissing))('repairs a #broken app: the check finds the error, round 1 removes it, the second check is clean', async () => {
    const events = await run(platform, tenant.test, { projectId: await newProject(platform, tenant.test), prompt: 'A tally counter #broken' });
    const types = events.map((event) => event.type);
    const checks = events.filter((event) => event.type === 'preview_checked');
    expect(checks).toHaveLength(2);
    expect(thrown(checks[0])).toEqual([BROKEN_ERROR]);
    expect(checks[1].errors).toEqual([]);
    const repairs = events.filter((event) => event.type === 'repair_started');
    expect(repairs).toHaveLength(1);
    expect(repairs[0].round).toBe(1);
    expect(thrown(repairs[0])).toEqual([BROKEN_ERROR]);
    // In order: the first check, the repair, an edit of app.js, the second check, done.
    const first = types.indexOf('preview_checked');
    const repair = types.indexOf('repair_started');
    const second = types.lastIndexOf('preview_checked');
    expect(first).toBeLessThan(repair);
    expect(events.slice(repair, second).some((event) => event.type === 'file_written' && event.path === 'app.js')).toBe(true);
    expect(repair).toBeLessThan(second);
    expect(second).toBeLessThan(types.indexOf('done'));
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(done.result).toEqual({ repair: { rounds: 1, nonBillableRounds: 0 } });
  }, 120_000);

  it.skipIf(Boolean(chromiumMissing))('with autoRepairRounds 0 does not repair: done succeeds and carries the remaining error', async () => {
    const other = await createTestTenant(database());
    const updated = await graphql(platform.app, other.live, UPDATE, { input: { generation: { autoRepairRounds: 0 } } });
    expect(updated.errors).toBeUndefined();
    const events = await run(platform, other.test, { projectId: await newProject(platform, other.test), prompt: 'A tally counter #broken' });
    expect(events.map((event) => event.type)).not.toContain('repair_started');
    expect(events.filter((event) => event.type === 'preview_checked')).toHaveLength(1);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(done.result.previewErrors.filter((error: any) => error.kind === 'error')).toEqual([BROKEN_ERROR]);
  }, 120_000);

  it.skipIf(Boolean(chromiumMissing))("fixPreviewErrors repairs the app from the project's recorded errors, with no prompt", async () => {
    const other = await createTestTenant(database());
    await graphql(platform.app, other.live, UPDATE, { input: { generation: { autoRepairRounds: 0 } } });
    const projectId = await newProject(platform, other.test);
    await run(platform, other.test, { projectId, prompt: 'A tally counter #broken' });
    // The preview origin's reporter recorded what the check's browser saw (its beacon may land just after).
    const rowId = (await database().prisma.project.findFirstOrThrow({ where: { tenantId: other.id } })).id;
    for (let waited = 0; (await database().prisma.previewError.count({ where: { projectId: rowId, kind: 'error' } })) === 0; waited += 100) {
      if (waited > 10_000) throw new Error('no PreviewError was recorded');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const events = await run(platform, other.test, { projectId, fixPreviewErrors: true });
    const edited = events.filter((event) => event.type === 'file_written').map((event) => event.path);
    expect(edited).toEqual(['app.js']);
    const checks = events.filter((event) => event.type === 'preview_checked');
    expect(checks).toHaveLength(1);
    expect(checks[0].errors).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded', result: null });
    const appJs = await readProjectFile(database().prisma, rowId, 'app.js');
    expect(appJs).toContain('function');
    expect(appJs).not.toContain('throw new Error');
  }, 120_000);

  it.skipIf(Boolean(chromiumMissing))('a repair round that does not reduce the errors is recorded non-billable, and the errors stay in done', async () => {
    const other = await createTestTenant(database());
    await graphql(platform.app, other.live, UPDATE, { input: { generation: { autoRepairRounds: 1 } } });
    const projectId = await newProject(platform, other.test);
    // An app the offline generator did not break, so it cannot repair it either.
    const files = [
      { path: 'index.html', content: '<!doctype html><html><head><title>Own</title></head><body><h1>Own</h1><script src="app.js"></script></body></html>\n' },
      { path: 'app.js', content: "window.started = true;\nthrow new Error('Our own failure');\n" },
    ];
    const written = await graphql(platform.app, other.test, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId, files } });
    expect(written.errors).toBeUndefined();
    const previewed = await graphql(platform.app, other.test, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId } });
    expect(previewed.errors).toBeUndefined();
    const { completed } = await subscribeSse(platform.url, other.test, EVENTS, { sessionId: previewed.data.startPreview.id });
    expect(completed).toBe(true);
    const rowId = (await database().prisma.project.findFirstOrThrow({ where: { tenantId: other.id } })).id;
    for (let waited = 0; (await database().prisma.previewError.count({ where: { projectId: rowId, kind: 'error' } })) === 0; waited += 100) {
      if (waited > 10_000) throw new Error('no PreviewError was recorded');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const events = await run(platform, other.test, { projectId, fixPreviewErrors: true });
    expect(events.filter((event) => event.type === 'file_written')).toEqual([]);
    expect(events.filter((event) => event.type === 'repair_started').map((event) => event.round)).toEqual([1]);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(done.result.repair).toEqual({ rounds: 1, nonBillableRounds: 1 });
    expect(done.result.previewErrors.filter((error: any) => error.kind === 'error')).toEqual([{ kind: 'error', message: 'Our own failure', source: '/app.js', line: 2 }]);
    // The round's tokens are recorded, not billed.
    const unbilled = await database().prisma.usageDaily.findMany({ where: { tenantId: other.id, billable: false } });
    expect(unbilled.reduce((sum, row) => sum + Number(row.outputTokens), 0)).toBeGreaterThan(0);
  }, 120_000);

  it.skipIf(Boolean(chromiumMissing))('a clean app is checked once and never repaired', async () => {
    const events = await run(platform, tenant.test, { projectId: await newProject(platform, tenant.test), prompt: 'A tally counter' });
    expect(events.map((event) => event.type)).not.toContain('repair_started');
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'succeeded', result: null });
  }, 120_000);
});
