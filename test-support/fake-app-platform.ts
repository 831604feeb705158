/**
 * A fake DigitalOcean App Platform API on 127.0.0.1 for tests: the official client (`@digitalocean/dots`,
 * Kiota) talks to it with `adapter.baseUrl = fake.url`, on the wire the API speaks (snake_case JSON, read
 * from the client's request builders and models, not guessed):
 *
 * - `GET /v2/apps` (`page`, `per_page`) → `{ apps, links, meta: { total } }`; `POST /v2/apps`
 *   `{ spec, project_id? }` → `{ app }` (creating an app starts its first deployment, as on App Platform);
 * - `GET /v2/apps/{id}` → `{ app }`; `PUT /v2/apps/{id}` `{ spec }` → `{ app }` (a changed spec starts a
 *   deployment, an identical one does not); `DELETE /v2/apps/{id}` → `{ id }`;
 * - `GET /v2/apps/{id}/deployments` (`page`, `per_page`) → `{ deployments, links, meta }`, newest first;
 *   `POST /v2/apps/{id}/deployments` `{ force_build }` → `{ deployment }`;
 * - `GET /v2/apps/{id}/deployments/{deployment}` → `{ deployment }`, walking through the phases
 *   (`PENDING_BUILD` → `BUILDING` → `PENDING_DEPLOY` → `DEPLOYING` → `ACTIVE`, or `ERROR`);
 *   `POST …/deployments/{deployment}/cancel` → `{ deployment }` (`CANCELED`);
 * - `GET …/deployments/{deployment}/logs?type=BUILD|DEPLOY` and `…/components/{name}/logs?type=…` →
 *   `{ historic_urls, live_url }`; the URLs (unauthenticated, as App Platform's signed ones) answer the log
 *   as plain text;
 * - `POST /v2/apps/{id}/rollback` `{ deployment_id, skip_pin }` → `{ deployment }` (a new deployment
 *   cloned from that one's spec, `cause: "manual rollback"`; the app is pinned to it unless `skip_pin`).
 *
 * As App Platform does: a missing or unknown token is 401 `{ id: "unauthorized" }`; an app of another
 * account is 404 `{ id: "not_found" }` (each token belongs to an account, so tenants with their own
 * tokens see only their apps); a spec App Platform would reject (bad name, no component, unknown region,
 * bad domain, a GitHub repo not `owner/name`) is 422 `{ id: "unprocessable_entity" }`; every answer
 * carries `ratelimit-*` headers. Errors on demand with {@link FakeAppPlatform.fail} (401/403/422/429/5xx,
 * with `retry-after` if asked).
 *
 * **Phases.** By default (`advance: 'read'`) a deployment moves one phase forward each time it is read
 * by id (`GET …/deployments/{id}`), so a poller sees every phase in order, deterministically. With
 * `advance: { everyMs }` phases move with time (whoever reads: an app, a list or the deployment); with
 * `advance: 'manual'` only {@link FakeAppPlatform.advance} and {@link FakeAppPlatform.settle} move them.
 * A deployment that reaches `ACTIVE` becomes the app's `active_deployment` (the previous one is
 * `SUPERSEDED`) and the app gets its stable `live_url` (`https://<name>-<suffix>.ondigitalocean.app`,
 * or `https://<domain>` once the spec has a `PRIMARY` domain). What the next deployment does is scripted
 * with {@link FakeAppPlatform.scriptNextDeployment}: fail its build with a log, fail its deploy, or hold
 * at a phase until it is cancelled or released.
 *
 * The autoscaler's view: `GET /v2/apps/{id}` has `spec.services[]` / `spec.workers[]` with
 * `instance_count`, and `in_progress_deployment` while one is not yet ended; a `PUT` that changes
 * `instance_count` starts a deployment like any other spec change. {@link FakeAppPlatform.addApp} seeds an
 * app (say, the platform's own, with a `worker` component) without a deployment, already live.
 *
 * ```ts
 * const fake = await startFakeAppPlatform({ tokens: { 'do-token-a': 'team-a' } });
 * const adapter = new FetchRequestAdapter(new DigitalOceanApiKeyAuthenticationProvider('do-token-a'));
 * adapter.baseUrl = fake.url;
 * const client = createDigitalOceanClient(adapter);
 * const { app } = (await client.v2.apps.post({ spec: { name: 'site', staticSites: [{ name: 'web', github: { repo: 'o/r', branch: 'main' } }] } }))!;
 * fake.scriptNextDeployment({ failAt: 'BUILDING', log: 'npm ERR! missing script: build' });
 * // … fake.apps.get(app.id), fake.requests, fake.fail({ method: 'POST', path: /^\/v2\/apps$/, status: 429 }) …
 * await fake.close();
 * ```
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeDeploymentPhase = 'PENDING_BUILD' | 'BUILDING' | 'PENDING_DEPLOY' | 'DEPLOYING' | 'ACTIVE' | 'SUPERSEDED' | 'ERROR' | 'CANCELED';

/** The phases a successful deployment walks through, in order. */
export const FAKE_DEPLOYMENT_PHASES: readonly FakeDeploymentPhase[] = ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE'];

