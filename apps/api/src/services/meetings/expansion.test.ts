import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HORIZON_YEARS,
  MAX_PERIODS,
  alignedStart,
  expansionStats,
  meterPeriods,
  walkRule,
} from './expansion';
import { floatingRRule, parseRecurrenceRule } from './recurrence';
import { findOccurrence, validateSchedule, type Schedule } from './schedule';

const DAY = 86_400_000;

/**
 * What rrule.js yields walking from the first date: the reference the moved walk must match.
 * (Metered only so that a rule that never matches again stops after the window.)
 */
function naive(rule: string, dtstart: number, afterMs: number, beforeMs: number): number[] {
  const parsed = parseRecurrenceRule(rule);
  const rrule = floatingRRule(parsed, dtstart, undefined);
  const days = { DAILY: 1, WEEKLY: 7, MONTHLY: 28, YEARLY: 365 }[parsed.freq];
  meterPeriods(rrule.options, Math.ceil((beforeMs - dtstart) / (days * DAY * parsed.interval)) + 2);
  return rrule.between(new Date(afterMs), new Date(beforeMs), true).map((date) => date.getTime());
}

const ruleArbitrary = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
    interval: fc.integer({ min: 1, max: 5 }),
    byDay: fc.option(fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], { minLength: 1 })),
    nth: fc.option(fc.constantFrom(1, 2, -1)),
    byMonthDay: fc.option(fc.subarray([1, 15, 28, 29, 30, 31, -1], { minLength: 1 })),
    byMonth: fc.option(fc.subarray([1, 2, 6, 12], { minLength: 1 })),
    bySetPos: fc.option(fc.constantFrom(1, -1)),
  })
  .map((r) => {
    const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`];
    const positional = r.nth !== null && (r.freq === 'MONTHLY' || r.freq === 'YEARLY');
    if (r.byDay)
      parts.push(`BYDAY=${r.byDay.map((d) => (positional ? `${r.nth}${d}` : d)).join(',')}`);
    if (r.byMonthDay) parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`);
    if (r.byMonth) parts.push(`BYMONTH=${r.byMonth.join(',')}`);
    if (r.bySetPos !== null && r.byDay) parts.push(`BYSETPOS=${r.bySetPos}`);
    return parts.join(';');
  });

describe('bounded recurrence walks', () => {
  it('starting near the window yields exactly the dates a walk from the first date yields', () => {
    fc.assert(
      fc.property(
        ruleArbitrary,
        fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 1, max: 120 }),
        (text, start, offsetDays, spanDays) => {
          const dtstart = Date.UTC(
            start.getUTCFullYear(),
            start.getUTCMonth(),
            start.getUTCDate(),
            9,
            30,
          );
          const afterMs = dtstart + offsetDays * DAY;
          const beforeMs = afterMs + spanDays * DAY;
          const walk = walkRule(parseRecurrenceRule(text), dtstart, undefined, {
            afterMs,
            beforeMs,
            limit: 10_000,
          });
          expect(walk.dates).toEqual(naive(text, dtstart, afterMs, beforeMs));
        },
      ),
      { numRuns: 100 },
    );
  }, 30_000);

  it('moves the first date by whole intervals, never past the target, and not for COUNT', () => {
    const dtstart = Date.UTC(2026, 0, 31, 9);
    const monthly = alignedStart(
      parseRecurrenceRule('FREQ=MONTHLY;INTERVAL=5'),
      dtstart,
      Date.UTC(2030, 3, 10),
    );
    expect(new Date(monthly.dtstartFloating).toISOString()).toBe('2030-03-01T09:00:00.000Z');
    expect(monthly.periodsSkipped).toBe(50);
    expect(monthly.rule.byMonthDay).toEqual([31]);
    const yearly = alignedStart(parseRecurrenceRule('FREQ=YEARLY'), dtstart, Date.UTC(2090, 5, 1));
    expect(yearly.rule.byMonth).toEqual([1]);
    expect(yearly.rule.byMonthDay).toEqual([31]);
    const counted = alignedStart(
      parseRecurrenceRule('FREQ=DAILY;COUNT=900'),
      dtstart,
      Date.UTC(2027, 0, 1),
    );
    expect(counted.dtstartFloating).toBe(dtstart);
  });

  it('visits at most MAX_PERIODS periods however sparse the rule and wide the window', () => {
    const sparse = parseRecurrenceRule('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO');
    const dtstart = Date.UTC(2026, 0, 1, 9);
    const walk = walkRule(sparse, dtstart, undefined, {
      afterMs: dtstart,
      beforeMs: Date.UTC(9999, 0, 1),
      limit: 1000,
    });
    expect(walk.truncated).toBe(true);
    expect(walk.periods).toBeLessThanOrEqual(MAX_PERIODS.DAILY + 1);
  });

  it('looks nowhere past the horizon, and a far request costs what a near one does', () => {
    const rule = parseRecurrenceRule('FREQ=DAILY');
    const dtstart = Date.UTC(2026, 11, 1, 9);
    const beyond = Date.UTC(2026 + HORIZON_YEARS, 11, 5, 9);
    expect(
      walkRule(rule, dtstart, undefined, { afterMs: beyond, beforeMs: beyond + DAY, limit: 5 })
        .dates,
    ).toEqual([]);
    const before = expansionStats.periods;
    const far = Date.UTC(2120, 5, 1, 9);
    const walk = walkRule(rule, dtstart, undefined, {
      afterMs: far,
      beforeMs: far + DAY - 1,
      limit: 5,
    });
    expect(walk.dates).toEqual([far]);
    expect(expansionStats.periods - before).toBeLessThanOrEqual(3);
  });
});

describe('series bounds in schedules', () => {
  const base = {
    startLocal: '2026-12-01T09:00',
    endLocal: '2026-12-01T09:30',
    timeZone: 'Europe/Berlin',
  };

  it('refuses a COUNT that walks past the budget and an UNTIL past the horizon, with reasons', () => {
    const tooSparse = validateSchedule({ ...base, recurrence: 'FREQ=DAILY;BYDAY=TU;COUNT=1000' });
    expect(tooSparse.ok).toBe(false);
    if (!tooSparse.ok) expect(tooSparse.issues[0]?.message).toMatch(/COUNT=1000 reaches too far/);
    const farUntil = validateSchedule({
      ...base,
      recurrence: 'FREQ=WEEKLY;UNTIL=99991231T000000Z',
    });
    expect(farUntil.ok).toBe(false);
    if (!farUntil.ok) expect(farUntil.issues[0]?.message).toMatch(/within 100 years/);
    expect(validateSchedule({ ...base, recurrence: 'FREQ=WEEKLY;COUNT=1000' }).ok).toBe(true);
    expect(validateSchedule({ ...base, recurrence: 'FREQ=DAILY;COUNT=1000' }).ok).toBe(true);
  });

  it('answers occurrence ids outside the series without expanding', () => {
    const result = validateSchedule({ ...base, recurrence: 'FREQ=DAILY;UNTIL=20271231T000000Z' });
    if (!result.ok) throw new Error('valid');
    const schedule: Schedule = result.schedule;
    const before = expansionStats.walks;
    expect(findOccurrence(schedule, [], '20261130T080000Z')).toBeNull();
    expect(findOccurrence(schedule, [], '20280101T080000Z')).toBeNull();
    expect(findOccurrence(schedule, [], '99991231T080000Z')).toBeNull();
    expect(expansionStats.walks).toBe(before);
    expect(findOccurrence(schedule, [], '20270615T070000Z')?.occurrenceId).toBe('20270615T070000Z');
  });
});
