import { refreshDelay, type WidgetToken } from './token-source.js';

export interface TokenControllerOptions {
  /** Gets a token from wherever the element is told to (its `getToken`, `token-url` or `token`). */
  load(): Promise<WidgetToken>;
  /** Whether a new token can be had at all: a fixed `token` attribute cannot be renewed. */
  renewable(): boolean;
  /** A scheduled renewal failed; the current token may still work for a while. */
  onRenewalError(error: unknown): void;
  now?: () => number;
}

/**
 * The element's tokens, without the DOM: the current one (renewed first when it has under 5 s left,
 * so it cannot expire in flight), one renewal at a time, and renewals scheduled at about 80% of each
 * token's life. After `stop()` nothing is scheduled until the next token is asked for.
 */
export class TokenController {
  #token?: WidgetToken;
  #request?: Promise<WidgetToken>;
  #timer?: ReturnType<typeof setTimeout>;
  /** Bumped by stop(): a renewal that was in flight then schedules nothing. */
  #generation = 0;
  readonly #now: () => number;

  constructor(private readonly options: TokenControllerOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** The token to send now. */
  current(): Promise<WidgetToken> {
    if (this.#token && this.#token.expiresAt - this.#now() > 5_000) return Promise.resolve(this.#token);
    return this.renew();
  }

  /** A new token (the API refused the current one, or it is due); concurrent calls share one request. */
  renew(): Promise<WidgetToken> {
    const generation = this.#generation;
    this.#request ??= this.options
      .load()
      .then((token) => {
        this.#token = token;
        if (generation === this.#generation) this.#schedule(token);
        return token;
      })
      .finally(() => {
        this.#request = undefined;
      });
    return this.#request;
  }

  /** Drops the current token (where tokens come from changed). */
  forget(): void {
    this.#token = undefined;
  }

  /** Cancels the scheduled renewal (the element left the page, or starts over). */
  stop(): void {
    this.#generation++;
    clearTimeout(this.#timer);
  }

  #schedule(token: WidgetToken): void {
    clearTimeout(this.#timer);
    if (!this.options.renewable()) return;
    const delay = refreshDelay(token, this.#now());
    if (!Number.isFinite(delay)) return;
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      this.renew().catch((error: unknown) => {
        this.options.onRenewalError(error);
        // Try again while the old token still works.
        if (generation === this.#generation && this.#token && this.#token.expiresAt - this.#now() > 10_000) this.#timer = setTimeout(() => this.#schedule(token), 5_000);
      });
    }, Math.min(delay, 2 ** 31 - 1));
  }
}
