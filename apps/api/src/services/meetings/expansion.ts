import { floatingRRule, type Frequency, type RecurrenceRule } from './recurrence';

/**
 * Bounded expansion of a recurrence rule over "floating" time (local wall-clock written as
 * UTC, see floatingRRule). rrule.js always walks from the rule's first date, one period at a
 * time, so asking for an occurrence 1,000 years out walked 365,000 days and blocked the event
 * loop for seconds. Here a walk:
 *  - never looks past the series' bounds: its start, its UNTIL, and HORIZON_YEARS after the start;
 *  - starts near the requested window, not at the first date: an open-ended or UNTIL rule is
 *    periodic, so its first date moves forward by whole periods (times INTERVAL) without
 *    changing the dates it yields. COUNT rules cannot move (the count is from the first date);
 *    validateSchedule refuses COUNT rules that do not finish within the walk budget;
 *  - visits at most MAX_PERIODS[freq] periods, whatever the window (a sparse rule such as
 *    "daily, but only Monday 29 February" yields nothing for years and costs per period).
 * MAX_PERIODS was measured (bench/recurrence.ts) to keep one walk to a few tens of ms at worst.
 */

export const HORIZON_YEARS = 100;
export const MAX_PERIODS: Readonly<Record<Frequency, number>> = {
  DAILY: 2000,
  WEEKLY: 1100,
  MONTHLY: 1300,
  YEARLY: 200,
};

const DAY = 86_400_000;

/** Work done by walks since the process started (periods visited); read by tests and benches. */
export const expansionStats = { walks: 0, periods: 0 };

