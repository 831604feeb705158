import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { createTestApp } from '../../../test-support/app.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../../test-support/databases.js';

/** The console's shell and assets, built in memory from the sources (no dist/ needed, as on a fresh clone). */
describe('console static files', () => {
  let database: TestDatabase;
  let app: App;

  beforeAll(async () => {
    database = await openPgliteTestDatabase();
    app = await createTestApp(database);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  const get = (path: string, init: RequestInit = {}) => app.fetch(`http://everjust.test${path}`, init);

  it('serves the shell at /console/ and every page path under it, under a strict CSP with no inline code', async () => {
    for (const path of ['/console/', '/console/usage', '/console/sessions/U2Vzc2lvbjox']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      const html = await response.text();
      expect(html).toMatch(/<script defer src="\/console\/assets\/console\.js\?v=[0-9a-f]{12}"><\/script>/);
      // No inline script: every <script> has a src.
      expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    }
    expect((await get('/console')).status).toBe(308);
    expect((await get('/console')).headers.get('location')).toBe('/console/');
  });

  it('serves the bundle: cached for good under its hash, revalidated without it', async () => {
    const html = await (await get('/console/')).text();
    const script = /src="(\/console\/assets\/console\.js\?v=[0-9a-f]+)"/.exec(html)![1]!;
    const style = /href="(\/console\/assets\/console\.css\?v=[0-9a-f]+)"/.exec(html)![1]!;
    const js = await get(script);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const css = await get(style);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const plain = await get('/console/assets/console.js');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect((await get('/console/assets/console.js', { headers: { 'if-none-match': plain.headers.get('etag')! } })).status).toBe(304);
    expect((await get('/console/assets/other.js')).status).toBe(404);
    expect((await get('/console/', { method: 'POST' })).status).toBe(405);
  });

  it('leaves /console/api/* and /console/login to the sign-in routes', async () => {
    for (const path of ['/console/api/session', '/console/login?token=x']) {
      const response = await get(path);
      expect(await response.text(), path).not.toContain('<div id="app">');
    }
  });
});
