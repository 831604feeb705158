import { CreateApiKeyDocument, ListApiKeysDocument, RevokeApiKeyDocument } from '../generated/graphql.js';
import { ListPromise, toPage } from '../pagination.js';
import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { ApiKey, ApiKeyScope, CreatedApiKey, Mode } from '../types.js';

/** What `apiKeys.create` takes. */
export interface ApiKeyCreateParams {
  /** 1–100 characters. */
  name: string;
  /** Defaults to the calling key's mode; a test key cannot create live keys. */
  mode?: Mode;
  /** Defaults to every scope; a key can only grant scopes it has itself. */
  scopes?: ApiKeyScope[];
}

/** What `apiKeys.list` takes. */
export interface ApiKeyListParams {
  /** Page size, at most 100 (default 20). */
  first?: number;
  /** Start after this cursor (a page's `nextCursor`). */
  after?: string;
}

/** Secret keys (these calls need the `keys:write` scope). */
export class ApiKeys {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * Creates a secret key and returns it with its secret, shown this once. It takes no idempotency
   * key (a secret is shown exactly once), so it is retried only when the API refused it with a 429,
   * never after an error that might have come after the key was made.
   */
  async create(params: ApiKeyCreateParams, options?: RequestOptions): Promise<CreatedApiKey> {
    return (await this.#sender.request(CreateApiKeyDocument, { input: params }, options, 'refused')).createApiKey;
  }

  /** Keys, newest first (a live key sees both modes, a test key only test keys); `for await` pages by itself. */
  list(params: ApiKeyListParams = {}, options?: RequestOptions): ListPromise<ApiKey> {
    return new ListPromise(async (cursor) => toPage((await this.#sender.request(ListApiKeysDocument, { first: params.first, after: cursor }, options)).apiKeys), params.after);
  }

  /** Revokes a key at once, everywhere, and returns it (with `revokedAt`). Revoking it again changes nothing. */
  async revoke(id: string, options?: RequestOptions): Promise<ApiKey> {
    return (await this.#sender.request(RevokeApiKeyDocument, { input: { id } }, options)).revokeApiKey;
  }
}
