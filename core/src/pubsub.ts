import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';

/**
 * Broadcast between processes: Redis pub/sub when `REDIS_URL` is set (every instance hears it),
 * in-process otherwise. Messages are strings; callers encode JSON.
 */
export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Returns the function that unsubscribes. Resolves once the subscription is active. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
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
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Publisher and subscriber need separate connections: a subscribed connection can only listen. */
export function createRedisPubSub(redisUrl: string): PubSub {
  // Auto-pipelining: publishes made in the same turn (a batch of session events) go out in one write.
  const publisher = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const subscriber = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // Errors surface on the calls that fail; without a listener ioredis would print each reconnect attempt.
  publisher.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  const handlers = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  });
  return {
    async publish(channel, message) {
      await publisher.publish(channel, message);
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await subscriber.subscribe(channel);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(channel) === set) {
          handlers.delete(channel);
          await subscriber.unsubscribe(channel).catch(() => undefined);
        }
      };
    },
    async close() {
      handlers.clear();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
