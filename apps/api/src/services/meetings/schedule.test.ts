import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecurrenceRule, formatRecurrenceRule, describeRecurrenceRule } from './recurrence';
import {
  currentOrNextOccurrence,
  expandOccurrences,
  findOccurrence,
  joinWindow,
  validateSchedule,
  type Schedule,
} from './schedule';
import {
  formatLocalDateTime,
  isValidTimeZone,
  utcToZoned,
  zonedToUtc,
  parseLocalDateTime,
} from './time-zones';

function schedule(input: {
  startLocal: string;
  endLocal: string;
  timeZone: string;
  recurrence?: string | null;
}): Schedule {
  const result = validateSchedule({ recurrence: null, ...input });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.schedule;
}

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);
const localAt = (ms: number, timeZone: string) => {
  const local = utcToZoned(ms, timeZone);
  return formatLocalDateTime(local);
};

describe('time zones', () => {
  it('knows IANA names and refuses made-up ones and bare offsets', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Asia/Calcutta')).toBe(true); // an alias
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('reads a local time skipped by spring-forward with the offset before the jump', () => {
    // Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    const result = zonedToUtc(parseLocalDateTime('2026-03-29T02:30')!, 'Europe/Berlin');
    expect(result.kind).toBe('skipped');
    expect(iso(result.instantMs)).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('reads a local time repeated by fall-back as the first of the two', () => {
    // Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    const result = zonedToUtc(parseLocalDateTime('2026-10-25T02:30')!, 'Europe/Berlin');
    expect(result.kind).toBe('repeated');
    expect(iso(result.instantMs)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST
  });

  it('refuses impossible calendar dates', () => {
    expect(parseLocalDateTime('2026-02-30T10:00')).toBeNull();
    expect(parseLocalDateTime('2026-13-01T10:00')).toBeNull();
    expect(parseLocalDateTime('2026-01-01T24:00')).toBeNull();
    expect(parseLocalDateTime('2026-01-01 10:00')).toBeNull();
    expect(parseLocalDateTime('2028-02-29T10:00')).not.toBeNull();
  });
});

describe('recurrence rules', () => {
  it('accepts and normalises well-formed rules', () => {
    expect(formatRecurrenceRule(parseRecurrenceRule('freq=weekly;byday=mo,we;count=10'))).toBe(
      'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
    );
    expect(formatRecurrenceRule(parseRecurrenceRule('RRULE:FREQ=MONTHLY;BYDAY=-1FR'))).toBe(
      'FREQ=MONTHLY;BYDAY=-1FR',
    );
    expect(
      formatRecurrenceRule(parseRecurrenceRule('FREQ=DAILY;INTERVAL=2;UNTIL=20270101T000000Z')),
    ).toBe('FREQ=DAILY;INTERVAL=2;UNTIL=20270101T000000Z');
  });

  it.each([
    ['', /empty/],
    ['garbage', /not NAME=VALUE/],
    ['FREQ=FOO', /FREQ must be one of/],
    ['FREQ=HOURLY', /not repeat more often than daily/],
    ['FREQ=WEEKLY;BYDAY=XX', /BYDAY must list weekdays/],
    ['FREQ=WEEKLY;COUNT=abc', /COUNT must be a whole number/],
    ['FREQ=WEEKLY;COUNT=0', /COUNT must be a whole number/],
    ['FREQ=DAILY;INTERVAL=0', /INTERVAL must be/],
    ['FREQ=DAILY;FOO=1', /FOO is not a recurrence rule part/],
    ['FREQ=DAILY;FREQ=WEEKLY', /FREQ appears twice/],
    ['BYDAY=MO', /FREQ is required/],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z', /COUNT and UNTIL cannot both/],
    ['FREQ=DAILY;UNTIL=2027-01-01', /UNTIL must be a UTC date/],
    ['FREQ=DAILY;UNTIL=20270231T000000Z', /not a real date/],
    ['FREQ=WEEKLY;BYDAY=1MO', /needs FREQ=MONTHLY or YEARLY/],
    ['FREQ=MONTHLY;BYMONTHDAY=32', /BYMONTHDAY values must be between 1 and 31/],
    ['FREQ=DAILY;BYHOUR=9', /BYHOUR is not supported/],
    ['FREQ=DAILY;COUNT=5\nX-EVIL=1', /single RRULE line/],
    ['DTSTART:20260101T000000Z;FREQ=DAILY', /not NAME=VALUE|DTSTART/],
  ])('refuses %j with a clear message', (rule, message) => {
    expect(() => parseRecurrenceRule(rule)).toThrow(message);
  });

  it('describes rules in words', () => {
    expect(
      describeRecurrenceRule(parseRecurrenceRule('FREQ=WEEKLY;BYDAY=MO;COUNT=10'), 'UTC'),
    ).toBe('every week on Monday for 10 times');
    expect(
      describeRecurrenceRule(
        parseRecurrenceRule('FREQ=DAILY;UNTIL=20270101T000000Z'),
        'Europe/Berlin',
      ),
    ).toBe('every day until 1 Jan 2027');
  });
});

describe('validateSchedule', () => {
  const valid = {
    startLocal: '2026-12-01T09:00',
    endLocal: '2026-12-01T10:00',
    timeZone: 'Europe/Berlin',
    recurrence: null,
  };

  it('accepts a one-off meeting and computes its duration', () => {
    const result = validateSchedule(valid);
    expect(result.ok && result.schedule.durationMinutes).toBe(60);
  });

  it('says when the end is before the start', () => {
    const result = validateSchedule({ ...valid, endLocal: '2026-12-01T08:00' });
    expect(result).toEqual({
      ok: false,
      issues: [{ field: 'endLocal', message: 'the meeting ends before it starts' }],
    });
  });

  it('refuses zero-length and over-long meetings', () => {
    expect(validateSchedule({ ...valid, endLocal: valid.startLocal })).toMatchObject({
      ok: false,
      issues: [{ field: 'endLocal', message: /at least a minute/ }],
    });
    expect(validateSchedule({ ...valid, endLocal: '2026-12-02T09:01' })).toMatchObject({
      ok: false,
      issues: [{ field: 'endLocal', message: /at most 24 hours/ }],
    });
  });

  it('names an unknown time zone', () => {
    expect(validateSchedule({ ...valid, timeZone: 'Europe/Atlantis' })).toMatchObject({
      ok: false,
      issues: [{ field: 'timeZone', message: /"Europe\/Atlantis" is not a known time zone/ }],
    });
  });

  it('reports every bad field at once', () => {
    const result = validateSchedule({
      startLocal: '2026-02-30T09:00',
      endLocal: 'tomorrow',
      timeZone: 'Nowhere/Special',
      recurrence: 'FREQ=SOMETIMES',
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => issue.field).sort()).toEqual([
      'endLocal',
      'recurrence',
      'startLocal',
      'timeZone',
    ]);
  });

  it('refuses a start the clocks skip', () => {
    expect(
      validateSchedule({ ...valid, startLocal: '2026-03-29T02:15', endLocal: '2026-03-29T04:00' }),
    ).toMatchObject({
      ok: false,
      issues: [{ field: 'startLocal', message: /does not exist in Europe\/Berlin/ }],
    });
  });

  it('computes the duration on instants across a DST change', () => {
    // 01:00 to 04:00 local on the spring-forward night is two real hours.
    const result = validateSchedule({
      ...valid,
      startLocal: '2026-03-29T01:00',
      endLocal: '2026-03-29T04:00',
    });
    expect(result.ok && result.schedule.durationMinutes).toBe(120);
  });

  it('refuses a rule whose first occurrence is not the start', () => {
    // 2026-12-01 is a Tuesday.
    expect(validateSchedule({ ...valid, recurrence: 'FREQ=WEEKLY;BYDAY=MO' })).toMatchObject({
      ok: false,
      issues: [
        { field: 'recurrence', message: /must be the meeting's start \(Tuesday, 1 December\)/ },
      ],
    });
    expect(
      validateSchedule({ ...valid, recurrence: 'FREQ=DAILY;UNTIL=20261101T000000Z' }),
    ).toMatchObject({ ok: false, issues: [{ field: 'recurrence', message: /UNTIL\) before/ }] });
  });

  it('passes a malformed rule through as a recurrence issue', () => {
    expect(validateSchedule({ ...valid, recurrence: 'FREQ=WEEKLY;BYDAY=XX' })).toMatchObject({
      ok: false,
      issues: [{ field: 'recurrence', message: /is not a valid rule: BYDAY must list weekdays/ }],
    });
  });

  it('normalises the rule it stores', () => {
    const result = validateSchedule({ ...valid, recurrence: 'freq=weekly;count=3;byday=tu' });
    expect(result.ok && result.recurrence).toBe('FREQ=WEEKLY;BYDAY=TU;COUNT=3');
  });
});

describe('expandOccurrences', () => {
  it('keeps a weekly meeting at 09:00 local across spring-forward (Europe/Berlin)', () => {
    const weekly = schedule({
      startLocal: '2026-03-16T09:00',
      endLocal: '2026-03-16T09:30',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=4',
    });
    const occurrences = expandOccurrences(weekly, [], {
      fromMs: at('2026-01-01T00:00:00Z'),
      toMs: at('2027-01-01T00:00:00Z'),
    });
    expect(occurrences.map((o) => iso(o.startMs))).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z', // CEST from 29 March
      '2026-04-06T07:00:00.000Z',
    ]);
    expect(occurrences.map((o) => localAt(o.startMs, 'Europe/Berlin'))).toEqual([
      '2026-03-16T09:00',
      '2026-03-23T09:00',
      '2026-03-30T09:00',
      '2026-04-06T09:00',
    ]);
    expect(occurrences.every((o) => o.endMs - o.startMs === 30 * 60_000)).toBe(true);
    expect(occurrences[2]?.occurrenceId).toBe('20260330T070000Z');
  });

  it('keeps local time across fall-back in New York and spring in Sydney', () => {
    const newYork = schedule({
      startLocal: '2026-10-29T17:00',
      endLocal: '2026-10-29T18:00',
      timeZone: 'America/New_York',
      recurrence: 'FREQ=WEEKLY;COUNT=2',
    });
    expect(
      expandOccurrences(newYork, [], { fromMs: 0, toMs: at('2030-01-01T00:00:00Z') }).map((o) =>
        iso(o.startMs),
      ),
    ).toEqual(['2026-10-29T21:00:00.000Z', '2026-11-05T22:00:00.000Z']);

    const sydney = schedule({
      startLocal: '2026-09-28T10:00',
      endLocal: '2026-09-28T11:00',
      timeZone: 'Australia/Sydney',
      recurrence: 'FREQ=WEEKLY;COUNT=2',
    });
    expect(
      expandOccurrences(sydney, [], { fromMs: 0, toMs: at('2030-01-01T00:00:00Z') }).map((o) =>
        iso(o.startMs),
      ),
    ).toEqual(['2026-09-28T00:00:00.000Z', '2026-10-04T23:00:00.000Z']); // AEDT from 4 Oct
  });

  it('moves a daily 02:30 occurrence that falls in the spring-forward gap, as RFC 5545 says', () => {
    const daily = schedule({
      startLocal: '2026-03-28T02:30',
      endLocal: '2026-03-28T03:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY;COUNT=3',
    });
    const occurrences = expandOccurrences(daily, [], {
      fromMs: 0,
      toMs: at('2027-01-01T00:00:00Z'),
    });
    expect(occurrences.map((o) => localAt(o.startMs, 'Europe/Berlin'))).toEqual([
      '2026-03-28T02:30',
      '2026-03-29T03:30',
      '2026-03-30T02:30',
    ]);
  });

  it('stops at UNTIL, read as an instant', () => {
    const daily = schedule({
      startLocal: '2026-06-01T09:00',
      endLocal: '2026-06-01T10:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY;UNTIL=20260603T070000Z', // 09:00 CEST on 3 June
    });
    expect(
      expandOccurrences(daily, [], { fromMs: 0, toMs: at('2027-01-01T00:00:00Z') }).map(
        (o) => o.occurrenceId,
      ),
    ).toEqual(['20260601T070000Z', '20260602T070000Z', '20260603T070000Z']);
  });

  it('leaves out cancelled occurrences and puts moved ones at their new time', () => {
    const weekly = schedule({
      startLocal: '2026-06-01T09:00',
      endLocal: '2026-06-01T10:00',
      timeZone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
    });
    const overrides = [
      {
        occurrenceId: '20260608T090000Z',
        cancelled: true,
        startMs: null,
        endMs: null,
        title: null,
      },
      {
        occurrenceId: '20260615T090000Z',
        cancelled: false,
        startMs: at('2026-06-26T14:00:00Z'), // moved after the last one
        endMs: at('2026-06-26T15:00:00Z'),
        title: 'Moved review',
      },
    ];
    const window = { fromMs: 0, toMs: at('2027-01-01T00:00:00Z') };
    const occurrences = expandOccurrences(weekly, overrides, window);
    expect(occurrences.map((o) => [o.occurrenceId, iso(o.startMs), o.moved, o.title])).toEqual([
      ['20260601T090000Z', '2026-06-01T09:00:00.000Z', false, null],
      ['20260622T090000Z', '2026-06-22T09:00:00.000Z', false, null],
      ['20260615T090000Z', '2026-06-26T14:00:00.000Z', true, 'Moved review'],
    ]);
    expect(
      expandOccurrences(weekly, overrides, { ...window, includeCancelled: true }).map(
        (o) => o.cancelled,
      ),
    ).toEqual([false, true, false, false]);
  });

  it('finds an occurrence only when the series has it', () => {
    const weekly = schedule({
      startLocal: '2026-06-01T09:00',
      endLocal: '2026-06-01T10:00',
      timeZone: 'Europe/Berlin',
      recurrence: 'FREQ=WEEKLY;COUNT=4',
    });
    expect(findOccurrence(weekly, [], '20260608T070000Z')?.startMs).toBe(
      at('2026-06-08T07:00:00Z'),
    );
    expect(findOccurrence(weekly, [], '20260608T080000Z')).toBeNull(); // wrong hour
    expect(findOccurrence(weekly, [], '20260629T070000Z')).toBeNull(); // after COUNT
    expect(findOccurrence(weekly, [], 'not-an-id')).toBeNull();
  });

  it('picks the occurrence in progress, else the next, within the join window', () => {
    const weekly = schedule({
      startLocal: '2026-06-01T09:00',
      endLocal: '2026-06-01T10:00',
      timeZone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    });
    const options = { earlyJoinMinutes: 10, lateJoinMinutes: 60 };
    expect(
      currentOrNextOccurrence(weekly, [], at('2026-06-08T08:55:00Z'), options)?.occurrenceId,
    ).toBe('20260608T090000Z');
    expect(
      currentOrNextOccurrence(weekly, [], at('2026-06-01T10:30:00Z'), options)?.occurrenceId,
    ).toBe('20260601T090000Z');
    expect(
      currentOrNextOccurrence(weekly, [], at('2026-06-01T11:30:00Z'), options)?.occurrenceId,
    ).toBe('20260608T090000Z');
    expect(currentOrNextOccurrence(weekly, [], at('2026-07-01T00:00:00Z'), options)).toBeNull();
    const window = joinWindow(
      { startMs: at('2026-06-01T09:00:00Z'), endMs: at('2026-06-01T10:00:00Z') },
      options,
    );
    expect(window.contains(at('2026-06-01T08:49:59Z'))).toBe(false);
    expect(window.contains(at('2026-06-01T08:50:00Z'))).toBe(true);
    expect(window.contains(at('2026-06-01T11:00:01Z'))).toBe(false);
  });

  it('for any zone and date, a weekly series stays at its local time unless the clocks skip it', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Sydney',
      'Asia/Tehran',
      'America/Santiago',
      'Pacific/Chatham',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 364 }),
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        (timeZone, dayOfYear, hour, minute) => {
          const day = new Date(Date.UTC(2026, 0, 1 + dayOfYear));
          const local = {
            year: day.getUTCFullYear(),
            month: day.getUTCMonth() + 1,
            day: day.getUTCDate(),
            hour,
            minute,
          };
          const startLocal = formatLocalDateTime(local);
          const result = validateSchedule({
            startLocal,
            endLocal: formatLocalDateTime({
              ...local,
              hour: Math.min(hour + 1, 23),
              minute: hour === 23 ? 59 : minute,
            }),
            timeZone,
            recurrence: 'FREQ=WEEKLY;COUNT=26',
          });
          if (!result.ok) return; // the start itself fell into a gap: refused, tested above
          const occurrences = expandOccurrences(result.schedule, [], {
            fromMs: 0,
            toMs: at('2030-01-01T00:00:00Z'),
          });
          expect(occurrences).toHaveLength(26);
          for (const occurrence of occurrences) {
            const local = localAt(occurrence.startMs, timeZone);
            if (local.slice(11) === startLocal.slice(11)) continue;
            // Moved only because the clocks skip the meeting's time on that day.
            const intended = parseLocalDateTime(`${local.slice(0, 10)}T${startLocal.slice(11)}`)!;
            expect(zonedToUtc(intended, timeZone).kind).toBe('skipped');
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
