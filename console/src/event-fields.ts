import sessionDocuments from '../../sdk/src/documents/sessions.graphql';

/**
 * The event fields the session page shows: the SDK's own `SessionEventFields` fragment, taken from
 * its documents at build time (esbuild's text loader), so a new event type reaches the console too.
 */
export const SESSION_EVENT_FIELDS = /fragment SessionEventFields on SessionEvent \{[\s\S]*?\n\}/.exec(sessionDocuments)![0];
