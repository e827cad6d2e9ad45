import { AppError } from '../../errors';
import type { CounterStore } from './counters';

/** How long until a window ends, in words: "45 seconds", "12 minutes", "3 hours". */
export function waitInWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}

/**
 * Takes `amount` from a budget that does not depend on the client's address (a meeting's wrong
 * passcodes, an address's failed sign-ins, an org's outside mails), or refuses with a 429
 * whose message `refusal` words for the person. Returns a function that gives the units back
 * (for an attempt that turned out to be no guess at all, or to have succeeded).
 */
export async function takeBudget(
  counters: CounterStore,
  options: {
    key: string;
    amount?: number;
    max: number;
    windowMs: number;
    refusal: (wait: string, remaining: number) => string;
  },
): Promise<() => Promise<void>> {
  const amount = options.amount ?? 1;
  const result = await counters.take(options.key, amount, {
    max: options.max,
    windowMs: options.windowMs,
  });
  if (!result.allowed) {
    throw new AppError(
      'rate_limited',
      options.refusal(waitInWords(result.resetInMs), Math.max(0, options.max - result.count)),
      { retryAfterSeconds: Math.max(1, Math.ceil(result.resetInMs / 1000)) },
    );
  }
  let given = false;
  return async () => {
    if (given) return;
    given = true;
    await counters.give(options.key, amount);
  };
}
