import { appendEvent, enqueueJob, jobsReadyChannel, publishEvents, storeSessionAttachments, type Prisma, type Session, type SessionAttachmentInput, type SessionEvent, type SessionKind } from '@everjust/core';
import type { RequestContext } from '../context.js';
import { createIdempotently } from './idempotency.js';
import { checkSessionQuotas } from './quotas.js';

interface SessionProject {
  id: string;
  externalUserId: string | null;
}

export interface StartSessionOptions {
  kind: SessionKind;
  /** The session's project, or (an import) a function that makes it in the session's transaction. */
  project: SessionProject | ((tx: Prisma.TransactionClient) => Promise<SessionProject>);
  prompt?: string;
  /** The mutation's name, for idempotency. */
  operation: string;
  idempotencyKey?: string | null;
  /** What the idempotency key stands for (the input less the key and any secret). */
  idempotencyInput: Record<string, unknown>;
  /** The job's payload, given the new session's id (an export seals its token for that session). */
  jobPayload?: (sessionId: string) => Record<string, unknown>;
  /** The session's output budget in tokens (generate sessions). */
  maxOutputTokens?: number | null;
  /** The model the session asked for (generate sessions; already checked against the tenant's). */
  requestedModel?: string | null;
  /** Whether it will run on the tenant's own Anthropic key (the worker confirms it when it runs). */
  byok?: boolean;
  /** Its images, stored with it (generate sessions). */
  attachments?: readonly SessionAttachmentInput[];
  /** A deploy that will make the project's first app (the live apps quota). */
  newApp?: boolean;
}

/** The end user a session belongs to: a widget token's, else the project's. */
export function sessionEndUser(context: RequestContext, project: { externalUserId: string | null }): string | null {
  return context.caller.widget?.externalUserId ?? project.externalUserId;
}

/**
 * Starts a session of any kind: the session, its first event and its job written, then the quotas
 * checked under the tenant's lock, in ONE transaction (accepted work is never lost), at most once per
 * idempotency key. After the commit it wakes a worker and tells early subscribers; both are hints,
 * the log is the truth.
 */
export async function startSessionWithJob(context: RequestContext, options: StartSessionOptions): Promise<Session> {
  const { prisma, pubsub, config } = context.services;
  const firstEvents: SessionEvent[] = [];
  const session = await createIdempotently({
    prisma,
    tenantId: context.caller.tenantId,
    mode: context.caller.mode,
    operation: options.operation,
    key: options.idempotencyKey,
    // A widget's end user is part of what the key stands for: another end user never replays this one's session.
    input: { ...options.idempotencyInput, ...(context.caller.widget ? { externalUserId: context.caller.widget.externalUserId } : {}) },
    ttlMs: config.idempotency.ttlMs,
    create: async (tx) => {
      const project = typeof options.project === 'function' ? await options.project(tx) : options.project;
      const externalUserId = sessionEndUser(context, project);
      const created = await tx.session.create({
        data: {
          tenantId: context.caller.tenantId,
          projectId: project.id,
          mode: context.caller.mode,
          kind: options.kind,
          prompt: options.prompt ?? '',
          externalUserId,
          idempotencyKey: options.idempotencyKey ?? null,
          maxOutputTokens: options.maxOutputTokens ?? null,
          requestedModel: options.requestedModel ?? null,
          byok: options.byok ?? false,
        },
      });
      if (options.attachments?.length) await storeSessionAttachments(tx, created.id, options.attachments);
      firstEvents.push(await appendEvent(tx, created.id, { type: 'status', payload: { status: 'queued' } }));
      await enqueueJob(tx, { kind: options.kind, sessionId: created.id, maxAttempts: config.jobs.maxAttempts, maxLeaseLosses: config.jobs.maxLeaseLosses, payload: options.jobPayload?.(created.id) });
      // The quotas last, not counting this session: the tenant's lock (which the starts of one tenant
      // queue for) is then held for the checks and the commit only, not for the writes too. Over a
      // quota, the error rolls the writes back.
      await checkSessionQuotas(tx, context.caller, { kind: options.kind, externalUserId, startingSessionId: created.id, newApp: options.newApp, projectId: options.kind === 'deploy' ? project.id : undefined });
      return created;
    },
    load: (id) => prisma.session.findUniqueOrThrow({ where: { id } }),
  });
  if (firstEvents.length > 0) await Promise.allSettled([publishEvents(pubsub, firstEvents), pubsub.publish(jobsReadyChannel, session.id)]);
  return session;
}
