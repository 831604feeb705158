import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from '../src/server-sent-events.js';
import { streamOf as body } from '../../test-support/streams.js';

/** The one GraphQL-over-SSE reader (the SDK's streams, the widget, the tests and benchmarks use it). */

describe('readServerSentEvents', () => {
  it('reads messages split anywhere, with CRLF, comments and keep-alives', async () => {
    const stream = body(['event: ne', 'xt\r\ndata: {"a":1}\r\n', '\r\n:\n\nevent: next\ndata: {"b"', ':2}\n\nevent: complete\ndata:\n\n']);
    const messages = [];
    for await (const message of readServerSentEvents(stream)) messages.push(message);
    expect(messages).toEqual([
      { event: 'next', data: '{"a":1}' },
      { event: 'next', data: '{"b":2}' },
      { event: 'complete', data: '' },
    ]);
  });
});
