import { OperatorError } from '@everjust/core';
import type { DigitalOceanClient } from '../deploy/digitalocean-client.js';

/**
 * The platform's own App Platform app, as the autoscaler sees it, through the official client
 * (`@digitalocean/dots`): one read of the app (`GET /v2/apps/{id}`) gives the component's
 * `instance_count` and whether a deployment is in progress; a change writes the spec just read back
 * with only that count changed (`PUT /v2/apps/{id}`). The live spec carries the app's secrets
 * encrypted, and App Platform accepts them back as they are, so the write keeps them; every field
 * the client's models do not know rides along in their `additionalData`, which it serializes again.
 */

/** The component's scale, as of one read of the app. */
export interface ComponentScale {
  instanceCount: number;
  /** A deployment of the app has not ended (the app's `in_progress_deployment` or `pending_deployment`). */
  deploymentInProgress: boolean;
  /** The id of that deployment, for the log. */
  deploymentId?: string;
  /** Writes the spec of this read back with `count` as the component's `instance_count` (a deployment). */
  setInstanceCount(count: number): Promise<void>;
}

/** What the autoscaler needs of the app; tests may hand it another. */
export interface ScalableApp {
  read(): Promise<ComponentScale>;
}

/** A spec or component the autoscaler cannot work with: an operator's mistake (the message says what to fix), not a passing failure. */
export class AppSpecError extends OperatorError {
  override name = 'AppSpecError';
}

/** App Platform refused a call: its status, its error id and message (the client throws plain objects). */
export class AppPlatformApiError extends OperatorError {
  override name = 'AppPlatformApiError';
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly errorId: string | undefined,
    detail: string,
  ) {
    super(`App Platform ${operation}: ${status ?? 'no answer'}${errorId ? ` ${errorId}` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

/** Calls the client, turning what it throws (Kiota's ApiError or DigitalOcean's error model) into an AppPlatformApiError. */
async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const answer = error as { responseStatusCode?: number; id?: string; messageEscaped?: string; message?: string };
    throw new AppPlatformApiError(operation, answer.responseStatusCode, answer.id, answer.messageEscaped ?? answer.message ?? String(error));
  }
}

export function appPlatformApp(options: { client: DigitalOceanClient; appId: string; component: string }): ScalableApp {
  const app = options.client.v2.apps.byApp_Id(options.appId);
  return {
    async read() {
      const current = (await call(`GET /v2/apps/${options.appId}`, () => app.get()))?.app;
      const spec = current?.spec;
      if (!current || !spec) throw new AppSpecError(`App Platform answered no app spec for app ${options.appId}`);
      // A worker normally; a service is scaled the same way.
      const component = [...(spec.workers ?? []), ...(spec.services ?? [])].find((candidate) => candidate.name === options.component);
      if (!component) throw new AppSpecError(`app ${options.appId} has no worker or service named "${options.component}" (EVERJUST_AUTOSCALE_COMPONENT)`);
      if (component.autoscaling) {
        // With App Platform's own autoscaling, instance_count is not used: the two would fight.
        throw new AppSpecError(`component "${options.component}" uses App Platform's CPU autoscaling, which ignores instance_count: remove its \`autoscaling\` block so the autoscaler sets instance_count`);
      }
      const deployment = current.inProgressDeployment ?? current.pendingDeployment ?? undefined;
      return {
        // App Platform's default when the spec names none.
        instanceCount: component.instanceCount ?? 1,
        deploymentInProgress: Boolean(deployment),
        deploymentId: deployment?.id ?? undefined,
        async setInstanceCount(count) {
          component.instanceCount = count;
          await call(`PUT /v2/apps/${options.appId}`, () => app.put({ spec }));
        },
      };
    },
  };
}
