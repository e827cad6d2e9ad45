import type { Clock, TimerHandle } from './clock';

/**
 * A clock for tests: time moves only when the test calls `advance`, and timers due by then run
 * in order of their due time. Used by the unit tests of this folder and nowhere else.
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle) {
      this.timers.delete((handle as { id: number }).id);
    }
  }

  /** Moves time forward, running every timer that falls due, including ones they schedule. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].due <= target && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      next[1].callback();
    }
    this.time = target;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}
