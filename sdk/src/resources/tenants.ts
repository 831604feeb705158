import { GetTenantDocument, UpdateTenantDocument } from '../generated/graphql.js';
import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { Tenant } from '../types.js';

/** Generation settings: a field left out is kept, `null` clears it. */
export interface TenantGenerationParams {
  /** Appended to the platform's system prompt in every live session (at most 10,000 characters). */
  instructions?: string | null;
  /** The default model (one of `generation.availableModels`); null: the platform's default. */
  model?: string | null;
  /** The models sessions may ask for; empty or null: any the platform offers. */
  allowedModels?: string[] | null;
  /**
   * Your own Anthropic key (bring your own key): live sessions run on it and are marked `byok`. Stored
   * sealed and never returned (`generation.hasAnthropicApiKey` and `anthropicApiKeyLast4` say which one
   * is set); null clears it.
   */
  anthropicApiKey?: string | null;
  /**
   * Whether the model may stop to ask your end user a question (a `question` event; answer it with
   * `sessions.answer`); null: the default, true.
   */
  allowQuestions?: boolean | null;
  /**
   * Rounds in which the model repairs the errors the preview check found (each a `repair_started`
   * event), 0–3; 0 turns repair off; null: the default, 2.
   */
  autoRepairRounds?: number | null;
}

/** What `tenant.update` takes. */
export interface TenantUpdateParams {
  name?: string;
  /** Origins allowed to use widget tokens (`https://example.com`, no path). */
  allowedOrigins?: string[];
  generation?: TenantGenerationParams;
}

/** Your tenant (the account of the calling key): its settings, including generation settings. */
export class Tenants {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /** The calling key's tenant. */
  async get(options?: RequestOptions): Promise<Tenant> {
    return (await this.#sender.request(GetTenantDocument, {}, options)).viewer;
  }

  /**
   * Changes the tenant's name, widget origins or generation settings (needs the `keys:write` scope);
   * a bad value is a ValidationError naming the field, and nothing is changed.
   */
  async update(params: TenantUpdateParams, options?: RequestOptions): Promise<Tenant> {
    return (await this.#sender.request(UpdateTenantDocument, { input: params }, options)).updateTenant;
  }
}
