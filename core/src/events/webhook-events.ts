import type { NewSessionEvent } from './event-types.js';

/** The webhook events of ARCHITECTURE.md, derived from session events (never written on their own). */
export const WEBHOOK_EVENT_TYPES = [
  'session.started',
  'session.succeeded',
  'session.failed',
  'session.cancelled',
  'preview.ready',
  'export.succeeded',
  'export.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * Which webhook events a session event raises: the first `running` status starts a session, `done`
 * ends it (and an export), `preview_ready` announces a preview.
 */
export function webhookEventsFor(event: NewSessionEvent): WebhookEventType[] {
  switch (event.type) {
    case 'status':
      return event.payload.status === 'running' && !event.payload.step ? ['session.started'] : [];
    case 'preview_ready':
      return ['preview.ready'];
    case 'done':
      return [`session.${event.payload.status}`];
    default:
      return [];
  }
}

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
