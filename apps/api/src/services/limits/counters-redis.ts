import type { Redis } from 'ioredis';
import type { CounterState, CounterStore, TakeResult } from './counters';

/**
 * Counters in Redis, shared by every API instance: each is one key with a PEXPIRE equal to
 * its window, changed by a Lua script so that check and change are one atomic step. Redis
 * evicts nothing here unless it runs out of memory with an eviction policy (the operator's
 * `maxmemory-policy` should be `noeviction` or a `volatile-*` one; docs/security.md).
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

const TAKE = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if count + amount > tonumber(ARGV[2]) then
  if ttl < 0 then ttl = 0 end
  return {0, count, ttl}
end
count = redis.call('INCRBY', KEYS[1], amount)
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]); ttl = tonumber(ARGV[3]) end
return {1, count, ttl}`;

const GIVE = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count <= 0 then return 0 end
local next = count - tonumber(ARGV[1])
if next < 0 then next = 0 end
redis.call('SET', KEYS[1], next, 'KEEPTTL')
return next`;

const PEEK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {count, ttl}`;

type Scripts = Redis & {
  limitsHit(key: string, windowMs: number): Promise<[number, number]>;
  limitsTake(
    key: string,
    amount: number,
    max: number,
    windowMs: number,
  ): Promise<[number, number, number]>;
  limitsGive(key: string, amount: number): Promise<number>;
  limitsPeek(key: string): Promise<[number, number]>;
};

export function createRedisCounterStore(options: {
  redis: Redis;
  /** REDIS_KEY_PREFIX; the counters live under `<prefix>limits:`. */
  keyPrefix: string;
  /** Close the connection with the store (it was made for it). */
  ownsConnection?: boolean;
}): CounterStore {
  const redis = options.redis as Scripts;
  const define = (name: string, lua: string) => {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  };
  define('limitsHit', HIT);
  define('limitsTake', TAKE);
  define('limitsGive', GIVE);
  define('limitsPeek', PEEK);
  const prefix = `${options.keyPrefix}limits:`;
  const state = (count: number, ttl: number): CounterState => ({
    count: Number(count),
    resetInMs: Math.max(0, Number(ttl)),
  });
  return {
    kind: 'redis',
    async hit(key, windowMs) {
      const [count, ttl] = await redis.limitsHit(prefix + key, windowMs);
      return state(count, ttl);
    },
    async take(key, amount, limit): Promise<TakeResult> {
      const [allowed, count, ttl] = await redis.limitsTake(
        prefix + key,
        amount,
        limit.max,
        limit.windowMs,
      );
      return { allowed: allowed === 1, ...state(count, ttl) };
    },
    async give(key, amount) {
      await redis.limitsGive(prefix + key, amount);
    },
    async peek(key) {
      const [count, ttl] = await redis.limitsPeek(prefix + key);
      return state(count, ttl);
    },
    async close() {
      if (options.ownsConnection) await redis.quit().catch(() => undefined);
    },
  };
}
