import { openSecret, UPSTREAM_HEADERS_CONTEXT, verifyPreviewToken, type PreviewClaims, type PrismaClient } from '@everjust/core';
import { TtlCache } from '../auth/ttl-cache.js';

/** What a valid preview token opens: its project's files (static) or its running sandbox (proxied). */
export type PreviewTarget =
  | { kind: 'static'; project: PreviewProject; /** A version's preview: this ended session's snapshot. */ sessionId?: string }
  | {
      kind: 'proxy';
      project: PreviewProject;
      upstreamUrl: string;
      headers: Record<string, string>;
      /** Changes whenever the sandbox row does (a file sync, a restart): the asset cache's keys carry it. */
      generation: string;
    };

export interface PreviewProject {
  id: string;
  tenantId: string;
  mode: 'live' | 'test';
}

export type PreviewAccessCheck = { ok: true; claims: PreviewClaims; target: PreviewTarget } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'revoked' };

export interface PreviewAccess {
  /** A token's target now: revoked when the project is deleted, or the sandbox stopped since it was issued. */
  check(token: string): Promise<PreviewAccessCheck>;
}

interface Resolved {
  /** The token's project, while it is not deleted (what a version's preview needs). */
  project: PreviewProject | null;
  target: PreviewTarget | null;
  /** A proxied token must be issued at or after this (ms): the sandbox's start. */
  runningSince: number;
  /** When the row was read (ms): a token issued later may be for a sandbox started since. */
  readAt: number;
}

/**
 * Resolves preview tokens to what they open, reading the project and its sandbox row, cached for
 * `cacheMs` (2 s: every request of a page would read it otherwise, and a stop is seen that soon); a
 * link issued after the cached read reads again, so a restarted sandbox's new link works at once.
 * The sandbox is found from the token's project, so one project's token never reaches another's.
 */
/** How long a token's target is remembered: a stopped sandbox or a synced file is seen this soon. */
export const PREVIEW_ACCESS_CACHE_MS = 2000;

export function createPreviewAccess(options: { prisma: PrismaClient; secret: string; cacheMs?: number }): PreviewAccess {
  const cache = new TtlCache<Resolved>({ ttlMs: options.cacheMs ?? PREVIEW_ACCESS_CACHE_MS, max: 10_000 });
  const resolve = async (claims: PreviewClaims): Promise<Resolved> => {
    const key = `${claims.projectId}:${claims.mode}`;
    const cached = cache.get(key);
    // A link issued after the read is for the sandbox as it is now (restarted, on another port): read again.
    if (cached && (claims.issuedAt ?? 0) < cached.readAt) return cached;
    const readAt = Date.now();
    const project = await options.prisma.project.findFirst({
      where: { id: claims.projectId, mode: claims.mode, deletedAt: null },
      select: { id: true, tenantId: true, mode: true, sandbox: true },
    });
    let resolved: Resolved = { project: null, target: null, runningSince: 0, readAt };
    if (project) {
      const { sandbox, ...rest } = project;
      resolved.project = rest;
      if (sandbox && sandbox.provider !== 'static') {
        // A proxied preview exists only while its sandbox runs and answers somewhere.
        if (sandbox.status === 'running' && sandbox.upstreamUrl && sandbox.runningSince) {
          const headers = sandbox.upstreamHeaders ? (JSON.parse(openSecret(options.secret, sandbox.upstreamHeaders, UPSTREAM_HEADERS_CONTEXT)) as Record<string, string>) : {};
          resolved = { project: rest, target: { kind: 'proxy', project: rest, upstreamUrl: sandbox.upstreamUrl, headers, generation: String(sandbox.updatedAt.getTime()) }, runningSince: sandbox.runningSince.getTime(), readAt };
        }
      } else {
        resolved = { project: rest, target: { kind: 'static', project: rest }, runningSince: 0, readAt };
      }
    }
    cache.set(key, resolved);
    return resolved;
  };
  return {
    async check(token) {
      const verified = verifyPreviewToken(options.secret, token);
      if (!verified.ok) return verified;
      const { project, target, runningSince } = await resolve(verified.claims);
      // A version's preview: that session's snapshot, served statically while its project lives,
      // whatever its sandbox does (the session itself is checked with each file it serves).
      const { sessionId } = verified.claims;
      if (sessionId !== undefined) return project ? { ok: true, claims: verified.claims, target: { kind: 'static', project, sessionId } } : { ok: false, reason: 'revoked' };
      if (!target) return { ok: false, reason: 'revoked' };
      if (target.kind === 'proxy' && (verified.claims.issuedAt ?? 0) < runningSince) return { ok: false, reason: 'revoked' };
      return { ok: true, claims: verified.claims, target };
    },
  };
}