const ENDED: ReadonlySet<FakeDeploymentPhase> = new Set(['ACTIVE', 'SUPERSEDED', 'ERROR', 'CANCELED']);

/** App Platform's region slugs (`spec.region`). */
const REGIONS = new Set(['ams', 'atl', 'blr', 'fra', 'lon', 'nyc', 'sfo', 'sgp', 'syd', 'tor']);

export interface FakeAppPlatformOptions {
  /** Valid tokens and the account each belongs to (default `{ 'do-test-token': 'team' }`). */
  tokens?: Record<string, string>;
  /** How deployments move through their phases (see the header); default `'read'`. */
  advance?: 'read' | 'manual' | { everyMs: number };
}

/** What one deployment will do; {@link FakeAppPlatform.scriptNextDeployment} queues them. */
export interface FakeDeploymentScript {
  /** Fails at this phase: `BUILDING` (a failed build) or `DEPLOYING` (a failed health check). */
  failAt?: 'BUILDING' | 'DEPLOYING';
  /** The build log the logs endpoint serves (a default one otherwise). */
  log?: string;
  /** Stays at this phase until cancelled or {@link FakeAppPlatform.release}d. */
  holdAt?: 'PENDING_BUILD' | 'BUILDING' | 'PENDING_DEPLOY' | 'DEPLOYING';
  /** Only for a deployment of this app (default: the next one of any app). */
  appId?: string;
}

export interface FakeAppDeployment {
  id: string;
  appId: string;
  /** The spec it deploys (a copy, snake_case, as sent). */
  spec: any;
  phase: FakeDeploymentPhase;
  /** Every phase it has been in, in order. */
  phases: FakeDeploymentPhase[];
  cause: string;
  clonedFrom?: string;
  createdAt: Date;
  updatedAt: Date;
  phaseLastUpdatedAt: Date;
  script: FakeDeploymentScript;
  buildLog: string;
  /** When `advance` is timed: when it last moved. */
  movedAt: number;
}

export interface FakeApp {
  id: string;
  account: string;
  /** The current spec, snake_case, as last sent. */
  spec: any;
  /** Fixed when the app is made: the default ingress never changes. */
  defaultIngress: string;
  createdAt: Date;
  updatedAt: Date;
  /** Newest last. */
  deployments: FakeAppDeployment[];
  activeDeploymentId?: string;
  pinnedDeploymentId?: string;
  projectId?: string;
  /** Set when it is deleted (it stays here, so tests can see it went). */
  deletedAt?: Date;
}

export interface FakeAppPlatformRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeAppPlatformFailure {
  method: string;
  path: RegExp;
  status: number;
  /** The error's `id` (default from the status: `unauthorized`, `forbidden`, `too_many_requests`, …). */
  id?: string;
  message?: string;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /** How many requests it answers (default 1). */
  times?: number;
}

