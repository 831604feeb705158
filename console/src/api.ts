import { ApiError, followSessionEvents, RequestSender, type FetchFunction } from '@everjust/sdk';

/**
 * The console's transport. The credential is the session cookie (HttpOnly, SameSite=Strict), sent
 * with `credentials: 'same-origin'`; every request carries the session's CSRF token and the chosen
 * mode (`X-EverJust-Mode`). GraphQL goes through the SDK's request sender (one retry policy, its error
 * classes) and sessions are followed with the SDK's resume-after-seq loop over GraphQL-over-SSE, as
 * the widget does. The sender always adds a bearer header; the fetch below removes it, since an
 * `Authorization` header would win over the cookie.
 */

export type Mode = 'live' | 'test';

export interface ConsoleSession {
  tenant: { id: string; name: string; tier: string };
  csrfToken: string;
  expiresAt: string;
}

export { ApiError };

const MODE_STORAGE_KEY = 'everjust.console.mode';

let session: ConsoleSession | undefined;
let mode: Mode = readStoredMode();
let onSignedOut: () => void = () => undefined;

function readStoredMode(): Mode {
  try {
    return localStorage.getItem(MODE_STORAGE_KEY) === 'test' ? 'test' : 'live';
  } catch {
    return 'live';
  }
}

export const currentMode = () => mode;
export const currentSession = () => session;

export function setMode(next: Mode) {
  mode = next;
  try {
    localStorage.setItem(MODE_STORAGE_KEY, next);
  } catch {
    // Private windows may refuse storage: the toggle still works for this page.
  }
}

/** Called when the API says the session is gone (expired, signed out elsewhere). */
export function whenSignedOut(handler: () => void) {
  onSignedOut = handler;
}

const consoleFetch: FetchFunction = async (input, init) => {
  const headers = new Headers(init?.headers as HeadersInit);
  headers.delete('authorization');
  if (session) headers.set('x-everjust-csrf', session.csrfToken);
  // A call may name its mode (tenant settings are live-mode writes, whatever the switch says).
  if (!headers.has('x-everjust-mode')) headers.set('x-everjust-mode', mode);
  const response = await fetch(input as RequestInfo, { ...(init as RequestInit), headers, credentials: 'same-origin' });
  if (response.status === 401) queueMicrotask(() => signOutLocally());
  return response as any;
};

const sender = new RequestSender({
  apiKey: 'console-session-cookie',
  endpoint: new URL('/graphql', location.href).href,
  maxRetries: 2,
  timeoutMs: 30_000,
  fetch: consoleFetch,
  headers: {},
});

function signOutLocally() {
  if (!session) return;
  session = undefined;
  onSignedOut();
}

/** The signed-in session, or undefined when there is none (401). Any other failure throws. */
export async function loadSession(): Promise<ConsoleSession | undefined> {
  const response = await fetch('/console/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) return (session = undefined);
  if (!response.ok) throw new ApiError({ code: `HTTP_${response.status}`, message: `The console session could not be read (HTTP ${response.status})`, status: response.status });
  session = (await response.json()) as ConsoleSession;
  return session;
}

/** Runs a query or mutation and returns its `data`; an error as an ApiError (code, message). */
export function gql<T = any>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal, options: { mode?: Mode } = {}): Promise<T> {
  // Mutations are retried only when refused before anything ran (429); reads after any passing failure.
  const policy = /^\s*mutation\b/.test(query) ? 'refused' : 'any';
  return sender.request<T, Record<string, unknown>>(query, variables, { signal, headers: options.mode ? { 'x-everjust-mode': options.mode } : undefined }, policy);
}

/** Follows a session's events from `afterSeq` until `done`, resuming after drops. */
export function followEvents<TEvent extends { seq: number; type: string }>(document: string, sessionId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<TEvent> {
  return followSessionEvents<TEvent>(sender, new String(document) as any, sessionId, { afterSeq, signal });
}

/** POST /console/api/logout or /console/api/logout-everywhere (with the CSRF token). */
export async function signOut(everywhere: boolean): Promise<void> {
  const response = await fetch(everywhere ? '/console/api/logout-everywhere' : '/console/api/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'x-everjust-csrf': session?.csrfToken ?? '' },
  });
  if (!response.ok && response.status !== 401) {
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError({ code: body?.error?.code ?? `HTTP_${response.status}`, message: body?.error?.message ?? `Signing out failed (HTTP ${response.status})`, status: response.status });
  }
  session = undefined;
}

/** A message for any error a page shows: the API's message and code, or what went wrong in the browser. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return `${error.message}${error.code ? ` (${error.code})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
