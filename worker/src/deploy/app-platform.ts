/**
 * Deploys to DigitalOcean App Platform through the official client (`@digitalocean/dots`, set up
 * without Kiota's own retries in `digitalocean-client.ts`): `POST /v2/apps` the first time (which
 * starts the app's first deployment), afterwards `PUT /v2/apps/{id}` with the spec, keeping the app's
 * name and region (a changed spec
 * starts a deployment by itself) and, when it did not, `POST /v2/apps/{id}/deployments`. 429 and 5xx
 * (and no answer) are retried here with backoff, honouring `retry-after`; what is left is a
 * DeployProviderError carrying App Platform's own message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { App_spec, Apps_deployment } from '@digitalocean/dots';
import type { DeploymentPhaseName, DeploymentStep, Logger } from '@everjust/core';
import { createDigitalOceanApiClient, type DigitalOceanClient } from './digitalocean-client.js';
import { DeployProviderError, type DeployAppSpec, type DeployErrorCode, type DeployProvider, type DeploymentState } from './deploy-provider.js';

export interface AppPlatformSettings {
  token: string;
  apiUrl?: string;
  logger?: Logger;
  /** Tries of one call that answers 429/5xx (default 4) and the first wait between them (default 1 s, doubling). */
  retry?: { attempts?: number; baseDelayMs?: number };
}

/** Most a single `retry-after` is waited for; beyond it the call fails as retryable and the job's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 30_000;
/** The end of a build log kept for the deployment and its `deploy_failed` event. */
const LOG_TAIL_CHARACTERS = 4_000;

const PHASES: ReadonlySet<string> = new Set(['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'ERROR', 'CANCELED', 'SUPERSEDED']);

export function createAppPlatform(settings: AppPlatformSettings): DeployProvider {
  const attempts = settings.retry?.attempts ?? 4;
  const baseDelayMs = settings.retry?.baseDelayMs ?? 1_000;
  // One client per call's signal: Kiota takes the abort signal when the client is made.
  const clientFor = (signal: AbortSignal): DigitalOceanClient => createDigitalOceanApiClient({ token: settings.token, apiUrl: settings.apiUrl, signal });

  /** One API call, retried while App Platform answers 429/5xx or nothing, with backoff. */
  async function call<T>(operation: string, signal: AbortSignal, request: (client: DigitalOceanClient) => Promise<T>): Promise<T> {
    const client = clientFor(signal);
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(client);
      } catch (error) {
        signal.throwIfAborted();
        const failure = classify(operation, error);
        if (!failure.error.retryable || attempt >= attempts) throw failure.error;
        const backoff = baseDelayMs * 2 ** (attempt - 1);
        const wait = Math.max(backoff, Math.min(failure.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
        settings.logger?.warn({ operation, status: failure.error.status, attempt, waitMs: wait }, 'App Platform refused a call; retrying');
        await sleep(wait, undefined, { signal });
      }
    }
  }

  return {
    name: 'app-platform',
    async deploy({ appId, spec, signal, onAppCreated }) {
      const body = appSpec(spec);
      if (!appId) {
        const created = (await call('POST /v2/apps', signal, (client) => client.v2.apps.post({ spec: body })))?.app;
        if (!created?.id) throw new DeployProviderError('UNAVAILABLE', 'App Platform answered no app id for the new app', true);
        await onAppCreated(created.id);
        // Creating an app starts its first deployment.
        const first = created.inProgressDeployment ?? created.pendingDeployment;
        if (first?.id) return { appId: created.id, deploymentId: first.id, created: true };
        return { appId: created.id, deploymentId: await startDeployment(created.id, signal), created: true };
      }
      // The app keeps the name and region it was made with (a renamed project, a changed
      // EVERJUST_DEPLOY_REGION): App Platform does not move an app by a spec update.
      const current = (await call(`GET /v2/apps/${appId}`, signal, (client) => client.v2.apps.byApp_Id(appId).get()))?.app?.spec;
      if (current?.name) body.name = current.name;
      if (current?.region) body.region = current.region;
      const app = (await call(`PUT /v2/apps/${appId}`, signal, (client) => client.v2.apps.byApp_Id(appId).put({ spec: body })))?.app;
      // A changed spec started a deployment already (of the branch's newest commit, cause "app spec
      // updated"); a second would cancel it. An older one still in progress is superseded by ours.
      const started = app?.inProgressDeployment ?? app?.pendingDeployment;
      if (started?.id && /spec/i.test(started.cause ?? '')) return { appId, deploymentId: started.id, created: false };
      return { appId, deploymentId: await startDeployment(appId, signal), created: false };
    },
    async getDeployment(appId, deploymentId, signal) {
      const deployment = (await call(`GET /v2/apps/${appId}/deployments/${deploymentId}`, signal, (client) => client.v2.apps.byApp_Id(appId).deployments.byDeployment_id(deploymentId).get()))?.deployment;
      if (!deployment) throw new DeployProviderError('UNAVAILABLE', `App Platform answered no deployment ${deploymentId}`, true);
      const state: DeploymentState = { phase: phaseOf(deployment), steps: stepsOf(deployment), liveUrl: null };
      if (state.phase === 'ACTIVE') {
        const app = (await call(`GET /v2/apps/${appId}`, signal, (client) => client.v2.apps.byApp_Id(appId).get()))?.app;
        state.liveUrl = app?.liveUrl ?? (app?.defaultIngress ? app.defaultIngress : null);
      }
      return state;
    },
    async buildLog(appId, deploymentId, signal) {
      const logs = await call(`GET /v2/apps/${appId}/deployments/${deploymentId}/logs`, signal, (client) =>
        client.v2.apps.byApp_Id(appId).deployments.byDeployment_id(deploymentId).logs.get({ queryParameters: { type: 'BUILD' } }),
      );
      const url = logs?.historicUrls?.[0];
      if (!url) return '';
      // A signed URL that needs no token.
      const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) }).catch(() => null);
      if (!response?.ok) return '';
      return (await response.text()).slice(-LOG_TAIL_CHARACTERS);
    },
    async cancel(appId, deploymentId, signal) {
      await call(`POST /v2/apps/${appId}/deployments/${deploymentId}/cancel`, signal, (client) => client.v2.apps.byApp_Id(appId).deployments.byDeployment_id(deploymentId).cancel.post());
    },
    async rollback(appId, deploymentId, signal) {
      const deployment = (await call(`POST /v2/apps/${appId}/rollback`, signal, (client) => client.v2.apps.byApp_Id(appId).rollback.post({ deploymentId })))?.deployment;
      if (!deployment?.id) throw new DeployProviderError('UNAVAILABLE', 'App Platform answered no deployment for the rollback', true);
      return { deploymentId: deployment.id };
    },
    async deleteApp(appId, signal) {
      try {
        await call(`DELETE /v2/apps/${appId}`, signal, (client) => client.v2.apps.byApp_Id(appId).delete());
      } catch (error) {
        if (error instanceof DeployProviderError && error.code === 'NOT_FOUND') return; // already gone
        throw error;
      }
    },
  };

  async function startDeployment(appId: string, signal: AbortSignal): Promise<string> {
    const deployment = (await call(`POST /v2/apps/${appId}/deployments`, signal, (client) => client.v2.apps.byApp_Id(appId).deployments.post({ forceBuild: true })))?.deployment;
    if (!deployment?.id) throw new DeployProviderError('UNAVAILABLE', 'App Platform answered no deployment id', true);
    return deployment.id;
  }
}

