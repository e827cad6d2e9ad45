/**
 * Counters for rate limits and budgets, kept where other people's traffic cannot evict them:
 * in Redis when REDIS_URL is set (shared by every API instance, counters-redis.ts), else in
 * this process's memory. A counter lives until its window ends, never less: the memory store
 * is bounded by expiry, not by an LRU (an LRU of 5,000 keys forgot a passcode counter after
 * 5,000 junk requests). Keys are `namespace|rest`; the namespace names the limit.
 */
export interface CounterState {
  /** Hits (or units taken) in the current window. */
  count: number;
  /** Milliseconds until the window ends and the counter starts again from 0. */
  resetInMs: number;
}

export interface TakeResult extends CounterState {
  /** False when taking `amount` would pass `max`: then nothing was taken. */
  allowed: boolean;
}

export interface CounterStore {
  readonly kind: 'memory' | 'redis';
  /** Adds one, whatever the count (a rate limit compares the result with its maximum). */
  hit(key: string, windowMs: number): Promise<CounterState>;
  /** Adds `amount` only if the count stays at or below `max`: a budget that cannot be overdrawn. */
  take(key: string, amount: number, limit: { max: number; windowMs: number }): Promise<TakeResult>;
  /** Gives back what a `take` reserved (an attempt that succeeded), never below 0. */
  give(key: string, amount: number): Promise<void>;
  peek(key: string): Promise<CounterState>;
  close(): Promise<void>;
}

interface Entry {
  count: number;
  expiresAt: number;
}

export interface MemoryCounterOptions {
  /** Most live counters kept; past it, new keys of a namespace share one overflow counter. */
  maxKeys?: number;
  now?: () => number;
  /** How often expired counters are swept (0: only when full, for tests). */
  sweepEveryMs?: number;
  onOverflow?: (namespace: string) => void;
}

/** 500,000 counters of about 150 bytes: some 75 MB at worst, for one machine. */
export const DEFAULT_MAX_KEYS = 500_000;

export function namespaceOf(key: string): string {
  const bar = key.indexOf('|');
  return bar === -1 ? key : key.slice(0, bar);
}

/**
 * The in-process store. A live counter is never dropped to make room: when `maxKeys` live
 * counters exist, a new key is counted on its namespace's overflow counter instead, so a flood
 * of junk keys makes the flooders (and other new keys) share one limit, while every counter
 * already running keeps its count until its window ends.
 */
export function createMemoryCounterStore(options: MemoryCounterOptions = {}): CounterStore {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let lastFullSweep = -Infinity;

  const sweep = () => {
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
  };
  const sweepEvery = options.sweepEveryMs ?? 30_000;
  const timer = sweepEvery > 0 ? setInterval(sweep, sweepEvery) : null;
  timer?.unref();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  /** The key to count on: the key itself, or its namespace's overflow counter when full. */
  const slot = (key: string): string => {
    if (entries.has(key) || entries.size < maxKeys) return key;
    // At most one full sweep a second, so a flood does not turn every request into a sweep.
    if (now() - lastFullSweep >= 1000) {
      lastFullSweep = now();
      sweep();
      if (entries.size < maxKeys) return key;
    }
    const namespace = namespaceOf(key);
    options.onOverflow?.(namespace);
    return `${namespace}|\u0000overflow`;
  };

  const state = (entry: Entry | undefined): CounterState =>
    entry
      ? { count: entry.count, resetInMs: Math.max(0, entry.expiresAt - now()) }
      : { count: 0, resetInMs: 0 };

  return {
    kind: 'memory',
    async hit(key, windowMs) {
      const target = slot(key);
      const entry = live(target);
      if (entry) {
        entry.count += 1;
        return state(entry);
      }
      const created = { count: 1, expiresAt: now() + windowMs };
      entries.set(target, created);
      return state(created);
    },
    async take(key, amount, limit) {
      const target = slot(key);
      const entry = live(target);
      const count = entry?.count ?? 0;
      if (count + amount > limit.max) {
        return { allowed: false, ...state(entry) };
      }
      if (entry) {
        entry.count += amount;
        return { allowed: true, ...state(entry) };
      }
      const created = { count: amount, expiresAt: now() + limit.windowMs };
      entries.set(target, created);
      return { allowed: true, ...state(created) };
    },
    async give(key, amount) {
      const entry = live(key) ?? live(`${namespaceOf(key)}|\u0000overflow`);
      if (entry) entry.count = Math.max(0, entry.count - amount);
    },
    async peek(key) {
      return state(live(key));
    },
    async close() {
      if (timer) clearInterval(timer);
      entries.clear();
    },
  };
}
