import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from './api-client.js';
import { WIDGET_OPERATION_IDS } from './operations.js';
import { streamOf as body } from '../../test-support/streams.js';

/**
 * The widget's transport (persisted operations, token renewal, resumable event streams), without a
 * browser. The element itself is driven in headless Chromium by `tests/widget-browser.test.ts`
 * (against a real API and the example page).
 */

const sse = (chunks: string[], status = 200) => new Response(body(chunks), { status, headers: { 'content-type': 'text/event-stream' } });
const next = (event: object) => `event: next\ndata: ${JSON.stringify({ data: { sessionEvents: event } })}\n\n`;

interface Call {
  authorization: string;
  accept: string;
  body: any;
}

function fakeFetch(responses: Array<(call: Call) => Response | Promise<Response>>) {
  const calls: Call[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    const headers = init!.headers as Record<string, string>;
    const call = { authorization: headers.authorization, accept: headers.accept, body: JSON.parse(String(init!.body)) };
    calls.push(call);
    const respond = responses.shift();
    if (!respond) throw new Error('no more responses');
    return respond(call);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

describe('the API client', () => {
  const tokens = () => {
    let issued = 0;
    return { getToken: async () => `token-${issued}`, refreshToken: async () => `token-${++issued}` };
  };

  it('sends persisted operation ids, never a document', async () => {
    const { fetch, calls } = fakeFetch([() => Response.json({ data: { project: { id: 'p' } } })]);
    const client = createApiClient({ apiUrl: 'https://api.example/', fetch, ...tokens() });
    expect(await client.request('project', { projectId: 'p' })).toEqual({ project: { id: 'p' } });
    expect(calls[0].body).toEqual({ variables: { projectId: 'p' }, extensions: { persistedQuery: { version: 1, sha256Hash: WIDGET_OPERATION_IDS.project } } });
    expect(calls[0].authorization).toBe('Bearer token-0');
  });

  it('retries once with a fresh token when the API says UNAUTHENTICATED, and reports API errors by code', async () => {
    const unauthenticated = () => Response.json({ errors: [{ message: 'This widget token has expired', extensions: { code: 'UNAUTHENTICATED' } }] }, { status: 401 });
    const { fetch, calls } = fakeFetch([
      unauthenticated,
      () => Response.json({ data: { session: { id: 's' } } }),
      () => Response.json({ errors: [{ message: 'Session s not found', extensions: { code: 'NOT_FOUND' } }] }),
    ]);
    const client = createApiClient({ apiUrl: 'https://api.example', fetch, ...tokens() });
    expect(await client.request('session', { sessionId: 's' })).toEqual({ session: { id: 's' } });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    const error = await client.request('session', { sessionId: 's' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', retryable: false });
  });

  it('resumes a dropped event stream with afterSeq, without losing or repeating an event', async () => {
    const { fetch, calls } = fakeFetch([
      // Drops after two events, without `complete`.
      () => sse([next({ seq: 1, type: 'status' }), next({ seq: 2, type: 'text_delta', text: 'Hel' })]),
      // The network fails outright.
      () => Promise.reject(new TypeError('fetch failed')),
      // Resumed: an event already seen is skipped, then the rest and `complete`.
      () => sse([next({ seq: 2, type: 'text_delta', text: 'Hel' }), next({ seq: 3, type: 'text_delta', text: 'lo' }), next({ seq: 4, type: 'done', status: 'succeeded' }), 'event: complete\ndata:\n\n']),
    ]);
    const client = createApiClient({ apiUrl: 'https://api.example', fetch, ...tokens() });
    const seen: number[] = [];
    const reconnects: number[] = [];
    await client.followSession('s', { onEvent: (event) => seen.push(event.seq), onReconnect: (afterSeq) => reconnects.push(afterSeq) });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(calls.map((call) => call.body.variables.afterSeq)).toEqual([0, 2, 2]);
    expect(calls.every((call) => call.accept === 'text/event-stream' && call.body.extensions.persistedQuery.sha256Hash === WIDGET_OPERATION_IDS.sessionEvents)).toBe(true);
    expect(reconnects).toEqual([2, 2]);
  });

  it('renews the token when a stream is refused as UNAUTHENTICATED, and gives up on NOT_FOUND at once', async () => {
    const { fetch, calls } = fakeFetch([
      () => sse([`event: next\ndata: ${JSON.stringify({ errors: [{ message: 'expired', extensions: { code: 'UNAUTHENTICATED' } }] })}\n\n`, 'event: complete\n\n'], 401),
      () => sse([next({ seq: 1, type: 'done', status: 'cancelled' })]),
      () => sse([`event: next\ndata: ${JSON.stringify({ errors: [{ message: 'Session s not found', extensions: { code: 'NOT_FOUND' } }] })}\n\n`, 'event: complete\n\n']),
    ]);
    const client = createApiClient({ apiUrl: 'https://api.example', fetch, ...tokens() });
    const seen: string[] = [];
    await client.followSession('s', { onEvent: (event) => seen.push(event.type) });
    expect(seen).toEqual(['done']);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    await expect(client.followSession('s', { onEvent: () => undefined })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(calls).toHaveLength(3);
  });

  it('stops quietly when aborted: no error, no reconnect, nothing after the abort', async () => {
    const controller = new AbortController();
    // The stream would go on (a second event, then an end without `complete`, which means "resume").
    const { fetch, calls } = fakeFetch([() => sse([next({ seq: 1, type: 'status' }), next({ seq: 2, type: 'text_delta', text: 'late' })])]);
    const client = createApiClient({ apiUrl: 'https://api.example', fetch, ...tokens() });
    const seen: number[] = [];
    const reconnects: number[] = [];
    const following = client.followSession('s', {
      signal: controller.signal,
      onEvent: (event) => {
        seen.push(event.seq);
        controller.abort();
      },
      onReconnect: (afterSeq) => reconnects.push(afterSeq),
    });
    await expect(following).resolves.toBeUndefined();
    expect(seen).toEqual([1]);
    expect(reconnects).toEqual([]);
    expect(calls).toHaveLength(1);
  });
});