/** The App Platform spec of a project's app: one component, built from its GitHub repository, never on push (a deploy is a call). */
export function appSpec(spec: DeployAppSpec): App_spec {
  const source = spec.repository ? { github: { repo: spec.repository, branch: spec.branch, deployOnPush: false } } : {};
  const { app } = spec;
  const body: App_spec = { name: spec.name, region: spec.region as App_spec['region'] };
  if (app.kind === 'static_site') {
    body.staticSites = [{ name: 'web', ...source, ...(app.buildCommand ? { buildCommand: app.buildCommand } : {}), ...(app.outputDir ? { outputDir: app.outputDir } : {}) }];
  } else {
    body.services = [
      {
        name: 'web',
        ...source,
        ...(app.buildCommand ? { buildCommand: app.buildCommand } : {}),
        runCommand: app.runCommand,
        httpPort: app.httpPort,
        instanceCount: 1,
        instanceSizeSlug: 'apps-s-1vcpu-0.5gb',
      },
    ];
  }
  if (spec.domain) body.domains = [{ domain: spec.domain, type: 'PRIMARY' }];
  return body;
}

function phaseOf(deployment: Apps_deployment): DeploymentPhaseName {
  const phase = String(deployment.phase ?? 'PENDING_BUILD');
  return (PHASES.has(phase) ? phase : 'PENDING_BUILD') as DeploymentPhaseName;
}

function stepsOf(deployment: Apps_deployment): DeploymentStep[] {
  // At most 10, as the API prices the list (api/src/plugins/query-cost.ts).
  return (deployment.progress?.steps ?? []).slice(0, 10).map((step) => ({
    name: step.name ?? 'step',
    status: String(step.status ?? 'PENDING'),
    ...(step.reason?.message ? { reason: step.reason.message } : {}),
  }));
}

const CODES: Record<number, DeployErrorCode> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 422: 'INVALID_SPEC', 429: 'RATE_LIMITED' };

/** What the client threw (Kiota's ApiError, or DigitalOcean's error model with `id` and `messageEscaped`) → a DeployProviderError. */
function classify(operation: string, error: unknown): { error: DeployProviderError; retryAfterMs?: number } {
  if (error instanceof DeployProviderError) return { error };
  const answer = error as { responseStatusCode?: number; id?: string; messageEscaped?: string; message?: string; responseHeaders?: Record<string, Set<string> | string[] | string> };
  const status = answer.responseStatusCode;
  const detail = answer.messageEscaped ?? answer.message ?? String(error);
  const message = `App Platform ${operation}: ${status ?? 'no answer'}${answer.id ? ` ${answer.id}` : ''}: ${detail}`;
  const retryable = status === undefined || status === 429 || status >= 500;
  const code: DeployErrorCode = status === undefined || status >= 500 ? 'UNAVAILABLE' : (CODES[status] ?? 'INVALID_SPEC');
  return { error: new DeployProviderError(code, message, retryable, status), retryAfterMs: retryAfter(answer.responseHeaders) };
}

function retryAfter(headers: Record<string, Set<string> | string[] | string> | undefined): number | undefined {
  if (!headers) return undefined;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  const value = typeof entry === 'string' ? entry : entry ? [...entry][0] : undefined;
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
