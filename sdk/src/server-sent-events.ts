import { ConnectionError } from './errors.js';
import type { ResponseBodyLike } from './fetch-types.js';

/** One server-sent event: `event: next` / `event: complete` and its `data`, as GraphQL over SSE sends them. */
export interface ServerSentMessage {
  event: string;
  data: string;
}

/**
 * Reads the messages of an event stream until the body ends (normally or not: the caller tells a
 * finished stream by its `complete` message). A message cut off by a dropped connection is never
 * yielded. When nothing, not even a keep-alive comment, arrives for `idleTimeoutMs`, it throws a
 * ConnectionError so the caller can reconnect. Leaving the loop early cancels the body.
 */
export async function* readServerSentEvents(body: ResponseBodyLike, idleTimeoutMs: number): AsyncGenerator<ServerSentMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleTimeoutMs);
      if (done) return;
      buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = parseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) yield message;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parseMessage(block: string): ServerSentMessage | undefined {
  let event = 'message';
  const data: string[] = [];
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue; // a comment: the server's keep-alive
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
    else continue;
    fields++;
  }
  return fields > 0 ? { event, data: data.join('\n') } : undefined;
}

function readWithin(reader: ReturnType<ResponseBodyLike['getReader']>, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectionError({ code: 'TIMEOUT', message: `The event stream was silent for ${ms} ms` })), ms);
  });
  const read = reader.read().catch((error: unknown) => {
    throw new ConnectionError({ code: 'CONNECTION_ERROR', message: `The event stream broke: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  });
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
}
