import { describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from './counters';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('the in-memory counter store', () => {
  it('keeps a live counter whatever other keys arrive (no LRU eviction)', async () => {
    const time = clock();
    const store = createMemoryCounterStore({ now: time.now, sweepEveryMs: 0 });
    for (let i = 0; i < 10; i += 1) await store.hit('lobby|attacker:meeting', 60_000);
    // Ten thousand junk keys: the old LocalStore kept 5,000 and forgot the first.
    for (let i = 0; i < 10_000; i += 1) await store.hit(`lobby|junk-${i}`, 60_000);
    expect((await store.hit('lobby|attacker:meeting', 60_000)).count).toBe(11);
    await store.close();
  });

  it('starts a counter again when its window has passed, and sweeps expired ones', async () => {
    const time = clock();
    const store = createMemoryCounterStore({ now: time.now, sweepEveryMs: 0, maxKeys: 3 });
    await store.hit('a|1', 1000);
    await store.hit('a|1', 1000);
    expect(await store.peek('a|1')).toEqual({ count: 2, resetInMs: 1000 });
    time.advance(400);
    expect((await store.peek('a|1')).resetInMs).toBe(600);
    time.advance(600);
    expect(await store.peek('a|1')).toEqual({ count: 0, resetInMs: 0 });
    expect((await store.hit('a|1', 1000)).count).toBe(1);
    await store.close();
  });

  it("when full, counts new keys on their limit's overflow counter and keeps the live ones", async () => {
    const time = clock();
    const overflowed: string[] = [];
    const store = createMemoryCounterStore({
      now: time.now,
      sweepEveryMs: 0,
      maxKeys: 3,
      onOverflow: (namespace) => overflowed.push(namespace),
    });
    await store.hit('sign-in|victim', 60_000);
    await store.hit('sign-in|victim', 60_000);
    await store.hit('lobby|a', 60_000);
    await store.hit('lobby|b', 60_000);
    // Full: new keys of "lobby" share one counter; the victim's count is intact.
    expect((await store.hit('lobby|c', 60_000)).count).toBe(1);
    expect((await store.hit('lobby|d', 60_000)).count).toBe(2);
    expect(overflowed).toContain('lobby');
    expect((await store.peek('sign-in|victim')).count).toBe(2);
    // Once old counters expire there is room for new keys again.
    time.advance(61_000);
    expect((await store.hit('lobby|e', 60_000)).count).toBe(1);
    expect((await store.peek('lobby|e')).count).toBe(1);
    await store.close();
  });

  it('takes from a budget only while it stays within the maximum, and gives back', async () => {
    const time = clock();
    const store = createMemoryCounterStore({ now: time.now, sweepEveryMs: 0 });
    const limit = { max: 3, windowMs: 3_600_000 };
    expect(await store.take('mail|org', 2, limit)).toMatchObject({ allowed: true, count: 2 });
    expect(await store.take('mail|org', 2, limit)).toMatchObject({ allowed: false, count: 2 });
    expect(await store.take('mail|org', 1, limit)).toMatchObject({ allowed: true, count: 3 });
    expect(await store.take('mail|org', 1, limit)).toMatchObject({ allowed: false, count: 3 });
    await store.give('mail|org', 2);
    expect(await store.take('mail|org', 2, limit)).toMatchObject({ allowed: true, count: 3 });
    await store.give('mail|org', 10);
    expect((await store.peek('mail|org')).count).toBe(0);
    time.advance(3_600_000);
    expect(await store.take('mail|org', 3, limit)).toMatchObject({ allowed: true, count: 3 });
    await store.close();
  });
});
