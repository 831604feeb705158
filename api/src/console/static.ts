import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '@everjust/core';

/** One file of the console's bundle, as `@everjust/console/build` describes it. */
interface ConsoleAsset {
  bytes: Uint8Array;
  contentType: string;
  hash: string;
}

export interface ConsoleStaticOptions {
  /** The API's public URL and the preview origin: the shell's CSP lets previews and screenshots in from there. */
  publicUrl: string;
  previewUrl: string;
  logger: Logger;
  /**
   * Where the bundle comes from: `dist` (console/dist, written by `pnpm build`), `memory` (built from
   * the sources by esbuild on first request), or `auto` (the default): memory while the API itself
   * runs from TypeScript sources (`pnpm start`, tests: always the current sources), else dist, and
   * memory when dist is missing.
   */
  source?: 'auto' | 'dist' | 'memory';
}

const CONSOLE = '/console';
const ASSET = /^\/console\/assets\/(console\.(?:js|css))$/;

/**
 * The console's static side: the HTML shell at `/console/` (and at every page path under it: the
 * console routes in the browser) and its two assets at `/console/assets/*`. It answers nothing under
 * `/console/api/` or `/console/login` (the console's sign-in routes, api/src/console/, own those).
 * The shell carries a strict CSP: scripts and styles from this origin only, no inline code.
 */
export function useConsoleStatic(options: ConsoleStaticOptions): Plugin {
  let assets: Promise<Map<string, ConsoleAsset>> | undefined;
  const load = () => {
    assets ??= loadAssets(options).catch((error: unknown) => {
      assets = undefined; // a later request tries again (a syntax error fixed, a build finished)
      throw error;
    });
    return assets;
  };
  const csp = contentSecurityPolicy(options);
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      const path = url.pathname;
      if (path !== CONSOLE && !path.startsWith(`${CONSOLE}/`)) return;
      if (path.startsWith(`${CONSOLE}/api/`) || path === `${CONSOLE}/api` || path === `${CONSOLE}/login` || path.startsWith(`${CONSOLE}/login/`)) return;
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string>) =>
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            status,
            headers: { 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', ...headers },
          }),
        );
      if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed', { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      if (path === CONSOLE) return respond(308, null, { location: `${CONSOLE}/${url.search}` });

      let files: Map<string, ConsoleAsset>;
      try {
        files = await load();
      } catch (error) {
        options.logger.error({ err: error }, 'the console bundle could not be built');
        return respond(500, 'The console could not be built; the API log says why.', { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      }
      const asset = ASSET.exec(path);
      if (asset) {
        const file = files.get(asset[1]!);
        if (!file) return respond(404, 'Not found', { 'content-type': 'text/plain; charset=utf-8' });
        // `?v=<hash>` names these exact bytes: cached for good; without it, revalidated every time.
        const versioned = url.searchParams.get('v') === file.hash;
        const etag = `"${file.hash}"`;
        const caching = { etag, 'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'no-cache' };
        if (request.headers.get('if-none-match') === etag) return respond(304, null, caching);
        return respond(200, file.bytes as BodyInit, { 'content-type': file.contentType, 'content-length': String(file.bytes.byteLength), ...caching });
      }
      if (path.startsWith(`${CONSOLE}/assets/`)) return respond(404, 'Not found', { 'content-type': 'text/plain; charset=utf-8' });
      return respond(200, shell(files), {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': csp,
        'x-frame-options': 'DENY',
        'cross-origin-opener-policy': 'same-origin',
      });
    },
  };
}

function shell(files: Map<string, ConsoleAsset>): string {
  const version = (name: string) => files.get(name)?.hash ?? '0';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>EverJust console</title>
<link rel="stylesheet" href="/console/assets/console.css?v=${version('console.css')}">
<script defer src="/console/assets/console.js?v=${version('console.js')}"></script>
</head>
<body>
<div id="app"><main id="main"><p class="loading" role="status">Loading the console…</p></main></div>
<noscript><p>The EverJust console needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/** No inline scripts or styles; previews (iframes) and screenshots from the preview origin and the API. */
function contentSecurityPolicy(options: ConsoleStaticOptions): string {
  const origins = [...new Set([originOf(options.previewUrl), originOf(options.publicUrl)].filter((origin): origin is string => Boolean(origin)))].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${origins}`,
    "connect-src 'self'",
    `frame-src ${origins}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

async function loadAssets(options: ConsoleStaticOptions): Promise<Map<string, ConsoleAsset>> {
  const packageDirectory = dirname(createRequire(import.meta.url).resolve('@everjust/console/package.json'));
  const dist = join(packageDirectory, 'dist');
  const fromSources = import.meta.url.endsWith('.ts');
  const source = options.source ?? 'auto';
  const haveDist = existsSync(join(dist, 'console.js')) && existsSync(join(dist, 'console.css'));
  if (source === 'dist' || (source === 'auto' && !fromSources && haveDist)) {
    const files = new Map<string, ConsoleAsset>();
    for (const [name, contentType] of [['console.js', 'text/javascript; charset=utf-8'], ['console.css', 'text/css; charset=utf-8']] as const) {
      const bytes = readFileSync(join(dist, name));
      files.set(name, { bytes, contentType, hash: createHash('sha256').update(bytes).digest('hex').slice(0, 12) });
    }
    return files;
  }
  if (source === 'auto' && !fromSources) options.logger.warn({ dist }, 'no prebuilt console bundle (pnpm build writes it): building it in memory');
  const started = Date.now();
  const { buildConsole } = await import('@everjust/console/build');
  const built = await buildConsole({ root: packageDirectory });
  options.logger.debug({ ms: Date.now() - started }, 'console bundle built in memory');
  return built;
}
