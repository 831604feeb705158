import { hkdfSync, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError, type KeyMode } from '@everjust/core';
import type { WidgetPermission } from '../context.js';

/**
 * Widget tokens: the only credential a browser holds. A secret key mints one (`createWidgetToken`)
 * for one origin, one project and one end user; it lives 15 minutes by default, an hour at most.
 *
 * Format: `ej_wt_<JWT>`, sent as `Authorization: Bearer ej_wt_…`. The prefix tells a widget token
 * from a secret key by its shape alone (and lets secret scanners spot one); the JWT is HS256, signed
 * with a key derived from EVERJUST_SECRET for this use only (HKDF, so it never equals the secret or
 * another derived key), with the explicit type `ej-widget+jwt` in its header (RFC 8725: a JWT of
 * another kind signed with the same key cannot pass for one). Claims:
 *
 * | claim | |
 * |---|---|
 * | `iss` `aud` | `everjust`, `everjust:widget` |
 * | `sub` | the end user (your `externalUserId`) |
 * | `tenant`, `project` | global ids |
 * | `mode` | `live` or `test`: the minting key's |
 * | `origin` | the one origin that may use it (`https://app.example.com`) |
 * | `key` | the id of the secret key that minted it: revoking the key kills its tokens |
 * | `perms` | extra rights chosen at minting (`["deploy"]`); absent: none |
 * | `iat`, `exp`, `jti` | |
 *
 * The claims are readable by whoever holds the token (the widget reads `exp` and `project`); nothing
 * secret goes in them.
 */
export const WIDGET_TOKEN_PREFIX = 'ej_wt_';
export const WIDGET_TOKEN_TYPE = 'ej-widget+jwt';
const ISSUER = 'everjust';
const AUDIENCE = 'everjust:widget';

export interface WidgetTokenClaims {
  /** Global id of the tenant. */
  tenantId: string;
  mode: KeyMode;
  /** Global id of the project. */
  projectId: string;
  externalUserId: string;
  origin: string;
  /** Global id of the secret key that minted it. */
  apiKeyId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  /** Extra rights (`deploy`); none when absent. */
  permissions?: readonly WidgetPermission[];
}

/** A bearer value shaped like a widget token (not yet checked). */
export function isWidgetToken(bearer: string): boolean {
  return bearer.startsWith(WIDGET_TOKEN_PREFIX);
}

/** The bearer value of an `Authorization` header, or null. */
export function bearerOf(authorization: string | null | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? null;
}

/** The signing key for widget tokens: HKDF-SHA256 of the platform secret, bound to this purpose. */
export function widgetTokenKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'everjust', 'widget-token:v1', 32));
}

export async function signWidgetToken(key: Uint8Array, claims: WidgetTokenClaims, now = Date.now()): Promise<string> {
  const jwt = await new SignJWT({ tenant: claims.tenantId, mode: claims.mode, project: claims.projectId, origin: claims.origin, key: claims.apiKeyId, ...(claims.permissions?.length ? { perms: [...claims.permissions] } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: WIDGET_TOKEN_TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.externalUserId)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(claims.expiresAt)
    .setJti(randomUUID())
    .sign(key);
  return `${WIDGET_TOKEN_PREFIX}${jwt}`;
}

/**
 * Checks a widget token's signature, type, issuer, audience and expiry, and returns its claims.
 * Anything wrong is UNAUTHENTICATED (401): expired, tampered, malformed, or not a widget token.
 */
export async function verifyWidgetToken(key: Uint8Array, token: string, now = Date.now()): Promise<WidgetTokenClaims> {
  if (!isWidgetToken(token)) throw new AuthenticationError('Not a widget token (expected ej_wt_…)');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token.slice(WIDGET_TOKEN_PREFIX.length), key, {
      algorithms: ['HS256'],
      typ: WIDGET_TOKEN_TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(now),
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('This widget token has expired: fetch a new one from your backend');
    throw new AuthenticationError('This widget token is not valid');
  }
  const { tenant, mode, project, origin, key: apiKeyId, sub, exp, perms } = payload;
  if (
    typeof tenant !== 'string' ||
    (mode !== 'live' && mode !== 'test') ||
    typeof project !== 'string' ||
    typeof origin !== 'string' ||
    typeof apiKeyId !== 'string' ||
    typeof sub !== 'string' ||
    typeof exp !== 'number' ||
    (perms !== undefined && !(Array.isArray(perms) && perms.every((permission) => permission === 'deploy')))
  ) {
    throw new AuthenticationError('This widget token is not valid');
  }
  return { tenantId: tenant, mode, projectId: project, origin, apiKeyId, externalUserId: sub, expiresAt: exp, permissions: (perms as WidgetPermission[] | undefined) ?? [] };
}