function addMonths(floatingMs: number, months: number, dayOfMonth: number): number {
  const date = new Date(floatingMs);
  return Date.UTC(
    date.getUTCFullYear(),
    date.getUTCMonth() + months,
    dayOfMonth,
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
}

/** The floating instant `periods` periods of the rule's frequency after `fromMs`. */
function afterPeriods(freq: Frequency, fromMs: number, periods: number): number {
  const day = new Date(fromMs).getUTCDate();
  switch (freq) {
    case 'DAILY':
      return fromMs + periods * DAY;
    case 'WEEKLY':
      return fromMs + periods * 7 * DAY;
    case 'MONTHLY':
      return addMonths(fromMs, periods, day);
    case 'YEARLY':
      return addMonths(fromMs, periods * 12, day);
  }
}

/** The end of the series' expansion horizon (floating). */
export function horizonEnd(dtstartFloating: number): number {
  return addMonths(dtstartFloating, HORIZON_YEARS * 12, new Date(dtstartFloating).getUTCDate());
}

/**
 * A rule whose first date is moved forward by a whole number of INTERVAL periods, to at or
 * before `targetMs`, yielding the same dates as the original from the new first date on.
 * Defaults rrule.js would take from the first date (the day of the month, the month, the
 * weekday) are written out explicitly so that moving it changes nothing.
 */
export function alignedStart(
  rule: RecurrenceRule,
  dtstartFloating: number,
  targetMs: number,
): { rule: RecurrenceRule; dtstartFloating: number; periodsSkipped: number } {
  if (rule.count !== undefined || targetMs <= dtstartFloating) {
    return { rule, dtstartFloating, periodsSkipped: 0 };
  }
  const start = new Date(dtstartFloating);
  const target = new Date(targetMs);
  const explicit: RecurrenceRule = { ...rule };
  const noDays = rule.byDay === undefined && rule.byMonthDay === undefined;
  let shifted: number;
  let periods: number;
  switch (rule.freq) {
    case 'DAILY':
    case 'WEEKLY': {
      const step = (rule.freq === 'DAILY' ? 1 : 7) * DAY * rule.interval;
      const k = Math.floor((targetMs - dtstartFloating) / step);
      shifted = dtstartFloating + k * step;
      periods = k * rule.interval;
      if (rule.freq === 'WEEKLY' && noDays) {
        const codes = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
        explicit.byDay = [{ weekday: codes[start.getUTCDay()] ?? 'MO' }];
      }
      break;
    }
    case 'MONTHLY':
    case 'YEARLY': {
      const monthsPerPeriod = rule.freq === 'MONTHLY' ? 1 : 12;
      const months =
        (target.getUTCFullYear() - start.getUTCFullYear()) * 12 +
        (target.getUTCMonth() - start.getUTCMonth());
      let k = Math.floor(months / (monthsPerPeriod * rule.interval));
      // Whole periods move to the first day of the month (January for yearly rules).
      const firstOf = (n: number) =>
        rule.freq === 'MONTHLY'
          ? addMonths(dtstartFloating, n * rule.interval, 1)
          : Date.UTC(
              start.getUTCFullYear() + n * rule.interval,
              0,
              1,
              start.getUTCHours(),
              start.getUTCMinutes(),
              start.getUTCSeconds(),
            );
      while (k > 0 && firstOf(k) > targetMs) k -= 1;
      if (k <= 0) return { rule, dtstartFloating, periodsSkipped: 0 };
      shifted = firstOf(k);
      periods = k * rule.interval;
      if (noDays) explicit.byMonthDay = [start.getUTCDate()];
      if (rule.freq === 'YEARLY' && noDays && rule.byMonth === undefined) {
        explicit.byMonth = [start.getUTCMonth() + 1];
      }
      break;
    }
  }
  if (periods <= 0) return { rule, dtstartFloating, periodsSkipped: 0 };
  return { rule: explicit, dtstartFloating: shifted, periodsSkipped: periods };
}

/**
 * rrule.js only checks whether to stop when a date matches: a sparse rule ("daily, but only
 * a Monday 29 February") walks on past the window, to the next match or to year 9999. It
 * reads `options.interval` once per period (to test for 0, which ends the walk, then to
 * advance), so a getter there counts periods and answers 0 once the budget is spent. The
 * walk tests pin this against the installed rrule.js: a sparse rule stops within budget.
 */
export function meterPeriods(options: { interval: number }, budget: number) {
  const interval = options.interval;
  let reads = 0;
  let stopped = false;
  Object.defineProperty(options, 'interval', {
    configurable: true,
    get() {
      reads += 1;
      // Read 1 is the set-up; then per period an even read (the 0 test) and an odd one.
      if (stopped || (reads % 2 === 0 && reads / 2 >= budget)) {
        stopped = true;
        return 0;
      }
      return interval;
    },
  });
  return { periods: () => Math.floor(reads / 2), exhausted: () => stopped };
}

export interface Walk {
  /** Floating dates in [afterMs, beforeMs] within the series' bounds, in order. */
  dates: number[];
  /** Periods the walk visited (its cost). */
  periods: number;
  /** True when the budget ended the walk before `beforeMs`. */
  truncated: boolean;
}

/**
 * Dates of the rule in [afterMs, beforeMs] (floating), at most `limit`, within the series'
 * bounds and the walk budget. `untilFloating` is the rule's UNTIL in floating time.
 */
export function walkRule(
  rule: RecurrenceRule,
  dtstartFloating: number,
  untilFloating: number | undefined,
  window: { afterMs: number; beforeMs: number; limit: number },
): Walk {
  const end = Math.min(window.beforeMs, untilFloating ?? Infinity, horizonEnd(dtstartFloating));
  const from = Math.max(window.afterMs, dtstartFloating);
  if (!(from <= end) || window.limit <= 0) return { dates: [], periods: 0, truncated: false };
  const moved = alignedStart(rule, dtstartFloating, from);
  const budget = MAX_PERIODS[rule.freq] * rule.interval;
  const cap = afterPeriods(rule.freq, moved.dtstartFloating, budget);
  const stop = Math.min(end, cap);
  const rrule = floatingRRule(moved.rule, moved.dtstartFloating, untilFloating);
  const meter = meterPeriods(rrule.options, MAX_PERIODS[rule.freq]);
  const dates: number[] = [];
  rrule.between(new Date(from), new Date(stop), true, (date) => {
    dates.push(date.getTime());
    return dates.length < window.limit;
  });
  expansionStats.walks += 1;
  expansionStats.periods += meter.periods();
  return { dates, periods: meter.periods(), truncated: cap < end || meter.exhausted() };
}
