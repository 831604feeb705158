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
 * ConnectionError so the caller can reconnect (no limit by default). Leaving the loop early cancels the
 * body. The one parser of the repository: the SDK, the widget, the tests and the benchmarks read
 * GraphQL over SSE with it.
 */
export async function* readServerSentEvents(body: ResponseBodyLike, idleTimeoutMs = Infinity): AsyncGenerator<ServerSentMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new ServerSentEventParser();
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, idleTimeoutMs);
      if (done) return;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The parser itself, for text that arrives in pieces from anywhere (a `node:http` response, a
 * string): `feed` returns the messages the text completed; a message not yet ended waits for the
 * next piece.
 */
export class ServerSentEventParser {
  #buffer = '';

  feed(text: string): ServerSentMessage[] {
    this.#buffer = (this.#buffer + text).replace(/\r\n/g, '\n');
    const messages: ServerSentMessage[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const message = parseMessage(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + 2);
      if (message) messages.push(message);
    }
    return messages;
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
  const read = reader.read().catch((error: unknown) => {
    throw new ConnectionError({ code: 'CONNECTION_ERROR', message: `The event stream broke: ${error instanceof Error ? error.message : String(error)}`, cause: error });
  });
  if (!Number.isFinite(ms)) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectionError({ code: 'TIMEOUT', message: `The event stream was silent for ${ms} ms` })), ms);
  });
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
}
