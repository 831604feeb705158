import { GetUsageDocument } from '../generated/graphql.js';
import type { RequestOptions, RequestSender } from '../request-sender.js';
import type { UsageGroupBy, UsageReport } from '../types.js';

/** What `usage.get` takes. Days are UTC; a report covers at most 400 days. */
export interface UsageGetParams {
  /** Start of the period (rounded down to its UTC day). */
  from: Date | string;
  /** End of the period, exclusive (rounded up to a UTC day); default now. */
  to?: Date | string;
  /** Rows per `PROJECT`, `EXTERNAL_USER` or `DAY`; none without it. */
  groupBy?: UsageGroupBy;
}

/** Usage: what your keys' mode used (requests, generations, tokens, sandbox seconds, storage). */
export class Usage {
  readonly #sender: RequestSender;

  /** @internal */
  constructor(sender: RequestSender) {
    this.#sender = sender;
  }

  /** The usage report of a period, in the calling key's mode. */
  async get(params: UsageGetParams, options?: RequestOptions): Promise<UsageReport> {
    const iso = (value: Date | string) => (typeof value === 'string' ? value : value.toISOString());
    const variables = { from: iso(params.from), to: iso(params.to ?? new Date()), groupBy: params.groupBy };
    return (await this.#sender.request(GetUsageDocument, variables, options)).usage;
  }
}
