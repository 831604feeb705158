/**
 * The narrow interface between the deploy task and a hosting platform: one app per project (its
 * stable URL), made the first time and updated afterwards, deployments started, followed, rolled back
 * and cancelled, the app removed. One implementation per file (`app-platform.ts` through
 * `@digitalocean/dots`, `simulated.ts` for test mode), chosen once from the session's mode; the task
 * never imports a vendor SDK.
 */
import type { DeployApp, DeploymentPhaseName, DeploymentStep } from '@everjust/core';
import { WorkerError } from '../worker-error.js';

/** What the app is: derived from the project (its repository, kind, domain); the same for every deploy. */
export interface DeployAppSpec {
  /** The project the app serves (the simulated app's URL is its static preview). */
  projectId: string;
  /** The app's name on the platform (2–32 lowercase letters, digits and dashes). */
  name: string;
  region: string;
  /** GitHub `owner/name` the platform builds from (null: test mode, nothing is built). */
  repository: string | null;
  branch: string;
  app: DeployApp;
  /** The custom domain (PRIMARY), or null for the platform's own URL only. */
  domain: string | null;
}

export interface DeploymentState {
  phase: DeploymentPhaseName;
  steps: DeploymentStep[];
  /** The app's live URL once a deployment of it is ACTIVE. */
  liveUrl: string | null;
}

export interface StartedDeployment {
  appId: string;
  deploymentId: string;
  /** True when this call made the app. */
  created: boolean;
}

export interface DeployProvider {
  readonly name: 'app-platform' | 'simulated';
  /**
   * Makes the app (`appId` null) or updates it to `spec`, and starts a deployment of the branch's
   * newest commit. `onAppCreated` is awaited as soon as the platform answers with a new app, before
   * anything else can fail, so a retry updates that app instead of making a second.
   */
  deploy(request: { appId: string | null; spec: DeployAppSpec; signal: AbortSignal; onAppCreated(appId: string): Promise<void> }): Promise<StartedDeployment>;
  /** The deployment as of now (its phase and steps; the app's URL once live). */
  getDeployment(appId: string, deploymentId: string, signal: AbortSignal): Promise<DeploymentState>;
  /** The end of the deployment's build log (empty when there is none). */
  buildLog(appId: string, deploymentId: string, signal: AbortSignal): Promise<string>;
  /** Stops a deployment that has not ended (a cancelled session). */
  cancel(appId: string, deploymentId: string, signal: AbortSignal): Promise<void>;
  /** Starts a new deployment of an earlier one's spec and commit (the platform's rollback). */
  rollback(appId: string, deploymentId: string, signal: AbortSignal): Promise<{ deploymentId: string }>;
  /** Removes the app; an app already gone is no error. */
  deleteApp(appId: string, signal: AbortSignal): Promise<void>;
}

export type DeployErrorCode = 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'INVALID_SPEC' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE';

/** A classified failure of the platform's API: what went wrong (its own message) and whether a retry may help. */
export class DeployProviderError extends WorkerError {
  constructor(
    override readonly code: DeployErrorCode,
    message: string,
    retryable: boolean,
    readonly status?: number,
  ) {
    super(code, message, retryable);
    this.name = 'DeployProviderError';
  }
}

/** Phases after which a deployment moves no more. */
export const ENDED_PHASES: ReadonlySet<DeploymentPhaseName> = new Set(['ACTIVE', 'ERROR', 'CANCELED', 'SUPERSEDED']);