export interface FakeAppPlatform {
  url: string;
  requests: FakeAppPlatformRequest[];
  /** Every app ever made, by id (deleted ones keep `deletedAt`). */
  apps: Map<string, FakeApp>;
  /** Seeds an app as if made elsewhere: already live, with one `ACTIVE` deployment. */
  addApp(spec: any, options?: { account?: string }): FakeApp;
  /** The live apps of an account. */
  appsOf(account: string): FakeApp[];
  deployment(id: string): FakeAppDeployment | undefined;
  /** Queues what the next matching deployment does. */
  scriptNextDeployment(script: FakeDeploymentScript): void;
  /** Starts a deployment of an app, as a spec change would (for tests that need one in progress). */
  startDeployment(appId: string, script?: Omit<FakeDeploymentScript, 'appId'>): FakeAppDeployment;
  /** Moves a deployment one phase forward (a held one stays). */
  advance(deploymentId: string): FakeAppDeployment;
  /** Lets a held deployment go on. */
  release(deploymentId: string): void;
  /** Moves every deployment that has not ended to its end (a held one too). */
  settle(): void;
  /** The next matching request(s) fail with this status. */
  fail(failure: FakeAppPlatformFailure): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const ERROR_IDS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  500: 'server_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Unable to authenticate you',
  403: 'You do not have access for the attempted action.',
  404: 'The resource you were accessing could not be found.',
  429: 'API Rate limit exceeded.',
  500: 'Server was unable to give you a response.',
  503: 'Service is temporarily unavailable.',
};

const clone = <T>(value: T): T => structuredClone(value);

