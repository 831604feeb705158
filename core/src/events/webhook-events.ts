import type { SessionKind } from '../generated/prisma/enums.js';
import type { NewSessionEvent } from './event-types.js';

/** The webhook events endpoints subscribe to, derived from session events (never written on their own). */
export const WEBHOOK_EVENT_TYPES = [
  'session.started',
  'session.succeeded',
  'session.failed',
  'session.cancelled',
  'session.waiting_for_input',
  'preview.ready',
  'preview.errors',
  'export.succeeded',
  'export.failed',
  'deploy.succeeded',
  'deploy.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Which webhook events a session event raises in a session of `kind`: the first `running` status
 * starts a session, `done` ends it (and, for an export or a deploy, also succeeds or fails it),
 * `preview_ready` announces a preview, `preview_error` an error its browser reported, `question` says
 * the session waits for its end user. The outbox asks once per kind and lets SQL pick by the
 * session's kind, so callers need not know it.
 */
export function webhookEventsFor(event: NewSessionEvent, kind: SessionKind): WebhookEventType[] {
  switch (event.type) {
    case 'status':
      return event.payload.status === 'running' && !event.payload.step ? ['session.started'] : [];
    case 'preview_ready':
      return ['preview.ready'];
    case 'preview_error':
      return ['preview.errors'];
    case 'question':
      return ['session.waiting_for_input'];
    case 'done': {
      const session: WebhookEventType = `session.${event.payload.status}`;
      // A cancelled export is only session.cancelled: there is no export.cancelled.
      if (kind === 'export' && event.payload.status !== 'cancelled') return [session, `export.${event.payload.status}`];
      // Likewise a deploy: deploy.succeeded (live) or deploy.failed; a cancelled one is session.cancelled only.
      if (kind === 'deploy' && event.payload.status !== 'cancelled') return [session, `deploy.${event.payload.status}`];
      return [session];
    }
    default:
      return [];
  }
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
