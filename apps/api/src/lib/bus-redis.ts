import { Redis } from 'ioredis';
import { Subscriptions, type Bus } from './bus';

/**
 * The bus over Redis pub/sub (ioredis). A subscribed Redis connection can only subscribe, so
 * there are two: one publishes (and serves the presence store's commands), one listens.
 * Channel names get `keyPrefix`, so several installations, or parallel test runs, can share
 * one Redis without hearing each other.
 */
export interface RedisBus extends Bus {
  /** The command connection, for state kept next to the bus (the control channel's presence). */
  readonly commands: Redis;
  readonly keyPrefix: string;
}

export async function createRedisBus(options: {
  url: string;
  keyPrefix: string;
  onError?: (error: unknown) => void;
  log?: { warn(details: object, message: string): void };
}): Promise<RedisBus> {
  const onError = options.onError ?? ((error) => console.error('bus handler failed', error));
  const connectionOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableAutoPipelining: true,
    connectionName: 'conclave-bus',
  };
  const commands = new Redis(options.url, connectionOptions);
  const listener = new Redis(options.url, { ...connectionOptions, enableAutoPipelining: false });
  for (const client of [commands, listener]) {
    client.on('error', (error: Error) =>
      options.log?.warn({ err: error.message }, 'Redis connection error (ioredis reconnects)'),
    );
  }
  await Promise.all([commands.connect(), listener.connect()]);
  const subscriptions = new Subscriptions();
  const prefix = options.keyPrefix;
  listener.on('message', (channel: string, message: string) => {
    if (!channel.startsWith(prefix)) return;
    subscriptions.deliver(channel.slice(prefix.length), message, onError);
  });
  let closed = false;
  // SUBSCRIBE/UNSUBSCRIBE per channel run one after another, and a second subscriber waits for
  // the first one's SUBSCRIBE, so nobody returns before Redis delivers to them.
  const pending = new Map<string, Promise<unknown>>();
  const serial = (channel: string, work: () => Promise<unknown>): Promise<unknown> => {
    const next = (pending.get(channel) ?? Promise.resolve()).then(work, work);
    pending.set(channel, next);
    void next.finally(() => {
      if (pending.get(channel) === next) pending.delete(channel);
    });
    return next;
  };
  return {
    kind: 'redis',
    commands,
    keyPrefix: prefix,
    async publish(channel, message) {
      if (closed) throw new Error('bus: closed');
      await commands.publish(prefix + channel, message);
    },
    async subscribe(channel, handler) {
      if (closed) throw new Error('bus: closed');
      const first = subscriptions.add(channel, handler);
      await serial(channel, () =>
        first ? listener.subscribe(prefix + channel) : Promise.resolve(),
      );
      return async () => {
        if (subscriptions.remove(channel, handler) && !closed) {
          await serial(channel, () =>
            subscriptions.has(channel) ? Promise.resolve() : listener.unsubscribe(prefix + channel),
          );
        }
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([listener.quit(), commands.quit()]);
    },
  };
}
