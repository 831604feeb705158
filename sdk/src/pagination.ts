import type { Page } from './types.js';

/** Fetches the page after `cursor` (the first page for undefined). */
export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

/**
 * What a `list` method returns, as stripe-node's list promise: `await` it for the first page, or
 * `for await` over it for every item of every page, fetched one page at a time as the loop goes.
 *
 * ```ts
 * const page = await everjust.projects.list({ first: 10 });   // { data, hasMore, nextCursor }
 * for await (const project of everjust.projects.list()) { … } // all of them
 * ```
 */
export class ListPromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  #fetchPage: PageFetcher<T>;
  #start: string | undefined;
  #firstPage: Promise<Page<T>> | undefined;

  /** @internal Made by the resources' `list` methods. */
  constructor(fetchPage: PageFetcher<T>, start?: string) {
    this.#fetchPage = fetchPage;
    this.#start = start;
  }

  /** The first page, fetched once however often it is awaited or iterated. */
  #first(): Promise<Page<T>> {
    return (this.#firstPage ??= this.#fetchPage(this.#start));
  }

  then<TResult1 = Page<T>, TResult2 = never>(
    onfulfilled?: ((value: Page<T>) => TResult1 | PromiseLike<TResult1>) | null,
    onrejected?: ((reason: unknown) => TResult2 | PromiseLike<TResult2>) | null,
  ): Promise<TResult1 | TResult2> {
    return this.#first().then(onfulfilled, onrejected);
  }

  catch<TResult = never>(onrejected?: ((reason: unknown) => TResult | PromiseLike<TResult>) | null): Promise<Page<T> | TResult> {
    return this.#first().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<Page<T>> {
    return this.#first().finally(onfinally);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page = await this.#first();
    for (;;) {
      yield* page.data;
      if (!page.hasMore || !page.nextCursor) return;
      page = await this.#fetchPage(page.nextCursor);
    }
  }

  /**
   * The first `limit` items, across pages, in one array. The limit is required (at most 10,000), as
   * stripe-node's `autoPagingToArray` requires one: an unbounded list would load everything into
   * memory. To go through every item, `for await` over the list instead.
   */
  async toArray(options: { limit: number }): Promise<T[]> {
    const limit = options?.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit > MAX_TO_ARRAY_LIMIT) {
      throw new Error(`toArray needs a \`limit\` (an integer up to ${MAX_TO_ARRAY_LIMIT}), e.g. toArray({ limit: 1000 }); to go through every item, use \`for await\``);
    }
    const items: T[] = [];
    if (limit <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= limit) break;
    }
    return items;
  }
}

const MAX_TO_ARRAY_LIMIT = 10_000;

/** A Relay connection's page as a `Page`. */
export function toPage<T>(connection: { edges: Array<{ node: T }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } }): Page<T> {
  return { data: connection.edges.map((edge) => edge.node), hasMore: connection.pageInfo.hasNextPage, nextCursor: connection.pageInfo.endCursor };
}
