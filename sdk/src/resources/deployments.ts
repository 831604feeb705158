import { DeleteDeploymentDocument, GetDeploymentDocument, ListDeploymentsDocument, RollbackDeploymentDocument } from '../generated/graphql.js';
import { createApiError } from '../errors.js';
import { ListPromise, toPage } from '../pagination.js';
import { newIdempotencyKey, type RequestOptions, type RequestSender } from '../request-sender.js';
import type { Deployment, Project, Session } from '../types.js';

/** What `deployments.list` takes. */
export interface DeploymentListParams {
  /** Page size, at most 100 (default 20). */
  first?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  after?: string;
}

/** Deployments: a project's app on App Platform (simulated in test mode), its history and rollbacks. Start one with `projects.deploy`. */
export class Deployments {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /** A project's deployments, newest first (rollbacks included). `await` it for one page; `for await` for all. */
  list(projectId: string, params: DeploymentListParams = {}, options?: RequestOptions): ListPromise<Deployment> {
    const { after, first } = params;
    return new ListPromise(async (cursor) => toPage((await this.#sender.request(ListDeploymentsDocument, { projectId, first, after: cursor }, options)).project.deployments), after);
  }

  /** A deployment by id; NotFoundError when it is absent or not yours. */
  async get(id: string, options?: RequestOptions): Promise<Deployment> {
    const node = (await this.#sender.request(GetDeploymentDocument, { id }, options)).node;
    if (node?.__typename !== 'Deployment') throw createApiError({ message: `Deployment ${id} not found`, extensions: { code: 'NOT_FOUND' } });
    const { __typename: _typename, ...deployment } = node;
    return deployment;
  }

  /**
   * Goes back to an earlier deployment of the project's app (one that was live): returns at once the
   * `deploy` session that does it; follow it with `sessions.stream(session.id)`.
   */
  async rollback(id: string, params: { idempotencyKey?: string } = {}, options?: RequestOptions): Promise<Session> {
    const input = { deploymentId: id, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(RollbackDeploymentDocument, { input }, options)).rollbackDeployment;
  }

  /** Removes the project's app from App Platform (in live mode its URL stops answering); the history stays. */
  async delete(projectId: string, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(DeleteDeploymentDocument, { input: { projectId } }, options)).deleteDeployment;
  }
}
