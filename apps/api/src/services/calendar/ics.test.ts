import ical, { type VEvent } from 'node-ical';
import rrulePackage from 'rrule';
import { describe, expect, it } from 'vitest';
import { validateSchedule, expandOccurrences, type OccurrenceOverride } from '../meetings/schedule';
import { offsetMinutesAt } from '../meetings/time-zones';
import {
  escapeText,
  feedCalendar,
  foldLine,
  meetingCalendar,
  occurrenceCalendar,
  type IcsMeeting,
} from './ics';
import { findTransitions, vtimezoneLines } from './vtimezone';

const { rrulestr } = rrulePackage;
const at = (text: string) => Date.parse(text);

function meeting(
  overrides: Partial<IcsMeeting> & { recurrence?: string | null; timeZone?: string } = {},
): IcsMeeting {
  const result = validateSchedule({
    startLocal: '2026-03-16T09:00',
    endLocal: '2026-03-16T09:45',
    timeZone: overrides.timeZone ?? 'Europe/Berlin',
    recurrence:
      overrides.recurrence === undefined ? 'FREQ=WEEKLY;BYDAY=MO;COUNT=6' : overrides.recurrence,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return {
    uid: 'meeting-5b0d3c1e@conclave.example.org',
    sequence: 3,
    // node-ical 0.26 unescapes "\\n" wrongly (as a backslash and a newline), so no backslash here;
    // escapeText is checked against RFC 5545 directly above.
    title: 'Weekly review; budget, plans',
    description: 'Line one\nLine two: join from the meeting page.',
    url: 'https://conclave.example.org/orgs/o/meetings/m',
    status: 'scheduled',
    schedule: result.schedule,
    overrides: [],
    organizer: { email: 'alice@example.org', name: 'Alice Ångström' },
    attendees: [
      { email: 'alice@example.org', name: 'Alice Ångström', role: 'host', response: 'accepted' },
      {
        email: 'bob@example.org',
        name: 'Bob, "the builder"',
        role: 'attendee',
        response: 'needs_action',
      },
      { email: 'carol@outside.example', name: null, role: 'attendee', response: 'declined' },
    ],
    createdMs: at('2026-03-01T10:00:00Z'),
    updatedMs: at('2026-03-02T10:00:00Z'),
    ...overrides,
  };
}

function events(text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter(
    (component): component is VEvent => component?.type === 'VEVENT',
  );
}

function paramsOf(value: unknown): Record<string, string> {
  return (value as { params: Record<string, string> }).params;
}

describe('ICS text', () => {
  it('escapes TEXT values and folds long lines at 75 octets without splitting characters', () => {
    expect(escapeText('a;b,c\\d\ne')).toBe('a\\;b\\,c\\\\d\\ne');
    const folded = foldLine(`SUMMARY:${'é'.repeat(80)}`);
    for (const line of folded.split('\r\n')) {
      expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    }
    expect(folded.replace(/\r\n /g, '')).toBe(`SUMMARY:${'é'.repeat(80)}`);
  });

  it('uses CRLF line endings only', () => {
    const text = meetingCalendar(meeting(), {
      method: 'REQUEST',
      dtstampMs: at('2026-03-03T00:00:00Z'),
    });
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });
});

describe('meetingCalendar, parsed back by node-ical', () => {
  it('an invitation (REQUEST) carries UID, SEQUENCE, organizer, attendees and the rule', () => {
    const text = meetingCalendar(meeting(), {
      method: 'REQUEST',
      dtstampMs: at('2026-03-03T00:00:00Z'),
    });
    const parsed = ical.sync.parseICS(text);
    const calendar = Object.values(parsed).find((component) => component?.type === 'VCALENDAR');
    expect(
      calendar && 'method' in calendar ? calendar.method : text.match(/METHOD:(\w+)/)?.[1],
    ).toBe('REQUEST');
    const [event] = events(text);
    expect(event?.uid).toBe('meeting-5b0d3c1e@conclave.example.org');
    expect(Number(event?.sequence)).toBe(3);
    expect(event?.summary).toBe('Weekly review; budget, plans');
    expect(event?.description).toBe('Line one\nLine two: join from the meeting page.');
    expect(event?.status).toBe('CONFIRMED');
    expect(event?.start.toISOString()).toBe('2026-03-16T08:00:00.000Z');
    expect(event?.start.tz).toBe('Europe/Berlin');
    expect(event?.end?.toISOString()).toBe('2026-03-16T08:45:00.000Z');
    expect(event?.rrule?.toString()).toContain('FREQ=WEEKLY');
    expect(paramsOf(event?.organizer).CN).toBe('Alice Ångström');
    const attendees = [event?.attendee].flat() as unknown[];
    expect(attendees).toHaveLength(3);
    const bob = attendees.find((attendee) =>
      String((attendee as { val: string }).val).includes('bob'),
    );
    expect(paramsOf(bob)).toMatchObject({
      PARTSTAT: 'NEEDS-ACTION',
      RSVP: true,
      ROLE: 'REQ-PARTICIPANT',
    });
    expect(paramsOf(bob).CN).toBe('Bob, the builder'); // quotes inside a parameter cannot be escaped: dropped
  });

  it('occurrences expanded by node-ical match ours, across the DST change, with exceptions', () => {
    const base = meeting();
    const overrides: OccurrenceOverride[] = [
      {
        occurrenceId: '20260323T080000Z',
        cancelled: true,
        startMs: null,
        endMs: null,
        title: null,
      },
      {
        occurrenceId: '20260406T070000Z',
        cancelled: false,
        startMs: at('2026-04-07T12:00:00Z'),
        endMs: at('2026-04-07T13:00:00Z'),
        title: 'Moved to Tuesday',
      },
    ];
    const withExceptions = { ...base, overrides };
    const text = meetingCalendar(withExceptions, { method: 'REQUEST', dtstampMs: Date.now() });
    expect(text).toContain('EXDATE;TZID=Europe/Berlin:20260323T090000');
    expect(text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000');
    const master = events(text).find((event) => event.rrule);
    expect(master).toBeDefined();
    const theirs = ical
      .expandRecurringEvent(master!, { from: new Date(0), to: new Date('2030-01-01T00:00:00Z') })
      .map((instance) => [
        instance.start.toISOString(),
        instance.end.toISOString(),
        instance.summary,
      ]);
    const ours = expandOccurrences(base.schedule, overrides, {
      fromMs: 0,
      toMs: at('2030-01-01T00:00:00Z'),
    }).map((occurrence) => [
      new Date(occurrence.startMs).toISOString(),
      new Date(occurrence.endMs).toISOString(),
      occurrence.title ?? base.title,
    ]);
    expect(theirs).toEqual(ours);
    expect(ours.map(([start]) => start)).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-07T12:00:00.000Z',
      '2026-04-13T07:00:00.000Z',
      '2026-04-20T07:00:00.000Z',
    ]);
  });

  it('a series cancellation (CANCEL) keeps the UID and says CANCELLED with a higher SEQUENCE', () => {
    const text = meetingCalendar(
      { ...meeting(), status: 'cancelled', sequence: 4 },
      { method: 'CANCEL', dtstampMs: Date.now() },
    );
    expect(text).toContain('METHOD:CANCEL');
    const [event] = events(text);
    expect(event?.status).toBe('CANCELLED');
    expect(Number(event?.sequence)).toBe(4);
    expect(event?.uid).toBe('meeting-5b0d3c1e@conclave.example.org');
  });

  it('cancelling one occurrence sends a CANCEL for its RECURRENCE-ID only', () => {
    const base = meeting();
    const overrides: OccurrenceOverride[] = [
      {
        occurrenceId: '20260330T070000Z',
        cancelled: true,
        startMs: null,
        endMs: null,
        title: null,
      },
    ];
    const text = occurrenceCalendar({ ...base, overrides, sequence: 5 }, '20260330T070000Z', {
      method: 'CANCEL',
      dtstampMs: Date.now(),
    });
    const parsed = events(text);
    expect(parsed).toHaveLength(1);
    expect(text.slice(text.indexOf('BEGIN:VEVENT'))).not.toContain('RRULE');
    expect(text).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000');
    const event = parsed[0] ?? Object.values(parsed)[0];
    expect(event?.recurrenceid?.toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(event?.status).toBe('CANCELLED');
    expect(() =>
      occurrenceCalendar(base, '20260331T070000Z', { method: 'CANCEL', dtstampMs: Date.now() }),
    ).toThrow(/not an occurrence/);
  });

  it('a UTC meeting uses UTC times and no VTIMEZONE', () => {
    const text = meetingCalendar(meeting({ timeZone: 'UTC', recurrence: null }), {
      method: null,
      dtstampMs: Date.now(),
    });
    expect(text).not.toContain('VTIMEZONE');
    expect(text).toContain('DTSTART:20260316T090000Z');
    expect(text).not.toContain('METHOD:');
    expect(events(text)[0]?.start.toISOString()).toBe('2026-03-16T09:00:00.000Z');
  });

  it('a feed holds several meetings with their own UIDs', () => {
    const text = feedCalendar(
      'Conclave: Alice',
      [
        meeting(),
        { ...meeting({ timeZone: 'America/New_York', recurrence: null }), uid: 'other@conclave' },
      ],
      { dtstampMs: Date.now() },
    );
    expect(text).toContain('METHOD:PUBLISH');
    expect(text).toContain('X-WR-CALNAME:Conclave: Alice');
    expect(
      events(text)
        .map((event) => event.uid)
        .sort(),
    ).toEqual(['meeting-5b0d3c1e@conclave.example.org', 'other@conclave']);
    const ny = events(text).find((event) => event.uid === 'other@conclave');
    expect(ny?.start.toISOString()).toBe('2026-03-16T13:00:00.000Z'); // EDT since 8 March
  });
});

/**
 * The VTIMEZONE is checked independently of how it was made: its observances are expanded with
 * rrule.js and the offset they give for many instants is compared with Intl's.
 */
function vtimezoneOffsets(lines: string[]): (instantMs: number) => number {
  const observances: { startMs: number; offset: number }[] = [];
  let current: Record<string, string> | null = null;
  for (const line of lines) {
    if (line === 'BEGIN:STANDARD' || line === 'BEGIN:DAYLIGHT') current = {};
    else if (line === 'END:STANDARD' || line === 'END:DAYLIGHT') {
      const from = parseOffset(current!.TZOFFSETFROM!);
      const to = parseOffset(current!.TZOFFSETTO!);
      const local = current!.DTSTART!;
      const floating = Date.UTC(
        Number(local.slice(0, 4)),
        Number(local.slice(4, 6)) - 1,
        Number(local.slice(6, 8)),
        Number(local.slice(9, 11)),
        Number(local.slice(11, 13)),
      );
      const starts = current!.RRULE
        ? rrulestr(`DTSTART:${local}Z\nRRULE:${current!.RRULE}`)
            .between(new Date(floating - 1), new Date(at('2035-01-01T00:00:00Z')), true)
            .map((date) => date.getTime())
        : [floating];
      for (const start of starts) observances.push({ startMs: start - from * 60_000, offset: to });
      current = null;
    } else if (current) {
      const colon = line.indexOf(':');
      current[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  observances.sort((a, b) => b.startMs - a.startMs);
  return (instantMs) => {
    const active = observances.find((item) => item.startMs <= instantMs);
    if (!active) throw new Error('no observance covers the instant');
    return active.offset;
  };
}

function parseOffset(value: string): number {
  const sign = value.startsWith('-') ? -1 : 1;
  return sign * (Number(value.slice(1, 3)) * 60 + Number(value.slice(3, 5)));
}

describe('VTIMEZONE', () => {
  it.each([
    'Europe/Berlin',
    'America/New_York',
    'Australia/Sydney',
    'Asia/Kolkata',
    'America/Sao_Paulo',
    'Pacific/Chatham',
  ])(
    '%s: gives the same offsets as the time zone database, also years after the range',
    (timeZone) => {
      const lines = vtimezoneLines(
        timeZone,
        at('2026-03-01T00:00:00Z'),
        at('2026-12-31T00:00:00Z'),
      );
      expect(lines[0]).toBe('BEGIN:VTIMEZONE');
      expect(lines[1]).toBe(`TZID:${timeZone}`);
      const offsetAt = vtimezoneOffsets(lines);
      for (
        let instant = at('2026-01-01T00:00:00Z');
        instant < at('2033-01-01T00:00:00Z');
        instant += 7 * 3_600_000 + 13 * 60_000
      ) {
        expect(offsetAt(instant)).toBe(offsetMinutesAt(instant, timeZone));
      }
    },
  );

  it('finds Berlin transitions to the minute', () => {
    const transitions = findTransitions(
      'Europe/Berlin',
      at('2026-01-01T00:00:00Z'),
      at('2027-01-01T00:00:00Z'),
    );
    expect(
      transitions.map((t) => [new Date(t.atMs).toISOString(), t.fromOffset, t.toOffset]),
    ).toEqual([
      ['2026-03-29T01:00:00.000Z', 60, 120],
      ['2026-10-25T01:00:00.000Z', 120, 60],
    ]);
    const lines = vtimezoneLines(
      'Europe/Berlin',
      at('2026-03-01T00:00:00Z'),
      at('2026-04-01T00:00:00Z'),
    );
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU');
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU');
  });
});
