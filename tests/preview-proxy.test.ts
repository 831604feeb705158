import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeIdOf } from '@everjust/core';
import { localSandboxRoot } from '@everjust/worker';
import { createTestTenant, graphql, type TestTenant } from '../test-support/app.js';
import { describeEachDatabase } from '../test-support/databases.js';
import { startFakeDaytona, type FakeDaytona } from '../test-support/fake-daytona.js';
import { EVENT_FIELDS, startTestPlatform, subscribeSse, type TestPlatform } from '../test-support/platform.js';

/**
 * `local` previews through the API's preview proxy, end to end: a real dev-server-like app (an HTTP
 * server with a WebSocket echo, no dependencies) started by `npm start` in a local sandbox, reached
 * only through signed URLs on the preview origin.
 */

const EVENTS = `subscription($sessionId: ID!) { sessionEvents(sessionId: $sessionId) { ${EVENT_FIELDS}
  ... on PreviewReadyEvent { url expiresAt } ... on PreviewFailedEvent { reason } } }`;

/** A small dev server: files from its folder (with a cookie and a framing ban of its own) and a WebSocket echo on any path. */
const SERVER = `const http = require('http'), crypto = require('crypto'), fs = require('fs'), path = require('path');
const server = http.createServer((req, res) => {
  const name = new URL(req.url, 'http://x').pathname.slice(1) || 'index.html';
  fs.readFile(path.join(__dirname, name), (error, data) => {
    if (error) { res.writeHead(404, { 'content-type': 'text/plain' }); return res.end('missing ' + name); }
    res.writeHead(200, { 'content-type': name.endsWith('.html') ? 'text/html' : 'text/javascript', 'set-cookie': 'sid=app-session', 'x-frame-options': 'DENY' });
    res.end(data);
  });
});
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  socket.on('data', (frame) => {
    if ((frame[0] & 0x0f) === 8) return socket.end();
    const length = frame[1] & 0x7f, mask = frame.subarray(2, 6), data = Buffer.alloc(length);
    for (let i = 0; i < length; i++) data[i] = frame[6 + i] ^ mask[i % 4];
    const out = Buffer.from('echo ' + req.url + ' ' + data.toString() + (req.headers.cookie ? ' cookie!' : ''));
    socket.write(Buffer.concat([Buffer.from([0x81, out.length]), out]));
  });
  socket.on('error', () => {});
});
server.listen(Number(process.env.PORT), process.env.HOST);
`;

const files = (title: string) => [
  { path: 'package.json', content: JSON.stringify({ name: 'dev-app', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }) },
  { path: 'server.js', content: SERVER },
  { path: 'index.html', content: `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><script src="app.js"></script></body></html>` },
  { path: 'app.js', content: `document.title += ' (${title})';` },
];

