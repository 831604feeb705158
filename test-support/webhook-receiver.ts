/**
 * A webhook receiver on 127.0.0.1 for tests: it records every request (headers and the raw body, as a
 * receiver must verify it) and answers each with the next status of its script, then 200.
 *
 * ```ts
 * const receiver = await startWebhookReceiver([500, 500]); // fails twice, then accepts
 * await receiver.waitFor((requests) => requests.length >= 3);
 * verifyWebhookSignature(request.body, request.headers['everjust-signature'], secret);
 * ```
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: string;
  /** The parsed body. */
  event: any;
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Appends statuses to answer with, in order (200 once they run out). */
  answer(...statuses: number[]): void;
  /** Resolves once `until(received)` holds, or rejects after `timeoutMs`. */
  waitFor(until: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(script: number[] = []): Promise<WebhookReceiver> {
  const statuses = [...script];
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: unknown;
      try {
        event = JSON.parse(body);
      } catch {
        event = undefined;
      }
      received.push({ method: request.method ?? '', path: request.url ?? '/', headers: request.headers, body, event, receivedAt: Date.now() });
      const status = statuses.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(status >= 200 && status < 300 ? 'ok' : `refused with ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    answer: (...more) => void statuses.push(...more),
    async waitFor(until, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!until(received)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms (${received.length} received: ${received.map((item) => item.event?.type).join(', ')})`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
