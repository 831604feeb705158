/**
 * A session's statuses, spelled once. The API, the worker, the archive route and the widget ask these
 * whether a session has ended or still counts against its tenant's concurrent sessions.
 *
 * No imports, no Node APIs and no side effects: the widget bundles this file for the browser
 * (`@everjust/core/session-status`). The same two lists are in SQL where SQL needs them: the
 * `SessionStatus` enum and `everjust_active_sessions` (prisma/migrations/…_active_sessions).
 */

/** Statuses a session ends in: nothing more happens to it, its `done` event is written. */
export const SESSION_END_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export type SessionEndStatus = (typeof SESSION_END_STATUSES)[number];

/** Statuses of a session that is not over: these count as concurrent sessions in the quotas. */
export const SESSION_ACTIVE_STATUSES = ['queued', 'running'] as const;
export type SessionActiveStatus = (typeof SESSION_ACTIVE_STATUSES)[number];

/**
 * A session that waits for its end user's answer (after a `question` event): not ended, but holding
 * no worker and not counted as concurrent (no slot is held while a person thinks).
 */
export const SESSION_WAITING_STATUS = 'waiting_for_input' as const;

/** Statuses of a session that has not ended: active, or waiting for an answer. */
export const SESSION_OPEN_STATUSES = [...SESSION_ACTIVE_STATUSES, SESSION_WAITING_STATUS] as const;

/** Whether a session in this status has ended. */
export function isSessionEnded(status: string): status is SessionEndStatus {
  return (SESSION_END_STATUSES as readonly string[]).includes(status);
}
