import { CreateWidgetTokenDocument } from '../generated/graphql.js';
import { newIdempotencyKey, type RequestOptions, type RequestSender } from '../request-sender.js';
import type { WidgetToken } from '../types.js';

/** What `widgetTokens.create` takes: `projectId` or `newProject`, not both. */
export type WidgetTokenCreateParams = (
  | {
      /** An existing project of the key's mode. */
      projectId: string;
      newProject?: undefined;
    }
  | {
      projectId?: undefined;
      /** Makes a project for the end user along with the token (its `externalUserId` is the token's). Needs `projects:write`. */
      newProject: { name: string; metadata?: Record<string, unknown> | null };
    }
) & {
  /** Your id for the end user: the widget sees only the sessions it starts for this user. */
  externalUserId: string;
  /** The page's origin (`https://app.example.com`), one of the tenant's allowed origins: the token works from there only. */
  origin: string;
  /** Lifetime in seconds: 900 by default, 60 to 3600. */
  ttlSeconds?: number;
  /**
   * Extra rights, none by default. `DEPLOY`: the widget may deploy its project (its Deploy button,
   * `features="deploy"`); without it, `deployProject` with the token is FORBIDDEN.
   */
  permissions?: Array<'DEPLOY'>;
  /**
   * With `newProject`: a retried call returns the same project, never a second one (every call still
   * mints a new token). Generated when left out.
   */
  idempotencyKey?: string;
};

/** Widget tokens: short-lived browser tokens for `<everjust-builder>`. */
export class WidgetTokens {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /**
   * Mints a token for one end user, one project and one origin; hand it to the page (never your
   * secret key). Needs `sessions:write` (and `projects:write` with `newProject`). Idempotent for
   * `newProject`: a key is generated when you give none, so a retry never creates two projects.
   */
  async create(params: WidgetTokenCreateParams, options?: RequestOptions): Promise<WidgetToken> {
    const input = { ...params, idempotencyKey: params.idempotencyKey ?? newIdempotencyKey() };
    return (await this.#sender.request(CreateWidgetTokenDocument, { input }, options)).createWidgetToken;
  }
}
