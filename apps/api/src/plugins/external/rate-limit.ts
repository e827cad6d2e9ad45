import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { AppError } from '../../errors';
import { createMemoryCounterStore, type CounterStore } from '../../services/limits/counters';
import { createRedisCounterStore } from '../../services/limits/counters-redis';

declare module 'fastify' {
  interface FastifyInstance {
    /** The counters behind every rate limit and budget (Redis or this process). */
    limits: CounterStore;
  }
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit's store interface over our counters. Each route (or `createRateLimit`)
 * gets its own namespace: its method and URL, its `groupId`, or the order it was made in
 * (the same on every instance of one version).
 */
function storeOver(counters: CounterStore) {
  let unnamed = 0;
  return class CounterBackedStore {
    private readonly namespace: string;

    constructor(namespace: unknown) {
      this.namespace = typeof namespace === 'string' ? namespace : 'global';
    }

    incr(key: string, callback: Callback, timeWindow: number) {
      counters.hit(`${this.namespace}|${key}`, timeWindow).then(
        (state) => callback(null, { current: state.count, ttl: state.resetInMs }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: Callback) {
      counters.peek(`${this.namespace}|${key}`).then(
        (state) => callback(null, { current: state.count, ttl: state.resetInMs }),
        (error: Error) => callback(error),
      );
    }

    child(options: { groupId?: string; routeInfo?: { method?: string; url?: string } }) {
      const route = options.routeInfo?.url
        ? `${String(options.routeInfo.method)} ${options.routeInfo.url}`
        : `limiter-${++unnamed}`;
      return new CounterBackedStore((options.groupId ?? route).replaceAll('|', '/'));
    }
  };
}

/**
 * Rate limiting is opt-in per route (`config.rateLimit`, `createRateLimit`), for sign-in,
 * pre-login, the lobby (meeting passcodes) and re-authentication; budgets that do not depend
 * on the client's address use `app.limits` directly (services/limits/budget.ts). Counters live
 * in Redis when REDIS_URL is set (every instance shares them), else in this process, where
 * nobody's traffic can evict a live counter (services/limits/counters.ts).
 */
export default fp(
  async function rateLimits(app: FastifyInstance) {
    const { config } = app.conclave;
    let counters: CounterStore;
    if (config.REDIS_URL) {
      const redis = new Redis(config.REDIS_URL, {
        lazyConnect: true,
        maxRetriesPerRequest: 3,
        enableAutoPipelining: true,
        connectionName: 'conclave-limits',
      });
      redis.on('error', (error: Error) =>
        app.log.warn({ err: error.message }, 'Redis (rate limits) connection error'),
      );
      await redis.connect();
      counters = createRedisCounterStore({
        redis,
        keyPrefix: config.REDIS_KEY_PREFIX,
        ownsConnection: true,
      });
    } else {
      let warned = false;
      counters = createMemoryCounterStore({
        onOverflow: (namespace) => {
          if (warned) return;
          warned = true;
          app.log.warn(
            { namespace },
            'rate limits: the in-memory counters are full; new keys share one counter per limit until old ones expire',
          );
        },
      });
    }
    app.decorate('limits', counters);
    app.addHook('onClose', () => counters.close());

    await app.register(rateLimit, {
      global: false,
      // The plugin's types describe child() with route options only; createRateLimit passes more.
      store: storeOver(counters) as unknown as FastifyRateLimitStoreCtor,
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new AppError(
          'rate_limited',
          `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
          { retryAfterSeconds: seconds },
        );
      },
    });
  },
  { name: 'rate-limit' },
);
