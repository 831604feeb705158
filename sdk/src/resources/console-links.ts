import { CreateConsoleLinkDocument } from '../generated/graphql.js';
import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { ConsoleLink } from '../types.js';

/** What `consoleLinks.create` takes. */
export interface ConsoleLinkCreateParams {
  /** How long the link stays valid, at least 60 s; at most (and by default) the server's link time, 15 min. */
  expiresInSeconds?: number;
}

/** Sign-in links to the web console (a live secret key with every scope). */
export class ConsoleLinks {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * A one-time link that signs a browser into the console as your tenant (both modes, every scope).
   * Anyone holding it can use it once, until it expires: give it only to who should. It is retried
   * only after a 429 (each call makes a new link).
   */
  async create(params: ConsoleLinkCreateParams = {}, options?: RequestOptions): Promise<ConsoleLink> {
    return (await this.#sender.request(CreateConsoleLinkDocument, { input: params }, options, 'refused')).createConsoleLink;
  }
}
