import { randomBytes } from 'node:crypto';
import { createLocalPubSub, createLogger, loadConfig, type Database, type Environment, type PubSub, type TierName, encodeId } from '@everjust/core';
import { createApp, type App, createApiKeyRecord, createTenant, mintConsoleLink } from '@everjust/api';

/**
 * An API app on a test database, answering through `yoga.fetch` (no socket). Its rate-limit prefix
 * is its own unless given, so tests sharing one Redis never share counters by accident.
 */
export async function createTestApp(database: Database, environment: Environment = {}, pubsub: PubSub = createLocalPubSub()): Promise<App> {
  const prefix = `everjust-test-${randomBytes(6).toString('hex')}`;
  const config = loadConfig({ EVERJUST_LOG_LEVEL: 'silent', EVERJUST_SECRET: 'test-secret-'.padEnd(64, 'x'), EVERJUST_RATE_LIMIT_PREFIX: prefix, ...environment });
  return createApp({ config, database, pubsub, logger: createLogger({ level: config.logLevel }) });
}

export interface TestTenant {
  id: string;
  globalId: string;
  live: string;
  test: string;
}

/** A tenant with a live and a test key. Tests pick a tier that fits what they do. */
export async function createTestTenant(database: Database, options: { name?: string; tier?: TierName } = {}): Promise<TestTenant> {
  const tenant = await createTenant(database.prisma, { name: options.name ?? 'Test tenant', tier: options.tier ?? 'enterprise' });
  const live = await createApiKeyRecord(database.prisma, { tenantId: tenant.id, mode: 'live', name: 'live' });
  const test = await createApiKeyRecord(database.prisma, { tenantId: tenant.id, mode: 'test', name: 'test' });
  return { id: tenant.id, globalId: encodeId('Tenant', tenant.id), live: live.secret, test: test.secret };
}

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions: Record<string, any> }>;
  extensions?: Record<string, any>;
}

/** Sends one GraphQL request as a client would. */
export async function graphql<T = any>(
  app: Pick<App, 'fetch'> | { fetch: (input: string, init?: RequestInit) => Promise<Response> },
  key: string | null,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await app.fetch('http://everjust.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLResponse['errors']; extensions?: Record<string, any> };
  return { status: response.status, headers: response.headers, data: body.data ?? undefined, errors: body.errors, extensions: body.extensions };
}

/** The `extensions.code` of the first error, or undefined. */
export function errorCode(response: GraphQLResponse): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}

/** A signed-in console: its cookie (`ej_console=…`, for a Cookie header) and its CSRF token. */
export interface TestConsole {
  cookie: string;
  csrfToken: string;
}

/**
 * Signs into the console as a browser does: a one-time link, `GET /console/login` (its cookie), then
 * `GET /console/api/session` (its CSRF token).
 */
export async function signInToConsole(app: App, tenantId: string): Promise<TestConsole> {
  const link = await mintConsoleLink(app.services.prisma, { tenantId, publicUrl: 'http://everjust.test', ttlMs: 60_000 });
  const login = await app.fetch(link.url, { redirect: 'manual' });
  if (login.status !== 303) throw new Error(`console sign-in answered ${login.status}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const session = await app.fetch('http://everjust.test/console/api/session', { headers: { cookie } });
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

/** One GraphQL request with a console session (cookie and CSRF header), as the console's pages send it. */
export function consoleGraphql<T = any>(
  app: Pick<App, 'fetch'>,
  console: TestConsole,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  return graphql<T>(app, null, query, variables, { cookie: console.cookie, 'x-everjust-csrf': console.csrfToken, ...headers });
}
