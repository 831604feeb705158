/**
 * The few pieces of the Fetch API the SDK uses, declared here so its types stand alone: a consumer
 * compiles without the DOM lib or `@types/node`, and the global `fetch` (browsers, Node 20+, edge
 * runtimes, undici) fits them as it is.
 */

/** What the SDK needs of an `AbortSignal`; a real one fits. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The platform's `AbortSignal` type where the consumer's types declare one (the DOM lib, `@types/node`),
 * so that the global `fetch`, whose `init.signal` is one, fits `FetchFunction`; `AbortSignalLike` where
 * there is none.
 */
export type PlatformAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer Signal } } ? Signal : AbortSignalLike;

/** What the SDK passes to `fetch`. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  /** JSON text for GraphQL; the bytes themselves for `uploads.create`. */
  body: string | ArrayBuffer;
  signal: PlatformAbortSignal;
}

/** What the SDK reads of a response body stream (`Response.body`). */
export interface ResponseBodyLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array }>;
    cancel(reason?: unknown): Promise<void>;
  };
}

/** What the SDK reads of a `Response`. */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ResponseBodyLike | null;
  text(): Promise<string>;
}

/** A `fetch` function: the global one by default. Pass your own to add a proxy agent, logging, or a test double. */
export type FetchFunction = (input: string, init: FetchInit) => Promise<FetchResponse>;
