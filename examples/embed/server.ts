/**
 * A third-party site that embeds `<everjust-builder>`: it serves a page that loads the widget with one
 * script tag, and mints widget tokens for its visitors at `POST /token` with plain GraphQL
 * (`createWidgetToken`) and its secret key, which never leaves this server.
 *
 *   EVERJUST_API_KEY=ej_test_sk_… pnpm --filter @everjust/example-embed start
 *
 * No framework: node:http and fetch. A real site would know its signed-in user; this demo gives each
 * browser a random id in a cookie and one project per id. The page turns on every optional feature
 * (`features="deploy download"`), so its tokens are minted with `permissions: [DEPLOY]`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const CREATE_WIDGET_TOKEN = `mutation CreateWidgetToken($input: CreateWidgetTokenInput!) {
  createWidgetToken(input: $input) { token expiresAt project { id } }
}`;

export interface EmbedServerOptions {
  /** The EverJust API as both this server and the browser reach it. */
  apiUrl: string;
  /** A secret key (`ej_test_sk_…` or `ej_live_sk_…`). */
  apiKey: string;
  port?: number;
  host?: string;
  /** Lifetime of the tokens it mints, in seconds (the API's default when absent). */
  tokenTtlSeconds?: number;
  /** The widget's `features` attribute on the page (default `deploy download`: everything the widget offers). */
  features?: string;
  /** Extra rights of the tokens it mints (default `['DEPLOY']` when `features` has `deploy`, else none). */
  tokenPermissions?: string[];
  /** The script-tag bundle (default: the workspace's `widget/dist/everjust-builder.global.js`). */
  widgetScript?: string;
  log?: (message: string) => void;
}

export interface EmbedServer {
  url: string;
  close(): Promise<void>;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export async function startEmbedServer(options: EmbedServerOptions): Promise<EmbedServer> {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const widgetScript = options.widgetScript ?? here('../../widget/dist/everjust-builder.global.js');
  const log = options.log ?? (() => undefined);
  const features = options.features ?? 'deploy download';
  // The Deploy button works only with tokens minted for it: the site decides, per visitor, who may go live.
  const permissions = options.tokenPermissions ?? (features.split(/\s+/).includes('deploy') ? ['DEPLOY'] : []);
  /** Visitor id → their project: a real backend keeps this with its users. */
  const projects = new Map<string, string>();

  async function mint(visitor: string, origin: string): Promise<{ token: string; expiresAt: string; projectId: string }> {
    const known = projects.get(visitor);
    const input = {
      externalUserId: visitor,
      origin,
      ...(options.tokenTtlSeconds ? { ttlSeconds: options.tokenTtlSeconds } : {}),
      ...(permissions.length ? { permissions } : {}),
      // The first token makes the visitor's project; the idempotency key keeps a retry from making two.
      ...(known ? { projectId: known } : { newProject: { name: 'My app', metadata: { source: 'example-embed' } }, idempotencyKey: `embed-project-${visitor}` }),
    };
    const response = await fetch(`${apiUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
      body: JSON.stringify({ query: CREATE_WIDGET_TOKEN, variables: { input } }),
    });
    const body = (await response.json()) as { data?: { createWidgetToken: { token: string; expiresAt: string; project: { id: string } } }; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    const error = body.errors?.[0];
    if (error?.extensions?.code === 'NOT_FOUND' && known) {
      projects.delete(visitor); // the project was deleted: start a new one
      return mint(visitor, origin);
    }
    if (!body.data) throw new Error(`createWidgetToken failed: ${error?.extensions?.code ?? response.status} ${error?.message ?? ''}`);
    const minted = body.data.createWidgetToken;
    projects.set(visitor, minted.project.id);
    return { token: minted.token, expiresAt: minted.expiresAt, projectId: minted.project.id };
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    // The page's origin as the browser sees it: the token works from there only.
    const origin = `http://${request.headers.host}`;
    const visitor = /(?:^|;\s*)visitor=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1];
    if (request.method === 'GET' && url.pathname === '/') {
      const page = (await readFile(here('index.html'), 'utf8')).replaceAll('{{API_URL}}', escapeAttribute(apiUrl)).replaceAll('{{FEATURES}}', escapeAttribute(features));
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      if (!visitor) headers['set-cookie'] = `visitor=${randomUUID()}; Path=/; HttpOnly; SameSite=Lax`;
      response.writeHead(200, headers).end(page);
    } else if (request.method === 'GET' && url.pathname === '/everjust-builder.global.js') {
      const script = await readFile(widgetScript).catch(() => null);
      if (!script) return void response.writeHead(500, { 'content-type': 'text/plain' }).end('The widget is not built: run `pnpm --filter @everjust/widget build`');
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).end(script);
    } else if (request.method === 'POST' && url.pathname === '/token') {
      if (!visitor) return void response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no visitor cookie: load the page first' }));
      try {
        const token = await mint(visitor, origin);
        log(`minted a widget token for visitor ${visitor.slice(0, 8)}… (project ${token.projectId}, origin ${origin})`);
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(token));
      } catch (error) {
        log(`${(error as Error).message}${/origin/i.test((error as Error).message) ? `\n  Allow ${origin}: updateTenant(input: { allowedOrigins: ["${origin}"] }) or \`pnpm everjust tenant update <tenantId> --allowed-origins ${origin}\`` : ''}`);
        response.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
      }
    } else if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`error: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

// Run directly (`tsx server.ts`): settings from the environment.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const apiKey = process.env.EVERJUST_API_KEY;
  if (!apiKey) {
    console.error('Set EVERJUST_API_KEY to a secret key (the first `pnpm start` prints a test key: ej_test_sk_…).');
    process.exit(1);
  }
  const embed = await startEmbedServer({
    apiKey,
    apiUrl: process.env.EVERJUST_API_URL ?? 'http://127.0.0.1:4000',
    port: Number(process.env.PORT ?? 5173),
    host: process.env.HOST ?? '127.0.0.1',
    log: (message) => console.log(message),
  });
  console.log(`Example site with <everjust-builder> on ${embed.url} (API: ${process.env.EVERJUST_API_URL ?? 'http://127.0.0.1:4000'})`);
}
