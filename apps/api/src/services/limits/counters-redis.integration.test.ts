import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterStore } from './counters';
import { createRedisCounterStore } from './counters-redis';

/** The Redis store on the Redis running on this machine (TEST_REDIS_URL), under its own prefix. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `conclave-test-${randomBytes(4).toString('hex')}:`;
let redis: Redis;
let store: CounterStore;
let second: CounterStore;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  store = createRedisCounterStore({ redis, keyPrefix: prefix });
  // A second instance of the API: its own connection, the same counters.
  second = createRedisCounterStore({
    redis: new Redis(REDIS_URL),
    keyPrefix: prefix,
    ownsConnection: true,
  });
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await second?.close();
  await redis?.quit();
});

describe('the Redis counter store', () => {
  it('counts hits across instances with an expiry equal to the window', async () => {
    expect((await store.hit('lobby|a', 60_000)).count).toBe(1);
    const state = await second.hit('lobby|a', 60_000);
    expect(state.count).toBe(2);
    expect(state.resetInMs).toBeGreaterThan(58_000);
    expect(state.resetInMs).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(`${prefix}limits:lobby|a`)).toBeGreaterThan(58_000);
  });

  it('takes atomically: concurrent takes never overdraw the budget', async () => {
    const limit = { max: 25, windowMs: 60_000 };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? store : second).take('mail|org', 1, limit)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(25);
    expect((await store.peek('mail|org')).count).toBe(25);
    await second.give('mail|org', 5);
    expect((await store.take('mail|org', 5, limit)).allowed).toBe(true);
    expect((await store.take('mail|org', 1, limit)).allowed).toBe(false);
    await store.give('mail|org', 100);
    expect((await store.peek('mail|org')).count).toBe(0);
  });

  it('starts again after the window', async () => {
    await store.hit('short|x', 50);
    // Redis expires the key on its own clock: wait for that, not for a fixed time.
    await expect
      .poll(() => store.peek('short|x'), { timeout: 5_000, interval: 20 })
      .toEqual({ count: 0, resetInMs: 0 });
    expect((await store.hit('short|x', 50)).count).toBe(1);
  });
});
