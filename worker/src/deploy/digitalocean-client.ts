/**
 * The official DigitalOcean client (`@digitalocean/dots`, Kiota-generated) set up the way the platform
 * uses it: one token, one base URL (`DIGITALOCEAN_API_URL` in tests), and no retries of its own — Kiota's
 * default RetryHandler waits 3 s between up to 3 tries of a 429/503/504 by itself, which would hide the
 * provider's classification from the caller, which decides retries and their backoff (see
 * `digitalocean-errors.ts`). An optional signal aborts the request in flight (a cancelled session).
 */
import { createDigitalOceanClient, DigitalOceanApiKeyAuthenticationProvider } from '@digitalocean/dots';
import { FetchRequestAdapter, KiotaClientFactory, MiddlewareFactory, RetryHandler } from '@microsoft/kiota-http-fetchlibrary';

export type DigitalOceanClient = ReturnType<typeof createDigitalOceanClient>;

export interface DigitalOceanClientSettings {
  token: string;
  /** https://api.digitalocean.com by default. */
  apiUrl?: string;
  /** Aborts every request this client sends (and the ones in flight). */
  signal?: AbortSignal;
  /** Per request (default 30 s). */
  requestTimeoutMs?: number;
}

export const DIGITALOCEAN_API_URL = 'https://api.digitalocean.com';

export function createDigitalOceanApiClient(settings: DigitalOceanClientSettings): DigitalOceanClient {
  const timeoutMs = settings.requestTimeoutMs ?? 30_000;
  const send = (request: string, init: RequestInit): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = settings.signal ? AbortSignal.any([settings.signal, timeout]) : timeout;
    return fetch(request, { ...init, signal });
  };
  const middlewares = MiddlewareFactory.getDefaultMiddlewares(send).filter((middleware) => !(middleware instanceof RetryHandler));
  const adapter = new FetchRequestAdapter(new DigitalOceanApiKeyAuthenticationProvider(settings.token), undefined, undefined, KiotaClientFactory.create(send, middlewares));
  adapter.baseUrl = (settings.apiUrl ?? DIGITALOCEAN_API_URL).replace(/\/+$/, '');
  return createDigitalOceanClient(adapter);
}
