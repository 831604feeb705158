import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

/**
 * Broadcast between processes: Redis pub/sub when `REDIS_URL` is set (every instance hears it),
 * in-process otherwise. Messages are strings; callers encode JSON.
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /**
   * Returns the function that unsubscribes. Resolves once the subscription is active, or, while the
   * broker is unreachable, once it is registered: it becomes active when the broker is back. Callers
   * never depend on pub/sub alone (streams poll the event log, workers poll the queue), so an outage
   * slows them down and never stops them.
   */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * Calls `listener` each time the broker is reachable again after a loss, once every subscription
   * is active again. Messages published meanwhile are gone: whoever caches what a message would
   * have invalidated drops its cache here. Returns the function that stops listening.
   */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createPubSub(options: { redisUrl?: string }): PubSub {
  return options.redisUrl ? createRedisPubSub(options.redisUrl) : createLocalPubSub();
}

export function createLocalPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      emitter.emit(channel, message);
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return async () => void emitter.off(channel, handler);
    },
    // One process: nothing to lose.
    onReconnect: () => () => undefined,
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * Publisher and subscriber need separate connections: a subscribed connection can only listen.
 *
 * In an outage ioredis reconnects by itself. The channels wanted are kept here, not only in ioredis'
 * own list (which holds only subscriptions that succeeded): on every `ready` after a loss, each is
 * subscribed again, then the reconnect listeners run.
 */
export function createRedisPubSub(redisUrl: string, options: { subscribeTimeoutMs?: number; publishTimeoutMs?: number } = {}): PubSub {
  const subscribeTimeoutMs = options.subscribeTimeoutMs ?? 2_000;
  // Auto-pipelining: publishes made in the same turn (a batch of session events) go out in one write.
  // A hung server (connected, never answering) fails a publish after the timeout instead of holding
  // its caller (a session's writer) for as long as the hang lasts.
  const publisher = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true, commandTimeout: options.publishTimeoutMs ?? 2_000 });
  const subscriber = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // Errors surface on the calls that fail; without a listener ioredis would print each reconnect attempt.
  publisher.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  const handlers = new Map<string, Set<(message: string) => void>>();
  const reconnectListeners = new Set<() => void>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  let lost = false;
  subscriber.on('close', () => {
    lost = true;
  });
  subscriber.on('ready', () => {
    if (!lost) return; // the first connection
    lost = false;
    const channels = [...handlers.keys()];
    void (channels.length > 0 ? subscriber.subscribe(...channels) : Promise.resolve())
      .then(() => {
        for (const listener of reconnectListeners) listener();
      })
      // Lost again before it was done: the next `ready` tries again.
      .catch(() => undefined);
  });

  /** Subscribes, or gives up waiting after a while: the channel stays wanted and `ready` subscribes it. */
  const activate = async (channel: string) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, subscribeTimeoutMs);
    });
    await Promise.race([subscriber.subscribe(channel).then(() => undefined, () => undefined), timeout]);
    clearTimeout(timer);
  };

  return {
    async publish(channel, message) {
      await publisher.publish(channel, message);
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        set.add(handler);
        await activate(channel);
      } else {
        set.add(handler);
      }
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel).catch(() => undefined);
        }
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => void reconnectListeners.delete(listener);
    },
    async close() {
      handlers.clear();
      reconnectListeners.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
