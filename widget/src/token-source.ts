/**
 * Where the widget's token comes from, and when to renew it. A widget token (`ej_wt_<JWT>`) is minted
 * by the host's backend; the widget reads its claims (not secret) to learn when it expires and which
 * project it is for, and fetches a new one at about 80% of its life.
 */

/** What `getToken` (or the token-url endpoint) may answer. */
export type TokenResponse =
  | string
  | { token: string; expiresAt?: string | number | null; projectId?: string | null; project?: { id?: string | null } | null };

export interface WidgetToken {
  token: string;
  /** Milliseconds since the epoch; Infinity when unknown. */
  expiresAt: number;
  /** When it was minted (the `iat` claim), or when it was received. */
  issuedAt: number;
  projectId?: string;
  /** Its extra rights (the `perms` claim: `deploy`); undefined when its claims cannot be read. */
  permissions?: string[];
}

/** Reads a widget token's claims without checking them (the API does that). */
export function readTokenClaims(token: string): { exp?: number; iat?: number; project?: string; perms?: string[] } {
  const payload = token.replace(/^ej_wt_/, '').split('.')[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const claims = JSON.parse(json) as Record<string, unknown>;
    return {
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
      iat: typeof claims.iat === 'number' ? claims.iat : undefined,
      project: typeof claims.project === 'string' ? claims.project : undefined,
      perms: Array.isArray(claims.perms) ? claims.perms.filter((permission): permission is string => typeof permission === 'string') : [],
    };
  } catch {
    return {};
  }
}

export function normalizeToken(response: TokenResponse, now = Date.now()): WidgetToken {
  const value = typeof response === 'string' ? { token: response } : response;
  if (!value || typeof value.token !== 'string' || !value.token) throw new Error('The token source answered without a token');
  const claims = readTokenClaims(value.token);
  const given = 'expiresAt' in value && value.expiresAt != null ? new Date(value.expiresAt).getTime() : NaN;
  const expiresAt = claims.exp !== undefined ? claims.exp * 1000 : Number.isFinite(given) ? given : Infinity;
  const projectId = ('projectId' in value && value.projectId) || ('project' in value && value.project?.id) || claims.project || undefined;
  return { token: value.token, expiresAt, issuedAt: claims.iat !== undefined ? claims.iat * 1000 : now, projectId, permissions: claims.perms };
}

/** How long to wait before renewing: at 80% of the token's life, never less than a second. */
export function refreshDelay(token: WidgetToken, now = Date.now()): number {
  if (!Number.isFinite(token.expiresAt)) return Infinity;
  const renewAt = token.issuedAt + 0.8 * (token.expiresAt - token.issuedAt);
  return Math.max(renewAt - now, 1_000);
}

/** Asks the host's backend for a token: `POST tokenUrl` (same-origin cookies included), JSON back. */
export async function fetchToken(tokenUrl: string, fetchImplementation: typeof fetch = fetch): Promise<WidgetToken> {
  const response = await fetchImplementation(tokenUrl, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The token endpoint answered HTTP ${response.status}`);
  return normalizeToken((await response.json()) as TokenResponse);
}