export async function startFakeAppPlatform(options: FakeAppPlatformOptions = {}): Promise<FakeAppPlatform> {
  const tokens = options.tokens ?? { 'do-test-token': 'team' };
  const advanceMode = options.advance ?? 'read';
  const apps = new Map<string, FakeApp>();
  const deployments = new Map<string, FakeAppDeployment>();
  const requests: FakeAppPlatformRequest[] = [];
  const failures: Array<FakeAppPlatformFailure & { left: number }> = [];
  const scripts: FakeDeploymentScript[] = [];
  const held = new Set<string>();
  let url = '';

  const now = () => new Date();

  function liveDomain(app: FakeApp): string {
    const primary = (app.spec.domains ?? []).find((domain: any) => domain.type === 'PRIMARY');
    return primary?.domain ?? app.defaultIngress.replace(/^https:\/\//, '');
  }

  function setPhase(deployment: FakeAppDeployment, phase: FakeDeploymentPhase) {
    deployment.phase = phase;
    deployment.phases.push(phase);
    deployment.updatedAt = deployment.phaseLastUpdatedAt = now();
    deployment.movedAt = Date.now();
    if (phase === 'ACTIVE') {
      const app = apps.get(deployment.appId)!;
      const previous = app.activeDeploymentId ? deployments.get(app.activeDeploymentId) : undefined;
      if (previous && previous.id !== deployment.id) setPhase(previous, 'SUPERSEDED');
      app.activeDeploymentId = deployment.id;
    }
  }

  /** One phase forward, unless it has ended or is held where it is. */
  function step(deployment: FakeAppDeployment) {
    if (ENDED.has(deployment.phase)) return;
    if (held.has(deployment.id) && deployment.script.holdAt === deployment.phase) return;
    if (deployment.script.failAt === deployment.phase) {
      setPhase(deployment, 'ERROR');
      return;
    }
    const next = FAKE_DEPLOYMENT_PHASES[FAKE_DEPLOYMENT_PHASES.indexOf(deployment.phase) + 1];
    setPhase(deployment, next);
  }

  /** Timed mode: moves every deployment as far as its time allows. */
  function catchUp() {
    if (typeof advanceMode !== 'object') return;
    for (const deployment of deployments.values()) {
      while (!ENDED.has(deployment.phase) && Date.now() - deployment.movedAt >= advanceMode.everyMs) {
        const before = deployment.phase;
        const movedAt = deployment.movedAt;
        step(deployment);
        if (deployment.phase === before) break;
        deployment.movedAt = movedAt + advanceMode.everyMs;
      }
    }
  }

  function startDeployment(app: FakeApp, cause: string, spec: any, given?: FakeDeploymentScript, clonedFrom?: string): FakeAppDeployment {
    // A new deployment supersedes one still in progress, as App Platform cancels a pending one.
    for (const other of app.deployments) if (!ENDED.has(other.phase)) setPhase(other, 'CANCELED');
    let script = given;
    if (!script) {
      const index = scripts.findIndex((candidate) => !candidate.appId || candidate.appId === app.id);
      script = index >= 0 ? scripts.splice(index, 1)[0] : {};
    }
    const created = now();
    const deployment: FakeAppDeployment = {
      id: randomUUID(),
      appId: app.id,
      spec: clone(spec),
      phase: 'PENDING_BUILD',
      phases: ['PENDING_BUILD'],
      cause,
      clonedFrom,
      createdAt: created,
      updatedAt: created,
      phaseLastUpdatedAt: created,
      script,
      buildLog: script.log ?? defaultBuildLog(spec, script.failAt === 'BUILDING'),
      movedAt: Date.now(),
    };
    if (script.holdAt) held.add(deployment.id);
    deployments.set(deployment.id, deployment);
    app.deployments.push(deployment);
    app.updatedAt = created;
    return deployment;
  }

  function progressJson(deployment: FakeAppDeployment) {
    const reached = Math.max(...deployment.phases.map((phase) => FAKE_DEPLOYMENT_PHASES.indexOf(phase)));
    const stopped = deployment.phase === 'ERROR' || deployment.phase === 'CANCELED';
    // A step is done once a later phase was reached; the step where a deployment stopped failed (or was
    // cancelled); one not reached is pending (cancelled when the deployment stopped before it).
    const status = (phase: FakeDeploymentPhase): string => {
      const at = FAKE_DEPLOYMENT_PHASES.indexOf(phase);
      if (reached > at) return 'SUCCESS';
      if (reached === at) return deployment.phase === 'ERROR' ? 'ERROR' : deployment.phase === 'CANCELED' ? 'CANCELED' : 'RUNNING';
      return stopped ? 'CANCELED' : 'PENDING';
    };
    const build = status('BUILDING');
    const deploy = status('DEPLOYING');
    const steps = [
      { name: 'build', status: build, ...(build === 'ERROR' ? { reason: { code: 'BuildJobFailed', message: 'Your build job failed.' } } : {}) },
      { name: 'deploy', status: deploy, ...(deploy === 'ERROR' ? { reason: { code: 'DeployContainerHealthChecksFailed', message: 'Your deploy failed its health checks.' } } : {}) },
    ];
    const count = (wanted: string) => steps.filter((item) => item.status === wanted).length;
    return {
      success_steps: count('SUCCESS'),
      error_steps: count('ERROR'),
      pending_steps: count('PENDING'),
      running_steps: count('RUNNING'),
      total_steps: steps.length,
      steps,
      summary_steps: steps,
    };
  }

  function deploymentJson(deployment: FakeAppDeployment) {
    const components = (key: string) => (deployment.spec[key] ?? []).map((component: any) => ({ name: component.name, source_commit_hash: fakeCommit(deployment) }));
    return {
      id: deployment.id,
      spec: deployment.spec,
      phase: deployment.phase,
      cause: deployment.cause,
      ...(deployment.clonedFrom ? { cloned_from: deployment.clonedFrom } : {}),
      created_at: deployment.createdAt.toISOString(),
      updated_at: deployment.updatedAt.toISOString(),
      phase_last_updated_at: deployment.phaseLastUpdatedAt.toISOString(),
      progress: progressJson(deployment),
      services: components('services'),
      static_sites: components('static_sites'),
      workers: components('workers'),
      tier_slug: 'basic',
    };
  }

  function appJson(app: FakeApp) {
    const active = app.activeDeploymentId ? deployments.get(app.activeDeploymentId) : undefined;
    const inProgress = [...app.deployments].reverse().find((deployment) => !ENDED.has(deployment.phase));
    const live = active ? liveDomain(app) : undefined;
    return {
      id: app.id,
      owner_uuid: app.account,
      spec: app.spec,
      default_ingress: active ? app.defaultIngress : undefined,
      ...(live ? { live_url: `https://${live}`, live_url_base: `https://${live}`, live_domain: live } : {}),
      created_at: app.createdAt.toISOString(),
      updated_at: app.updatedAt.toISOString(),
      ...(app.deployments.length > 0 ? { last_deployment_created_at: app.deployments.at(-1)!.createdAt.toISOString() } : {}),
      ...(active ? { active_deployment: deploymentJson(active) } : {}),
      ...(inProgress ? { in_progress_deployment: deploymentJson(inProgress) } : {}),
      ...(app.pinnedDeploymentId ? { pinned_deployment: deploymentJson(deployments.get(app.pinnedDeploymentId)!) } : {}),
      // As the real API: `data_centers` is an array of strings, which older Kiota parsers could not read.
      region: regionJson(app.spec.region ?? 'nyc'),
      tier_slug: 'basic',
      ...(app.projectId ? { project_id: app.projectId } : {}),
      domains: (app.spec.domains ?? []).map((domain: any) => ({ id: `domain-${domain.domain}`, spec: domain, phase: active ? 'ACTIVE' : 'PENDING' })),
    };
  }

  function validateSpec(spec: any) {
    const invalid = (message: string): never => {
      throw new HttpError(422, 'unprocessable_entity', message);
    };
    if (!spec || typeof spec !== 'object') invalid('spec is required');
    if (typeof spec.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(spec.name)) {
      invalid(`error validating app spec field "name": must be 2 to 32 lowercase letters, digits and dashes, starting with a letter`);
    }
    if (spec.region !== undefined && !REGIONS.has(spec.region)) invalid(`error validating app spec field "region": unknown region "${spec.region}"`);
    const components = ['services', 'static_sites', 'workers', 'jobs', 'functions'].flatMap((key) => spec[key] ?? []);
    if (components.length === 0) invalid('an app must have at least one component');
    for (const component of components) {
      if (typeof component.name !== 'string' || !/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/.test(component.name)) invalid(`error validating app spec field "name": invalid component name "${component.name}"`);
      if (component.github && !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(component.github.repo ?? '')) invalid(`error validating app spec field "github.repo": "${component.github.repo}" is not owner/repository`);
      if (component.instance_count !== undefined && (!Number.isInteger(component.instance_count) || component.instance_count < 1 || component.instance_count > 250)) {
        invalid(`error validating app spec field "instance_count": must be between 1 and 250`);
      }
    }
    for (const domain of spec.domains ?? []) {
      if (typeof domain.domain !== 'string' || !/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain.domain)) invalid(`error validating app spec field "domains.domain": "${domain.domain}" is not a valid domain`);
      if (domain.domain.endsWith('.ondigitalocean.app')) invalid('error validating app spec field "domains.domain": ondigitalocean.app domains are reserved');
    }
  }

  function newApp(account: string, spec: any, projectId?: string): FakeApp {
    validateSpec(spec);
    if ([...apps.values()].some((other) => !other.deletedAt && other.account === account && other.spec.name === spec.name)) {
      throw new HttpError(409, 'conflict', `app name "${spec.name}" is already in use`);
    }
    const created = now();
    const app: FakeApp = {
      id: randomUUID(),
      account,
      spec: clone(spec),
      defaultIngress: `https://${spec.name}-${randomBytes(3).toString('hex').slice(0, 5)}.ondigitalocean.app`,
      createdAt: created,
      updatedAt: created,
      deployments: [],
      projectId,
    };
    apps.set(app.id, app);
    return app;
  }

  function page<T>(items: T[], query: Record<string, string>, key: string, path: string) {
    const perPage = Math.min(Math.max(Number(query.per_page ?? 20) || 20, 1), 200);
    const pageNumber = Math.max(Number(query.page ?? 1) || 1, 1);
    const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const pages: Record<string, string> = {};
    if (pageNumber < last) {
      pages.next = `${url}${path}?page=${pageNumber + 1}&per_page=${perPage}`;
      pages.last = `${url}${path}?page=${last}&per_page=${perPage}`;
    }
    return { [key]: slice, links: { pages }, meta: { total: items.length } };
  }

  async function handle(request: IncomingMessage): Promise<{ status: number; body: unknown; text?: string }> {
    const parsed = new URL(request.url ?? '/', 'http://fake');
    const path = parsed.pathname;
    const query = Object.fromEntries(parsed.searchParams);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
    }
    const method = request.method ?? 'GET';
    requests.push({ method, path, query, headers: request.headers, body });

    // Log files: App Platform hands out signed URLs that need no token.
    const logFile = /^\/fake-logs\/([^/]+)\/(BUILD|DEPLOY|RUN)$/.exec(path);
    if (logFile && method === 'GET') {
      const deployment = deployments.get(logFile[1]);
      if (!deployment) throw new HttpError(404, 'not_found', DEFAULT_MESSAGES[404]);
      return { status: 200, body: undefined, text: logFile[2] === 'BUILD' ? deployment.buildLog : `${deployment.id} ${logFile[2]} log\n` };
    }

    const failure = failures.find((item) => item.left > 0 && item.method === method && item.path.test(path));
    if (failure) {
      failure.left -= 1;
      throw new HttpError(failure.status, failure.id ?? ERROR_IDS[failure.status] ?? 'error', failure.message ?? DEFAULT_MESSAGES[failure.status] ?? `status ${failure.status}`, failure.retryAfter);
    }

    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const account = token ? tokens[token] : undefined;
    if (!account) throw new HttpError(401, 'unauthorized', DEFAULT_MESSAGES[401]);
    catchUp();

    const segments = path.split('/').filter(Boolean);
    if (segments[0] !== 'v2' || segments[1] !== 'apps') throw new HttpError(404, 'not_found', DEFAULT_MESSAGES[404]);

    if (segments.length === 2) {
      if (method === 'GET') {
        const owned = [...apps.values()].filter((app) => !app.deletedAt && app.account === account);
        return { status: 200, body: page(owned.map(appJson), query, 'apps', path) };
      }
      if (method === 'POST') {
        const app = newApp(account, body?.spec, body?.project_id);
        startDeployment(app, 'initial deployment', app.spec);
        return { status: 200, body: { app: appJson(app) } };
      }
      throw new HttpError(405, 'method_not_allowed', 'method not allowed');
    }

    const app = apps.get(segments[2]);
    if (!app || app.deletedAt || app.account !== account) throw new HttpError(404, 'not_found', DEFAULT_MESSAGES[404]);
    const rest = segments.slice(3);

    if (rest.length === 0) {
      if (method === 'GET') return { status: 200, body: { app: appJson(app) } };
      if (method === 'PUT') {
        validateSpec(body?.spec);
        if (body.spec.name !== app.spec.name && [...apps.values()].some((other) => other.id !== app.id && !other.deletedAt && other.account === account && other.spec.name === body.spec.name)) {
          throw new HttpError(409, 'conflict', `app name "${body.spec.name}" is already in use`);
        }
        const changed = JSON.stringify(body.spec) !== JSON.stringify(app.spec);
        app.spec = clone(body.spec);
        app.updatedAt = now();
        if (changed) startDeployment(app, 'app spec updated', app.spec);
        return { status: 200, body: { app: appJson(app) } };
      }
      if (method === 'DELETE') {
        app.deletedAt = now();
        for (const deployment of app.deployments) if (!ENDED.has(deployment.phase)) setPhase(deployment, 'CANCELED');
        return { status: 200, body: { id: app.id } };
      }
    }

    if (rest[0] === 'deployments') {
      if (rest.length === 1 && method === 'GET') {
        return { status: 200, body: page([...app.deployments].reverse().map(deploymentJson), query, 'deployments', path) };
      }
      if (rest.length === 1 && method === 'POST') {
        const deployment = startDeployment(app, body?.force_build ? 'manual (force rebuild)' : 'manual', app.spec);
        return { status: 200, body: { deployment: deploymentJson(deployment) } };
      }
      const deployment = deployments.get(rest[1]);
      if (!deployment || deployment.appId !== app.id) throw new HttpError(404, 'not_found', DEFAULT_MESSAGES[404]);
      if (rest.length === 2 && method === 'GET') {
        if (advanceMode === 'read') step(deployment);
        return { status: 200, body: { deployment: deploymentJson(deployment) } };
      }
      if (rest.length === 3 && rest[2] === 'cancel' && method === 'POST') {
        if (ENDED.has(deployment.phase)) throw new HttpError(422, 'unprocessable_entity', `deployment is already ${deployment.phase.toLowerCase()}`);
        setPhase(deployment, 'CANCELED');
        return { status: 200, body: { deployment: deploymentJson(deployment) } };
      }
      const logs = rest[2] === 'logs' && rest.length === 3 ? true : rest[2] === 'components' && rest[4] === 'logs' && rest.length === 5;
      if (logs && method === 'GET') {
        const type = query.type ?? 'UNSPECIFIED';
        if (!['BUILD', 'DEPLOY', 'RUN'].includes(type)) throw new HttpError(400, 'bad_request', `unsupported log type "${type}"`);
        if (type === 'BUILD' && deployment.phase === 'PENDING_BUILD') return { status: 200, body: { historic_urls: [] } };
        return { status: 200, body: { historic_urls: [`${url}/fake-logs/${deployment.id}/${type}`], ...(ENDED.has(deployment.phase) ? {} : { live_url: `ws://127.0.0.1/unused/${deployment.id}` }) } };
      }
    }

    if (rest.length === 1 && rest[0] === 'rollback' && method === 'POST') {
      const target = deployments.get(body?.deployment_id);
      if (!target || target.appId !== app.id) throw new HttpError(404, 'not_found', 'deployment not found');
      if (target.phase !== 'ACTIVE' && target.phase !== 'SUPERSEDED') throw new HttpError(422, 'unprocessable_entity', `cannot roll back to a deployment that is ${target.phase.toLowerCase()}`);
      if (target.id === app.activeDeploymentId) throw new HttpError(422, 'unprocessable_entity', 'cannot roll back to the active deployment');
      const deployment = startDeployment(app, 'manual rollback', target.spec, undefined, target.id);
      app.spec = clone(target.spec);
      if (!body.skip_pin) app.pinnedDeploymentId = deployment.id;
      return { status: 200, body: { deployment: deploymentJson(deployment) } };
    }

    throw new HttpError(404, 'not_found', DEFAULT_MESSAGES[404]);
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    handle(request)
      .then(({ status, body, text }) => (text !== undefined ? sendText(response, status, text) : send(response, status, body)))
      .catch((error: unknown) => {
        if (error instanceof HttpError) {
          send(response, error.status, { id: error.id, message: error.message, request_id: randomUUID() }, error.retryAfter);
        } else {
          send(response, 500, { id: 'server_error', message: (error as Error).message, request_id: randomUUID() });
        }
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function must(deploymentId: string) {
    const deployment = deployments.get(deploymentId);
    if (!deployment) throw new Error(`fake App Platform: no deployment ${deploymentId}`);
    return deployment;
  }

  return {
    url,
    requests,
    apps,
    addApp(spec, settings = {}) {
      const app = newApp(settings.account ?? Object.values(tokens)[0], spec);
      const deployment = startDeployment(app, 'initial deployment', app.spec, {});
      while (deployment.phase !== 'ACTIVE') step(deployment);
      return app;
    },
    appsOf: (account) => [...apps.values()].filter((app) => !app.deletedAt && app.account === account),
    deployment: (id) => deployments.get(id),
    scriptNextDeployment(script) {
      scripts.push(script);
    },
    startDeployment(appId, script = {}) {
      const app = apps.get(appId);
      if (!app) throw new Error(`fake App Platform: no app ${appId}`);
      return startDeployment(app, 'app spec updated', app.spec, script);
    },
    advance(deploymentId) {
      const deployment = must(deploymentId);
      step(deployment);
      return deployment;
    },
    release(deploymentId) {
      held.delete(must(deploymentId).id);
    },
    settle() {
      for (const deployment of deployments.values()) {
        held.delete(deployment.id);
        while (!ENDED.has(deployment.phase)) step(deployment);
      }
    },
    fail(failure) {
      failures.push({ ...failure, left: failure.times ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const DATA_CENTERS: Record<string, string[]> = { ams: ['ams3'], atl: ['atl1'], blr: ['blr1'], fra: ['fra1'], lon: ['lon1'], nyc: ['nyc1', 'nyc3'], sfo: ['sfo3'], sgp: ['sgp1'], syd: ['syd1'], tor: ['tor1'] };

function regionJson(slug: string) {
  return { slug, label: slug.toUpperCase(), flag: slug, continent: 'Earth', data_centers: DATA_CENTERS[slug] ?? [`${slug}1`] };
}

/** A commit-like hash per deployment: the fake does not read GitHub. */
function fakeCommit(deployment: FakeAppDeployment): string {
  return Buffer.from(deployment.id.replace(/-/g, ''), 'hex').toString('hex').padEnd(40, '0').slice(0, 40);
}

function defaultBuildLog(spec: any, failing: boolean): string {
  const component = [...(spec.static_sites ?? []), ...(spec.services ?? [])][0];
  const lines = [
    '╭──────────── git repo clone ───────────╼',
    `│  › fetching app source code from ${component?.github?.repo ?? 'the repository'}`,
    '╰────────────────────────────────────────╼',
    '╭──────────── buildpack detection ───────────╼',
    `│ › using build command: ${component?.build_command ?? '(none)'}`,
  ];
  lines.push(failing ? '✘ build failed: the build command exited with a non-zero status' : '✔ build complete');
  return `${lines.join('\n')}\n`;
}

function send(response: ServerResponse, status: number, body: unknown, retryAfter?: number) {
  const text = JSON.stringify(body ?? {});
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'ratelimit-limit': '5000',
    'ratelimit-remaining': status === 429 ? '0' : '4999',
    'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
    ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
  });
  response.end(text);
}

function sendText(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
