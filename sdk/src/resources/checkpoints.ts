import { CreateCheckpointDocument, DeleteCheckpointDocument, ListCheckpointsDocument, RestoreCheckpointDocument } from '../generated/graphql.js';
import { ListPromise, toPage } from '../pagination.js';
import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { Checkpoint, Project } from '../types.js';

/** What `checkpoints.create` takes. */
export interface CheckpointCreateParams {
  projectId: string;
  /** 1–100 characters, unique within the project (a second checkpoint of one name is a ValidationError). */
  name: string;
  /** Name this ended session's snapshot instead of the project's current files. */
  sessionId?: string;
}

/** What `checkpoints.list` takes besides the project. */
export interface CheckpointListParams {
  /** Page size, at most 100 (default 20). */
  first?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  after?: string;
}

/** Checkpoints: named points in a project's history to go back to. */
export class Checkpoints {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * Names the project's current files (or an ended session's snapshot). Not retried after a network
   * error: a retry of a create that did land would be refused as a duplicate name.
   */
  async create(params: CheckpointCreateParams, options?: RequestOptions): Promise<Checkpoint> {
    return (await this.#sender.request(CreateCheckpointDocument, { input: params }, options, 'refused')).createCheckpoint;
  }

  /** A project's checkpoints, newest first. `await` it for one page; `for await` over it for all. */
  list(projectId: string, params: CheckpointListParams = {}, options?: RequestOptions): ListPromise<Checkpoint> {
    const { after, first } = params;
    return new ListPromise(async (cursor) => toPage((await this.#sender.request(ListCheckpointsDocument, { projectId, first, after: cursor }, options)).project.checkpoints), after);
  }

  /** Puts the project's files back as the checkpoint holds them and returns the project. */
  async restore(id: string, options?: RequestOptions): Promise<Project> {
    return (await this.#sender.request(RestoreCheckpointDocument, { input: { checkpointId: id } }, options)).restoreCheckpoint;
  }

  /** Deletes a checkpoint (the project's files stay as they are) and returns it. */
  async delete(id: string, options?: RequestOptions): Promise<Checkpoint> {
    return (await this.#sender.request(DeleteCheckpointDocument, { input: { checkpointId: id } }, options)).deleteCheckpoint;
  }
}