/** Opens a WebSocket, sends one message, and resolves with the answer (or rejects with how the upgrade failed). */
function echo(url: string, message: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => socket.send(message));
    socket.once('message', (data) => {
      resolve(data.toString());
      socket.close();
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

describeEachDatabase('local previews through the preview proxy', (database) => {
  let platform: TestPlatform;
  let tenant: TestTenant;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'everjust-proxy-'));
    chmodSync(dataDir, 0o755);
    platform = await startTestPlatform(database(), { environment: { EVERJUST_SANDBOX: 'local', EVERJUST_DATA_DIR: dataDir, EVERJUST_PREVIEW_WAIT_MS: '20000' } });
    tenant = await createTestTenant(database());
  });
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(localSandboxRoot(dataDir), { recursive: true, force: true });
  });

  async function preview(title: string, projectFiles = files(title)) {
    const created = await graphql(platform.app, tenant.live, 'mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }', { input: { name: title } });
    const projectId = created.data.createProject.id as string;
    await graphql(platform.app, tenant.live, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId, files: projectFiles } });
    const started = await graphql(platform.app, tenant.live, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId } });
    const { events } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId: started.data.startPreview.id });
    const ready = events.find((event) => event.type === 'preview_ready');
    if (!ready) throw new Error(`no preview_ready: ${JSON.stringify(events.filter((event) => event.type === 'preview_failed'))}`);
    const sandbox = await database().prisma.sandbox.findUniqueOrThrow({ where: { projectId: decodeIdOf('Project', projectId)! } });
    return { projectId, url: ready.url as string, events, sandbox };
  }

  it('serves the dev server only on the preview origin, with its WebSocket, our headers and the reporter', async () => {
    const { url, events, sandbox } = await preview('Alpha');
    const previewUrl = platform.app.services.config.previewUrl;
    expect(url.startsWith(`${previewUrl}/`)).toBe(true);
    // The sandbox's own address is never handed out.
    const upstreamPort = new URL(sandbox.upstreamUrl!).port;
    expect(upstreamPort).not.toBe(new URL(platform.url).port);
    expect(JSON.stringify(events)).not.toContain(`:${upstreamPort}`);

    const page = await fetch(url, { headers: { cookie: 'everjust=ours' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups allow-modals');
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('x-frame-options')).toBeNull();
    // Served by the Node server's hot path (proxy-node.ts): ours replace the app's, each once.
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(page.headers.get('ratelimit-limit')).toBe('600');
    const html = await page.text();
    expect(html).toMatch(/^<!doctype html><html><head><script src="\/preview\/[^/]+\/__everjust\/reporter\.js"><\/script><title>Alpha<\/title>/);
    expect(html).toContain('<script crossorigin src="app.js"></script>');
    expect(await (await fetch(new URL('app.js', url))).text()).toBe("document.title += ' (Alpha)';");

    // The WebSocket upgrade goes through to the app's server (path and query kept, our cookie not).
    const socketUrl = `${url.replace(/^http/, 'ws')}hmr?token=1`;
    expect(await echo(socketUrl, 'hello', { cookie: 'everjust=ours' })).toBe('echo /hmr?token=1 hello');
  }, 60_000);

  it("keeps each project's token to its own sandbox, over HTTP and WebSocket", async () => {
    const a = await preview('Beta');
    const b = await preview('Gamma');
    expect(a.sandbox.upstreamUrl).not.toBe(b.sandbox.upstreamUrl);
    expect(await (await fetch(a.url)).text()).toContain('<h1>Beta</h1>');
    expect(await (await fetch(b.url)).text()).toContain('<h1>Gamma</h1>');
    // A's signature with B's project id in the claims: nothing.
    const tokenOf = (url: string) => new URL(url).pathname.split('/').at(-2)!;
    const [bodyA, signatureA] = tokenOf(a.url).split('.');
    const claims = JSON.parse(Buffer.from(bodyA!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, p: decodeIdOf('Project', b.projectId) })).toString('base64url')}.${signatureA}`;
    const forgedUrl = a.url.replace(tokenOf(a.url), forged);
    const refused = await fetch(forgedUrl);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('Gamma');
    await expect(echo(`${forgedUrl.replace(/^http/, 'ws')}hmr`, 'x')).rejects.toThrow('HTTP 404');
    expect(await echo(`${b.url.replace(/^http/, 'ws')}hmr`, 'x')).toBe('echo /hmr x');
  }, 90_000);

  it("answers a static app's assets from memory until the next file sync, never an app server's", async () => {
    const staticFiles = (version: string) => [
      { path: 'index.html', content: '<!doctype html><html><head><title>Static</title></head><body><script src="app.js"></script></body></html>' },
      { path: 'app.js', content: `window.version = '${version}';` },
    ];
    const first = await preview('Static', staticFiles('one'));
    const app = (url: string, headers: Record<string, string> = {}) => fetch(new URL('app.js', url), { headers });
    const served = await app(first.url);
    expect(await served.text()).toBe("window.version = 'one';");
    // The platform's static server marks its files for the proxy; browsers never see the mark.
    expect(served.headers.get('x-everjust-static-file')).toBeNull();
    expect(served.headers.get('content-security-policy')).toBe('sandbox allow-scripts allow-forms allow-popups allow-modals');

    // A command in the sandbox changes the file behind the proxy's back: the kept copy answers, for at
    // most 2 s, unless the browser asks for a fresh one (a hard reload).
    const appFile = join(localSandboxRoot(dataDir), first.sandbox.externalId!, 'app', 'app.js');
    writeFileSync(appFile, "window.version = 'edited';");
    expect(await (await app(first.url)).text()).toBe("window.version = 'one';");
    expect(await (await app(first.url, { 'cache-control': 'no-cache' })).text()).toBe("window.version = 'edited';");
    writeFileSync(appFile, "window.version = 'edited again';");
    await expect.poll(async () => (await app(first.url)).text(), { timeout: 5000, interval: 250 }).toBe("window.version = 'edited again';");

    // A sync (a new version of the project's files) is seen at once through the link it hands out.
    await graphql(platform.app, tenant.live, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId: first.projectId, files: staticFiles('two') } });
    const started = await graphql(platform.app, tenant.live, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId: first.projectId } });
    const { events } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId: started.data.startPreview.id });
    const again = events.find((event) => event.type === 'preview_ready');
    expect(await (await app(again.url)).text()).toBe("window.version = 'two';");

    // An app's own server (npm start) is never answered from memory.
    const dev = await preview('Epsilon');
    expect(await (await app(dev.url)).text()).toBe("document.title += ' (Epsilon)';");
    writeFileSync(join(localSandboxRoot(dataDir), dev.sandbox.externalId!, 'app', 'app.js'), "document.title += ' (changed)';");
    expect(await (await app(dev.url)).text()).toBe("document.title += ' (changed)';");
  }, 90_000);

  it('revokes a link when its sandbox stops: a restarted preview has a new link, the old one stays 404', async () => {
    const first = await preview('Delta');
    expect((await fetch(first.url)).status).toBe(200);
    const stopped = await graphql(platform.app, tenant.live, 'mutation($input: StopSandboxInput!) { stopSandbox(input: $input) { sandbox { status } } }', { input: { projectId: first.projectId } });
    expect(stopped.data.stopSandbox.sandbox.status).toBe('stopped');
    await expect.poll(async () => (await fetch(first.url)).status, { timeout: 5000, interval: 200 }).toBe(404);
    await expect(echo(`${first.url.replace(/^http/, 'ws')}hmr`, 'x')).rejects.toThrow('HTTP 404');
    const started = await graphql(platform.app, tenant.live, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId: first.projectId } });
    const { events } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId: started.data.startPreview.id });
    const again = events.find((event) => event.type === 'preview_ready');
    expect(again.url).not.toBe(first.url);
    expect((await fetch(again.url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100)); // past the access cache
    expect((await fetch(first.url)).status).toBe(404);
  }, 90_000);
});

describeEachDatabase('daytona previews through the preview proxy', (database) => {
  let fake: FakeDaytona;
  let platform: TestPlatform;
  let tenant: TestTenant;
  let closeEdge: () => Promise<void>;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    // Plays Daytona's preview proxy for the sandbox's port: it answers only with the sandbox's token in
    // its header (as the real one does, or it shows its warning page to a browser without it).
    const edge = createServer((request, response) => {
      seen.push(request.headers);
      if (!String(request.headers['x-daytona-preview-token'] ?? '').startsWith('preview-token-')) {
        response.writeHead(401, { 'content-type': 'text/html' });
        return response.end('<h1>Daytona preview warning: a token is required</h1>');
      }
      response.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'daytona=1' });
      response.end('<html><head><title>On Daytona</title></head><body>served by the sandbox</body></html>');
    });
    await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
    closeEdge = () => new Promise((resolve) => edge.close(() => resolve()));
    fake = await startFakeDaytona({ apiKey: 'daytona-test-key', previewUpstream: `http://127.0.0.1:${(edge.address() as AddressInfo).port}` });
    fake.onCommand(/.*/, () => ({ stdout: ['ok\n'] }));
    platform = await startTestPlatform(database(), {
      environment: { EVERJUST_SANDBOX: 'daytona', DAYTONA_API_KEY: 'daytona-test-key', DAYTONA_API_URL: fake.apiUrl, EVERJUST_PREVIEW_WAIT_MS: '20000' },
    });
    tenant = await createTestTenant(database());
  });
  afterAll(async () => {
    await platform?.stop();
    await fake?.close();
    await closeEdge?.();
  });

  it("hands out a preview-origin link whose requests reach Daytona with the sandbox's token in a header, never in the browser", async () => {
    const created = await graphql(platform.app, tenant.live, 'mutation { createProject(input: { name: "Remote" }) { id } }');
    const projectId = created.data.createProject.id as string;
    await graphql(platform.app, tenant.live, 'mutation($input: WriteProjectFilesInput!) { writeProjectFiles(input: $input) { id } }', { input: { projectId, files: [{ path: 'index.html', content: '<h1>x</h1>' }] } });
    const started = await graphql(platform.app, tenant.live, 'mutation($input: StartPreviewInput!) { startPreview(input: $input) { id } }', { input: { projectId } });
    const { events } = await subscribeSse(platform.url, tenant.live, EVENTS, { sessionId: started.data.startPreview.id });
    const ready = events.find((event) => event.type === 'preview_ready');
    expect(ready, JSON.stringify(events.filter((event) => event.type === 'preview_failed'))).toBeTruthy();
    expect(ready.url.startsWith(`${platform.app.services.config.previewUrl}/`)).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(/preview-token-|127\.0\.0\.1:\d+\/(?!preview\/)/);
    const sandbox = await database().prisma.sandbox.findUniqueOrThrow({ where: { projectId: decodeIdOf('Project', projectId)! } });
    // Sealed at rest: the token is not readable in the row.
    expect(sandbox.upstreamHeaders).not.toContain('preview-token-');

    const page = await fetch(ready.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    const html = await page.text();
    expect(html).toContain('served by the sandbox');
    expect(html).toContain('/__everjust/reporter.js');
    expect(seen.at(-1)).toMatchObject({ 'x-daytona-preview-token': `preview-token-${sandbox.externalId}`, 'x-daytona-skip-preview-warning': 'true' });
  }, 60_000);
});
