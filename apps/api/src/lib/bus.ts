/**
 * Publish/subscribe between API instances: the control channel fans out through it. One
 * machine uses the in-process bus; several instances behind a load balancer use Redis pub/sub
 * (lib/bus-redis.ts) when REDIS_URL is set (DESIGN.md, "Scale"). Messages are strings;
 * delivery is at most once, in publish order per publisher, to every subscriber of the channel,
 * the publishing instance included.
 */
export type BusHandler = (message: string) => void;
export type Unsubscribe = () => Promise<void>;

export interface Bus {
  readonly kind: 'in-process' | 'redis';
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe>;
  close(): Promise<void>;
}

/** Handlers per channel, shared by both implementations. */
export class Subscriptions {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  /** Adds a handler; true when it is the channel's first (subscribe upstream). */
  add(channel: string, handler: BusHandler): boolean {
    const set = this.handlers.get(channel);
    if (set) {
      set.add(handler);
      return false;
    }
    this.handlers.set(channel, new Set([handler]));
    return true;
  }

  /** Removes a handler; true when the channel has none left (unsubscribe upstream). */
  remove(channel: string, handler: BusHandler): boolean {
    const set = this.handlers.get(channel);
    if (!set) return false;
    set.delete(handler);
    if (set.size > 0) return false;
    this.handlers.delete(channel);
    return true;
  }

  deliver(channel: string, message: string, onError: (error: unknown) => void): void {
    const set = this.handlers.get(channel);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(message);
      } catch (error) {
        onError(error);
      }
    }
  }

  has(channel: string): boolean {
    return this.handlers.has(channel);
  }

  get channelCount(): number {
    return this.handlers.size;
  }
}

/**
 * One process: messages are delivered on a later microtask (never inside `publish`), in
 * order, as Redis would deliver them, so code that works here does not depend on re-entrancy.
 */
export function createInProcessBus(options: { onError?: (error: unknown) => void } = {}): Bus {
  const subscriptions = new Subscriptions();
  const onError = options.onError ?? ((error) => console.error('bus handler failed', error));
  let closed = false;
  return {
    kind: 'in-process',
    async publish(channel, message) {
      if (closed) throw new Error('bus: closed');
      queueMicrotask(() => subscriptions.deliver(channel, message, onError));
    },
    async subscribe(channel, handler) {
      if (closed) throw new Error('bus: closed');
      subscriptions.add(channel, handler);
      return async () => {
        subscriptions.remove(channel, handler);
      };
    },
    async close() {
      closed = true;
    },
  };
}
