import { createServer, type AddressInfo } from 'node:net';
import { createLocalPubSub, createLogger, loadConfig, type Database, type Environment, type Logger, type PubSub } from '@everjust/core';
import { readServerSentEvents } from '@everjust/sdk';
import { startWorker, type LlmProvider, type Worker } from '@everjust/worker';
import { createApp, type App, listen, type RunningServer } from '@everjust/api';

/** Short times so tests run fast; a test can override any of them. */
export const FAST: Environment = {
  EVERJUST_LOG_LEVEL: 'silent',
  // Without it, the embedded default would write a secret into the repo's .data/.
  EVERJUST_SECRET: 'test-secret-'.padEnd(64, 'x'),
  EVERJUST_JOB_LEASE_MS: '2000',
  EVERJUST_JOB_HEARTBEAT_MS: '200',
  EVERJUST_JOB_BACKOFF_BASE_MS: '20',
  EVERJUST_WORKER_POLL_INTERVAL_MS: '100',
  EVERJUST_EVENT_POLL_INTERVAL_MS: '200',
  EVERJUST_SANDBOX: 'none',
};

export interface TestPlatform {
  app: App;
  worker?: Worker;
  server: RunningServer;
  /** The API's address on 127.0.0.1 (for SSE and WebSocket clients). */
  url: string;
  pubsub: PubSub;
  stop(): Promise<void>;
}

/** The API on a real socket plus (unless `worker: false`) an in-process worker, as the embedded start runs them. */
export async function startTestPlatform(
  database: Database,
  options: { environment?: Environment; pubsub?: PubSub; worker?: boolean; llm?: { offline?: LlmProvider; anthropic?: LlmProvider }; logger?: Logger } = {},
): Promise<TestPlatform> {
  // The port is chosen first so the config's public URL (preview links) points at this server.
  const config = loadConfig({ ...FAST, PORT: String(await freePort()), ...options.environment });
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const pubsub = options.pubsub ?? createLocalPubSub();
  const app = await createApp({ config, database, pubsub, logger });
  const worker = options.worker === false ? undefined : await startWorker({ prisma: database.prisma, pubsub, config, logger, llm: options.llm });
  const server = await listen(app.handler, config.port, '127.0.0.1');
  return {
    app,
    worker,
    server,
    url: server.url,
    pubsub,
    async stop() {
      await server.close();
      await worker?.stop(0);
      await app.stop();
    },
  };
}

/** A port nothing listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Reads a GraphQL-over-SSE subscription until it completes (or `until` says stop), as a client would. */
export async function subscribeSse(
  url: string,
  key: string | null,
  query: string,
  variables: Record<string, unknown>,
  /** `headers`: more request headers (a console session's cookie and CSRF token, with a null key). */
  options: { until?: (event: any) => boolean; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<{ events: any[]; completed: boolean; errors?: any[]; status: number }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
    body: JSON.stringify({ query, variables }),
    signal: options.signal,
  });
  const events: any[] = [];
  // Leaving the loop early (complete, `until`) cancels the body.
  for await (const message of readServerSentEvents(response.body!)) {
    if (message.event === 'complete') return { events, completed: true, status: response.status };
    if (message.event === 'next' && message.data) {
      const payload = JSON.parse(message.data);
      if (payload.errors) return { events, completed: false, errors: payload.errors, status: response.status };
      const event = Object.values(payload.data)[0];
      events.push(event);
      if (options.until?.(event)) return { events, completed: false, status: response.status };
    }
  }
  return { events, completed: false, status: response.status };
}

export const EVENT_FIELDS = `seq type at
  ... on StatusEvent { status step }
  ... on TextDeltaEvent { text }
  ... on FileWrittenEvent { path size sha }
  ... on FileDeletedEvent { path }
  ... on UsageEvent { usage { inputTokens outputTokens } }
  ... on ErrorEvent { code message retryable }
  ... on DoneEvent { status usage { inputTokens outputTokens sandboxSeconds } error { code message } }`;

export const SESSION_EVENTS_SUBSCRIPTION = `subscription($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) { ${EVENT_FIELDS} }
}`;

