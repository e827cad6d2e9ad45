/**
 * Time as the room's logic sees it. Production uses the system clock; tests pass a manual
 * clock (`./testing`) so key lifetimes and acknowledgement deadlines can be checked without
 * waiting.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque to callers; only the clock that made it knows what it is. */
export type TimerHandle = { readonly __timer: unique symbol } | number | object;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) =>
    globalThis.setTimeout(callback, delayMs) as unknown as TimerHandle,
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
