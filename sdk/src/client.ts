import type { FetchFunction } from './fetch-types.js';
import { documentText, isMutation, RequestSender, type RequestOptions, type TypedDocument } from './request-sender.js';
import { ApiKeys } from './resources/api-keys.js';
import { ConsoleLinks } from './resources/console-links.js';
import { Deployments } from './resources/deployments.js';
import { Checkpoints } from './resources/checkpoints.js';
import { Projects } from './resources/projects.js';
import { Sessions } from './resources/sessions.js';
import { Tenants } from './resources/tenants.js';
import { Uploads } from './resources/uploads.js';
import { Usage } from './resources/usage.js';
import { Webhooks } from './resources/webhooks.js';
import { WidgetTokens } from './resources/widget-tokens.js';

/** What `new EverJust(…)` takes. */
export interface EverJustOptions {
  /** A secret key: `ej_live_sk_…` or `ej_test_sk_…` (test keys get the free offline generator). */
  apiKey: string;
  /** The API's address, with or without `/graphql`. Default `http://127.0.0.1:4000` (the embedded `pnpm start`). */
  baseUrl?: string;
  /** Retries after a network error, a timeout, a 429 or a 5xx, with exponential backoff and jitter. Default 2. */
  maxRetries?: number;
  /** How long one attempt may take before it is abandoned (and retried). Default 60,000 ms. */
  timeoutMs?: number;
  /** The `fetch` to use; default the global one. */
  fetch?: FetchFunction;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:4000';

/**
 * The EverJust API client, for your backend (never ship a secret key to a browser).
 *
 * ```ts
 * const everjust = new EverJust({ apiKey: process.env.EVERJUST_API_KEY! });
 * const project = await everjust.projects.create({ name: 'Todo app' });
 * const session = await everjust.sessions.create({ projectId: project.id, prompt: 'A todo app' });
 * for await (const event of everjust.sessions.stream(session.id)) console.log(event.type);
 * ```
 */
export class EverJust {
  /** Projects: create, get, update, delete, list (auto-paginating), writeFiles, fork, import, deploy, setDeployTarget, setDomain. */
  readonly projects: Projects;
  /** Checkpoints: create, list, restore, delete named points in a project's history. */
  readonly checkpoints: Checkpoints;
  /** Sessions: create (start a generation), get, cancel, stream its events. */
  readonly sessions: Sessions;
  /** Deployments: list a project's, get, rollback, delete (remove the app). */
  readonly deployments: Deployments;
  /** Uploads: archives (ZIPs) for `projects.import`. */
  readonly uploads: Uploads;
  /** Usage reports. */
  readonly usage: Usage;
  /** Your tenant: get, update (widget origins, generation settings: instructions, models, own Anthropic key). */
  readonly tenant: Tenants;
  /** Secret keys: create, list, revoke. */
  readonly apiKeys: ApiKeys;
  /** Console sign-in links: a one-time URL that opens the web console as your tenant. */
  readonly consoleLinks: ConsoleLinks;
  /** Widget tokens: mint browser tokens for `<everjust-builder>`. */
  readonly widgetTokens: WidgetTokens;
  /** Webhooks: `verify` a delivery's signature (also `Webhooks.verify`, without a client). */
  readonly webhooks: Webhooks;

  readonly #sender: RequestSender;

  constructor(options: EverJustOptions) {
    if (!options?.apiKey) throw new TypeError('EverJust: `apiKey` is required (a secret key, ej_live_sk_… or ej_test_sk_…)');
    const fetch = options.fetch ?? (globalThis as { fetch?: FetchFunction }).fetch;
    if (!fetch) throw new TypeError('EverJust: no global `fetch` here; pass one as the `fetch` option');
    const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#sender = new RequestSender({
      apiKey: options.apiKey,
      endpoint: baseUrl.endsWith('/graphql') ? baseUrl : `${baseUrl}/graphql`,
      maxRetries: options.maxRetries ?? 2,
      timeoutMs: options.timeoutMs ?? 60_000,
      // Called unbound: some runtimes' fetch refuses another `this`.
      fetch: (input, init) => fetch(input, init),
      headers: options.headers ?? {},
    });
    this.projects = new Projects(this.#sender);
    this.checkpoints = new Checkpoints(this.#sender);
    this.sessions = new Sessions(this.#sender);
    this.deployments = new Deployments(this.#sender);
    this.uploads = new Uploads(this.#sender);
    this.usage = new Usage(this.#sender);
    this.tenant = new Tenants(this.#sender);
    this.apiKeys = new ApiKeys(this.#sender);
    this.consoleLinks = new ConsoleLinks(this.#sender);
    this.widgetTokens = new WidgetTokens(this.#sender);
    this.webhooks = new Webhooks();
  }

  /**
   * Runs any GraphQL operation, for what the SDK does not wrap yet, and returns its `data` (or throws
   * the ApiError of its first error). Typed when the document is (a `TypedDocumentString` or
   * `TypedDocumentNode` from graphql-codegen). Retries as every call does, except that a document
   * with a mutation is retried only after a 429, since it may not be safe to run twice.
   *
   * ```ts
   * const data = await everjust.graphql<{ viewer: { name: string } }>('{ viewer { name } }');
   * ```
   */
  async graphql<TResult = any, TVariables = Record<string, unknown>>(
    document: TypedDocument<TResult, TVariables> | string,
    variables?: TVariables,
    options?: RequestOptions,
  ): Promise<TResult> {
    const text = documentText(document);
    return this.#sender.request<TResult, TVariables>(text, variables, options, isMutation(text) ? 'refused' : 'any');
  }
}
