import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeId, sealSecret, signPreviewToken, UPSTREAM_HEADERS_CONTEXT } from '@everjust/core';
import { createTestApp, createTestTenant, graphql, type TestTenant } from '../../../test-support/app.js';
import { describeEachDatabase } from '../../../test-support/databases.js';
import type { App } from '../app.js';
import { injectReporter, REPORTER_SCRIPT } from './reporter.js';
import { previewOrigin } from './preview-route.js';

const CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals';
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

/** A stand-in for a sandbox's port (a local server, a Daytona preview URL): records what reached it. */
async function startUpstream(name: string) {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((request, response) => {
    seen.push({ url: request.url!, headers: request.headers });
    if (request.url === '/huge.html') {
      // Chunked (no length): the proxy finds out it is too big to rewrite only while reading it.
      response.writeHead(200, { 'content-type': 'text/html' });
      const chunk = `<p>${'x'.repeat(64 * 1024)}</p>`;
      for (let index = 0; index < 140; index++) response.write(chunk);
      return response.end();
    }
    if (request.url === '/moved') {
      response.writeHead(302, { location: '/elsewhere?x=1' });
      return response.end();
    }
    const path = new URL(request.url!, 'http://upstream').pathname;
    const html = !path.endsWith('.js');
    response.writeHead(200, {
      'content-type': html ? 'text/html; charset=utf-8' : 'text/javascript',
      'set-cookie': 'upstream=1; Path=/',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'",
      'x-upstream': name,
    });
    response.end(html ? `<!doctype html><html><head><title>${name}</title><script src="app.js"></script></head><body>${name}</body></html>` : `console.log(${JSON.stringify(name)})`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('the reporter and its injection', () => {
  it('goes first into <head>, marks same-origin scripts crossorigin, leaves CDN scripts alone, and stays small', () => {
    const html = '<!doctype html><html lang="en"><head><meta charset="utf-8"><script src="app.js"></script><script src="https://cdn.example/x.js"></script><script>inline()</script><script type="module" crossorigin src="/m.js"></script></head><body></body></html>';
    const injected = injectReporter(html, '/preview/T/__everjust/reporter.js');
    expect(injected).toBe(
      '<!doctype html><html lang="en"><head><script src="/preview/T/__everjust/reporter.js"></script><meta charset="utf-8"><script crossorigin src="app.js"></script><script src="https://cdn.example/x.js"></script><script>inline()</script><script type="module" crossorigin src="/m.js"></script></head><body></body></html>',
    );
    expect(injectReporter('<h1>Bare</h1>', '/r.js')).toBe('<script src="/r.js"></script><h1>Bare</h1>');
    expect(injectReporter('<html><body>x</body></html>', '/r.js')).toBe('<html><script src="/r.js"></script><body>x</body></html>');
    expect(Buffer.byteLength(REPORTER_SCRIPT)).toBeLessThan(1500);
  });

  it('reads preview URLs under a path prefix on any host, and on an origin of its own only for that host', () => {
    const embedded = previewOrigin('http://127.0.0.1:4000/preview');
    expect(embedded.match('http://localhost:4000/preview/abc/index.html')).toEqual({ token: 'abc', path: '/index.html' });
    expect(embedded.match('http://127.0.0.1:4000/graphql')).toBeNull();
    const own = previewOrigin('https://preview.example.com');
    expect(own.match(new URL('https://preview.example.com/abc/'))).toEqual({ token: 'abc', path: '/' });
    // Every path of the preview host is the preview's: the API's routes do not answer there.
    expect(own.match(new URL('https://preview.example.com/graphql'))).toEqual({ token: 'graphql', path: '' });
    expect(own.match(new URL('https://api.example.com/abc/'))).toBeNull();
  });
});

describeEachDatabase('the preview origin', (database) => {
  let app: App;
  let tenant: TestTenant;
  let upstreamA: Awaited<ReturnType<typeof startUpstream>>;
  let upstreamB: Awaited<ReturnType<typeof startUpstream>>;
  let projectA: string;
  let projectB: string;
  let tokenA: string;
  let tokenB: string;

  /** A project whose sandbox runs (a `daytona` one, its token sealed as the worker seals it) at `upstream`. */
  async function proxiedProject(name: string, upstream: string) {
    const project = await database().prisma.project.create({ data: { tenantId: tenant.id, mode: 'live', name } });
    const runningSince = new Date(Date.now() - 1000);
    await database().prisma.sandbox.create({
      data: {
        projectId: project.id, tenantId: tenant.id, provider: 'daytona', externalId: `sb-${name}`, status: 'running', port: 3000, runningSince,
        upstreamUrl: upstream,
        upstreamHeaders: sealSecret(app.services.secret, JSON.stringify({ 'x-daytona-preview-token': `token-of-${name}`, 'x-daytona-skip-preview-warning': 'true' }), UPSTREAM_HEADERS_CONTEXT),
      },
    });
    return { id: project.id, token: signPreviewToken(app.services.secret, { projectId: project.id, mode: 'live', expiresAt: inAMinute(), issuedAt: Date.now() }) };
  }

  beforeAll(async () => {
    // No access cache: each request sees the sandbox row as it is.
    app = await createTestApp(database(), { EVERJUST_PREVIEW_ERRORS_PER_MINUTE: '1000' });
    tenant = await createTestTenant(database(), { name: 'Previews' });
    upstreamA = await startUpstream('A');
    upstreamB = await startUpstream('B');
    ({ id: projectA, token: tokenA } = await proxiedProject('A', upstreamA.url));
    ({ id: projectB, token: tokenB } = await proxiedProject('B', upstreamB.url));
  });
  afterAll(async () => {
    await app.stop();
    await upstreamA.close();
    await upstreamB.close();
  });

  const get = (path: string, init?: RequestInit) => app.fetch(`http://everjust.test${path}`, init);

  it('proxies a sandbox: its token upstream in a header, our headers down, no cookies either way, the reporter in its HTML', async () => {
    const page = await get(`/preview/${tokenA}/?q=1`, { headers: { cookie: 'ours=secret', authorization: 'Bearer ej_live_sk_x' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('x-upstream')).toBe('A');
    const html = await page.text();
    expect(html).toContain(`<head><script src="/preview/${tokenA}/__everjust/reporter.js"></script><title>A</title><script crossorigin src="app.js">`);
    const request = upstreamA.seen.at(-1)!;
    expect(request.url).toBe('/?q=1');
    expect(request.headers['x-daytona-preview-token']).toBe('token-of-A');
    expect(request.headers['x-daytona-skip-preview-warning']).toBe('true');
    expect(request.headers.cookie).toBeUndefined();
    expect(request.headers.authorization).toBeUndefined();
    // Other files stream through untouched; a redirect to the sandbox stays under the token.
    const script = await get(`/preview/${tokenA}/app.js`);
    expect(await script.text()).toBe('console.log("A")');
    expect(script.headers.get('access-control-allow-origin')).toBe('*');
    const moved = await get(`/preview/${tokenA}/moved`, { redirect: 'manual' });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe(`/preview/${tokenA}/elsewhere?x=1`);
  });

  it('refuses to buffer an HTML page past 8 MB: the 502 page, not the process memory', async () => {
    const page = await get(`/preview/${tokenA}/huge.html`);
    expect(page.status).toBe(502);
    expect(await page.text()).toContain('The app is not answering');
  });

  it("never takes one project's token to another project's sandbox", async () => {
    expect(await (await get(`/preview/${tokenB}/`)).text()).toContain('<body>B</body>');
    const before = upstreamB.seen.length;
    expect(await (await get(`/preview/${tokenA}/`)).text()).toContain('<body>A</body>');
    // A's signature on B's claims, and path tricks, reach nothing.
    const [, signatureA] = tokenA.split('.');
    const claimsB = Buffer.from(JSON.stringify({ p: projectB, m: 'live', e: inAMinute(), i: Date.now() })).toString('base64url');
    expect((await get(`/preview/${claimsB}.${signatureA}/`)).status).toBe(404);
    // A path that names B's token still goes to A's sandbox (which answers anything here).
    expect(await (await get(`/preview/${tokenA}/..%2f${tokenB}/`)).text()).not.toContain('<body>B</body>');
    expect(upstreamB.seen.length).toBe(before);
    // Another mode's link to the same project is not it.
    const wrongMode = signPreviewToken(app.services.secret, { projectId: projectA, mode: 'test', expiresAt: inAMinute(), issuedAt: Date.now() });
    expect((await get(`/preview/${wrongMode}/`)).status).toBe(404);
  });

  it('answers a small 404 page for expired, forged and revoked links', async () => {
    const expired = signPreviewToken(app.services.secret, { projectId: projectA, mode: 'live', expiresAt: Math.floor(Date.now() / 1000) - 1, issuedAt: Date.now() });
    const forged = `${tokenA.slice(0, -2)}xx`;
    // Issued before the sandbox last started: a link from before a stop.
    const stale = signPreviewToken(app.services.secret, { projectId: projectA, mode: 'live', expiresAt: inAMinute(), issuedAt: Date.now() - 60_000 });
    for (const token of [expired, forged, stale, 'garbage']) {
      const page = await get(`/preview/${token}/`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toBe(CSP);
      const body = await page.text();
      expect(body).toContain('This preview link is not valid');
      expect(body.length).toBeLessThan(500);
    }
  });

  it('revokes the links of a stopped sandbox (after the short access cache) and of a deleted project', async () => {
    const { id, token } = await proxiedProject('C', upstreamA.url);
    expect((await get(`/preview/${token}/`)).status).toBe(200);
    await database().prisma.sandbox.update({ where: { projectId: id }, data: { status: 'stopped', runningSince: null } });
    await expect.poll(async () => (await get(`/preview/${token}/`)).status, { timeout: 4000, interval: 200 }).toBe(404);
    const other = await proxiedProject('D', upstreamA.url);
    expect((await get(`/preview/${other.token}/`)).status).toBe(200);
    await database().prisma.project.update({ where: { id: other.id }, data: { deletedAt: new Date() } });
    await expect.poll(async () => (await get(`/preview/${other.token}/`)).status, { timeout: 4000, interval: 200 }).toBe(404);
  });

  describe('error beacons', () => {
    const beacon = (token: string, report: unknown) =>
      get(`/preview/${token}/__everjust/errors`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: typeof report === 'string' ? report : JSON.stringify(report) });
    const rows = (projectId: string) => database().prisma.previewError.findMany({ where: { projectId }, orderBy: { firstSeenAt: 'asc' } });

    it('refuses a bad or expired token with 404 and stores nothing', async () => {
      const expired = signPreviewToken(app.services.secret, { projectId: projectB, mode: 'live', expiresAt: Math.floor(Date.now() / 1000) - 1, issuedAt: Date.now() });
      for (const token of ['nope', expired, `${tokenB.slice(0, -2)}xx`]) expect((await beacon(token, { kind: 'error', message: 'x' })).status).toBe(404);
      expect(await rows(projectB)).toEqual([]);
    });

    it('stores a report once per fingerprint and counts repeats; writes preview_error to running sessions once each, with its webhook', async () => {
      const { prisma } = database();
      const running = await prisma.session.create({ data: { tenantId: tenant.id, projectId: projectA, mode: 'live', status: 'running', startedAt: new Date(Date.now() - 5000) } });
      const ended = await prisma.session.create({ data: { tenantId: tenant.id, projectId: projectA, mode: 'live', status: 'succeeded', startedAt: new Date(Date.now() - 9000), endedAt: new Date() } });
      await prisma.webhookEndpoint.create({ data: { tenantId: tenant.id, mode: 'live', url: 'https://hooks.example/in', events: ['preview.errors'], secretEncrypted: 'unused' } });
      const report = { kind: 'error', message: 'Uncaught TypeError: x is undefined', source: `http://everjust.test/preview/${tokenA}/app.js`, line: 3, column: 7, stack: `TypeError: x\n  at http://everjust.test/preview/${tokenA}/app.js:3:7`, page: `/preview/${tokenA}/index.html?q=1` };
      expect((await beacon(tokenA, report)).status).toBe(204);
      expect((await beacon(tokenA, report)).status).toBe(204);
      expect((await beacon(tokenA, { kind: 'console.error', message: 'boom' })).status).toBe(204);
      const stored = await rows(projectA);
      expect(stored.map((row) => [row.kind, row.message, row.count])).toEqual([['error', report.message, 2], ['console.error', 'boom', 1]]);
      // Paths under the link: its token (a credential) is kept out of what is stored and sent on.
      expect(stored[0]).toMatchObject({ source: '/app.js', stack: 'TypeError: x\n  at /app.js:3:7', line: 3, column: 7, page: '/index.html?q=1', tenantId: tenant.id });
      expect(stored[0]!.lastSeenAt.getTime()).toBeGreaterThanOrEqual(stored[0]!.firstSeenAt.getTime());

      const events = await prisma.sessionEvent.findMany({ where: { sessionId: running.id }, orderBy: { seq: 'asc' } });
      expect(events.map((event) => [event.type, (event.payload as any).message])).toEqual([['preview_error', report.message], ['preview_error', 'boom']]);
      expect(events[0]!.payload).toMatchObject({ kind: 'error', line: 3, count: 1, page: '/index.html?q=1', fingerprint: stored[0]!.fingerprint });
      expect(await prisma.sessionEvent.count({ where: { sessionId: ended.id } })).toBe(0);
      const deliveries = await prisma.webhookDelivery.findMany({ where: { tenantId: tenant.id, eventType: 'preview.errors' } });
      expect(deliveries).toHaveLength(2);
      expect((deliveries[0]!.payload as any).data).toMatchObject({ message: report.message, projectId: encodeId('Project', projectA), sessionId: encodeId('Session', running.id) });

      // Project.previewErrors, newest first, paged.
      const query = `query($id: ID!, $after: String) { project(id: $id) { previewErrors(first: 1, after: $after) { edges { cursor node { kind message count source line column page firstSeenAt lastSeenAt } } pageInfo { hasNextPage endCursor } } } }`;
      const first = await graphql(app, tenant.live, query, { id: encodeId('Project', projectA) });
      expect(first.errors).toBeUndefined();
      expect(first.data.project.previewErrors.edges.map((edge: any) => edge.node.message)).toEqual(['boom']);
      expect(first.data.project.previewErrors.pageInfo.hasNextPage).toBe(true);
      const second = await graphql(app, tenant.live, query, { id: encodeId('Project', projectA), after: first.data.project.previewErrors.pageInfo.endCursor });
      expect(second.data.project.previewErrors.edges[0].node).toMatchObject({ kind: 'error', message: report.message, count: 2, line: 3, page: '/index.html?q=1' });
    });

    it('truncates a report over 8 kB and refuses what is not one', async () => {
      const huge = { kind: 'error', message: 'm'.repeat(20_000), source: 's'.repeat(5000), stack: 't'.repeat(20_000), page: 'p'.repeat(5000) };
      expect(JSON.stringify(huge).length).toBeGreaterThan(8 * 1024);
      expect((await beacon(tokenB, huge)).status).toBe(204);
      const [row] = await rows(projectB);
      expect(row!.message).toHaveLength(2000);
      expect(row!.message.endsWith('…')).toBe(true);
      const kept = (row!.message + (row!.source ?? '') + (row!.stack ?? '') + (row!.page ?? '')).length;
      expect(kept).toBeLessThan(8 * 1024);
      expect((await beacon(tokenB, 'x'.repeat(70_000))).status).toBe(413);
      expect((await beacon(tokenB, 'not json')).status).toBe(400);
      expect((await beacon(tokenB, { kind: 'error' })).status).toBe(400);
      expect(await rows(projectB)).toHaveLength(1);
    });

    it('keeps at most 100 fingerprints per project, dropping the one seen least recently', async () => {
      const { id, token } = await proxiedProject('Many', upstreamA.url);
      for (let index = 0; index < 101; index++) expect((await beacon(token, { kind: 'console.error', message: `error ${index}` })).status).toBe(204);
      const kept = await rows(id);
      expect(kept).toHaveLength(100);
      expect(kept.some((row) => row.message === 'error 0')).toBe(false);
      expect(kept.some((row) => row.message === 'error 100')).toBe(true);
    }, 60_000);
  });
});

describeEachDatabase('error beacon floods', (database) => {
  it('answers 429 past EVERJUST_PREVIEW_ERRORS_PER_MINUTE per project, storing nothing more', async () => {
    const app = await createTestApp(database(), { EVERJUST_PREVIEW_ERRORS_PER_MINUTE: '5' });
    try {
      const tenant = await createTestTenant(database(), { name: 'Flood' });
      const project = await database().prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Flooded' } });
      const other = await database().prisma.project.create({ data: { tenantId: tenant.id, mode: 'test', name: 'Quiet' } });
      const tokenOf = (projectId: string) => signPreviewToken(app.services.secret, { projectId, mode: 'test', expiresAt: inAMinute() });
      const send = (projectId: string, index: number) =>
        app.fetch(`http://everjust.test/preview/${tokenOf(projectId)}/__everjust/errors`, { method: 'POST', body: JSON.stringify({ kind: 'error', message: `flood ${index}` }) });
      const statuses: number[] = [];
      for (let index = 0; index < 8; index++) statuses.push((await send(project.id, index)).status);
      expect(statuses).toEqual([204, 204, 204, 204, 204, 429, 429, 429]);
      expect(await database().prisma.previewError.count({ where: { projectId: project.id } })).toBe(5);
      // Another project's budget is its own.
      expect((await send(other.id, 0)).status).toBe(204);
    } finally {
      await app.stop();
    }
  });
});
