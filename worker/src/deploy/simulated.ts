/**
 * Test mode's deploy: never calls DigitalOcean (nor GitHub), so integrators' CI runs deploys for free.
 * It walks a deployment through App Platform's phases, one per read, with the same steps, and its app's
 * URL is the project's static preview (a signed URL the API serves the project's files at, the same on
 * every deploy of the project). Its app and
 * deployment ids are its own (`sim-…`); what it remembers lives in this process: a deployment it does
 * not know (a worker that restarted) reads as ACTIVE.
 */
import { randomUUID } from 'node:crypto';
import { previewUrlFor, type DeploymentPhaseName, type DeploymentStep } from '@everjust/core';
import { DeployProviderError, type DeployProvider, type DeploymentState } from './deploy-provider.js';

export interface SimulatedSettings {
  /** The preview origin (EVERJUST_PREVIEW_URL), where the API serves a project's files. */
  previewUrl: string;
  secret: string;
}

/**
 * The simulated app's URL is a signed static preview with this fixed expiry (2100-01-01), not one
 * counted from now: the same project gets the same URL on every deploy, as a real app keeps its own.
 */
const URL_EXPIRES_AT_S = Date.UTC(2100, 0, 1) / 1000;
const WALK: readonly DeploymentPhaseName[] = ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE'];

interface SimulatedDeployment {
  appId: string;
  phase: DeploymentPhaseName;
  reached: number;
}

export function createSimulatedDeploy(settings: SimulatedSettings): DeployProvider {
  const apps = new Map<string, { projectId: string; deleted: boolean }>();
  const deployments = new Map<string, SimulatedDeployment>();

  const start = (appId: string) => {
    const id = `sim-${randomUUID()}`;
    // A new deployment supersedes one still in progress, as on App Platform.
    for (const other of deployments.values()) if (other.appId === appId && !['ACTIVE', 'ERROR', 'CANCELED', 'SUPERSEDED'].includes(other.phase)) other.phase = 'CANCELED';
    deployments.set(id, { appId, phase: 'PENDING_BUILD', reached: 0 });
    return id;
  };
  const projectOf = (appId: string) => apps.get(appId)?.projectId ?? appId.replace(/^sim-app-/, '');
  const url = (appId: string) => previewUrlFor(settings.previewUrl, settings.secret, { projectId: projectOf(appId), mode: 'test', expiresAt: URL_EXPIRES_AT_S });

  return {
    name: 'simulated',
    async deploy({ appId, spec, onAppCreated }) {
      let id = appId;
      const created = !id;
      if (!id) {
        id = `sim-app-${spec.projectId}`;
        await onAppCreated(id);
      }
      apps.set(id, { projectId: spec.projectId, deleted: false });
      return { appId: id, deploymentId: start(id), created };
    },
    async getDeployment(appId, deploymentId): Promise<DeploymentState> {
      const deployment = deployments.get(deploymentId);
      if (!deployment) return { phase: 'ACTIVE', steps: steps(WALK.length - 1, 'ACTIVE'), liveUrl: url(appId) };
      if (deployment.phase === WALK[deployment.reached] && deployment.reached < WALK.length - 1) {
        deployment.reached += 1;
        deployment.phase = WALK[deployment.reached];
        if (deployment.phase === 'ACTIVE') {
          for (const [otherId, other] of deployments) if (otherId !== deploymentId && other.appId === appId && other.phase === 'ACTIVE') other.phase = 'SUPERSEDED';
        }
      }
      return { phase: deployment.phase, steps: steps(deployment.reached, deployment.phase), liveUrl: deployment.phase === 'ACTIVE' ? url(appId) : null };
    },
    async buildLog() {
      return 'simulated build (test mode): nothing was built\n';
    },
    async cancel(_appId, deploymentId) {
      const deployment = deployments.get(deploymentId);
      if (deployment && !['ACTIVE', 'ERROR', 'SUPERSEDED'].includes(deployment.phase)) deployment.phase = 'CANCELED';
    },
    async rollback(appId, deploymentId) {
      if (apps.get(appId)?.deleted) throw new DeployProviderError('NOT_FOUND', `simulated app ${appId} was deleted`, false, 404);
      if (!deploymentId.startsWith('sim-')) throw new DeployProviderError('NOT_FOUND', `no simulated deployment ${deploymentId}`, false, 404);
      return { deploymentId: start(appId) };
    },
    async deleteApp(appId) {
      const app = apps.get(appId);
      if (app) app.deleted = true;
    },
  };
}

/** App Platform's two steps (build, deploy) for a deployment that reached `reached` of the walk. */
function steps(reached: number, phase: DeploymentPhaseName): DeploymentStep[] {
  const status = (at: number) => (reached > at ? 'SUCCESS' : reached === at ? (phase === 'CANCELED' ? 'CANCELED' : 'RUNNING') : phase === 'CANCELED' ? 'CANCELED' : 'PENDING');
  return [
    { name: 'build', status: status(1) },
    { name: 'deploy', status: phase === 'ACTIVE' ? 'SUCCESS' : status(3) },
  ];
}
