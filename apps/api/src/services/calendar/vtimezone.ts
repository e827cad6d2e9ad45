import { formatLocalBasic, offsetMinutesAt } from '../meetings/time-zones';

/**
 * VTIMEZONE components (RFC 5545, 3.6.5) from the platform's time zone database, so that
 * calendar programs that do not know IANA names (Outlook) place events right. The offsets are
 * read from Intl: transitions are found by scanning, and where a zone changes on a yearly
 * pattern ("last Sunday of March at 02:00") the observance gets a yearly RRULE, so the
 * component stays right after the range it was computed for; otherwise each transition is
 * listed.
 */

export interface Transition {
  atMs: number;
  fromOffset: number; // minutes
  toOffset: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Offset changes in (fromMs, toMs], to the minute. */
export function findTransitions(timeZone: string, fromMs: number, toMs: number): Transition[] {
  const transitions: Transition[] = [];
  let previousMs = fromMs;
  let previousOffset = offsetMinutesAt(fromMs, timeZone);
  for (let probe = fromMs + DAY; probe <= toMs + DAY; probe += DAY) {
    const at = Math.min(probe, toMs);
    const offset = offsetMinutesAt(at, timeZone);
    if (offset !== previousOffset) {
      let low = previousMs; // offset === previousOffset
      let high = at; // offset changed
      while (high - low > 60_000) {
        const middle = low + Math.floor((high - low) / 120_000) * 60_000;
        if (offsetMinutesAt(middle, timeZone) === previousOffset) low = middle;
        else high = middle;
      }
      transitions.push({ atMs: high, fromOffset: previousOffset, toOffset: offset });
      previousOffset = offset;
    }
    previousMs = at;
    if (at === toMs) break;
  }
  return transitions;
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const absolute = Math.abs(minutes);
  const hh = String(Math.floor(absolute / 60)).padStart(2, '0');
  const mm = String(absolute % 60).padStart(2, '0');
  return `${sign}${hh}${mm}`;
}

const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** "Last Sunday of March at 02:00" as (month, BYDAY, local time), in the offset before the change. */
function yearlyPattern(transition: Transition): { key: string; month: number; byDay: string } {
  // The wall-clock time of the change, read in the offset in force before it (RFC 5545).
  const wall = new Date(transition.atMs + transition.fromOffset * 60_000);
  const month = wall.getUTCMonth() + 1;
  const day = wall.getUTCDate();
  const daysInMonth = new Date(Date.UTC(wall.getUTCFullYear(), month, 0)).getUTCDate();
  const weekday = WEEKDAY_CODES[wall.getUTCDay()]!;
  const nth = day + 7 > daysInMonth ? -1 : Math.ceil(day / 7);
  const time = `${wall.getUTCHours()}:${wall.getUTCMinutes()}`;
  return {
    key: `${transition.fromOffset}>${transition.toOffset}@${month}/${nth}${weekday}/${time}`,
    month,
    byDay: `${nth}${weekday}`,
  };
}

function wallClock(transition: Transition): string {
  const wall = new Date(transition.atMs + transition.fromOffset * 60_000);
  return formatLocalBasic({
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: 0,
  });
}

function observance(
  transition: Transition,
  extra: string[] = [],
  kind?: 'STANDARD' | 'DAYLIGHT',
): string[] {
  const type = kind ?? (transition.toOffset > transition.fromOffset ? 'DAYLIGHT' : 'STANDARD');
  return [
    `BEGIN:${type}`,
    `DTSTART:${wallClock(transition)}`,
    ...extra,
    `TZOFFSETFROM:${formatOffset(transition.fromOffset)}`,
    `TZOFFSETTO:${formatOffset(transition.toOffset)}`,
    `END:${type}`,
  ];
}

/**
 * The VTIMEZONE lines for `timeZone`, correct for every instant in [fromMs, toMs] and, for
 * zones with a yearly pattern that still holds at `toMs`, after it too.
 */
export function vtimezoneLines(timeZone: string, fromMs: number, toMs: number): string[] {
  const start = fromMs - 366 * DAY;
  const end = toMs + 2 * 366 * DAY;
  const transitions = findTransitions(timeZone, start, end);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  if (transitions.length === 0) {
    const offset = offsetMinutesAt(fromMs, timeZone);
    lines.push(
      ...observance(
        { atMs: Date.UTC(1970, 0, 1) - offset * 60_000, fromOffset: offset, toOffset: offset },
        [],
        'STANDARD',
      ),
    );
    lines.push('END:VTIMEZONE');
    return lines;
  }
  // The offset in force before the first change, so early instants are covered too.
  const first = transitions[0]!;
  lines.push(
    ...observance(
      {
        atMs: Date.UTC(1970, 0, 1) - first.fromOffset * 60_000,
        fromOffset: first.fromOffset,
        toOffset: first.fromOffset,
      },
      [],
      'STANDARD',
    ),
  );
  // Group the changes that follow one yearly pattern; list the rest one by one.
  const groups = new Map<
    string,
    { pattern: ReturnType<typeof yearlyPattern>; items: Transition[] }
  >();
  for (const transition of transitions) {
    const pattern = yearlyPattern(transition);
    const group = groups.get(pattern.key) ?? { pattern, items: [] };
    group.items.push(transition);
    groups.set(pattern.key, group);
  }
  for (const { pattern, items } of groups.values()) {
    const yearly =
      items.length >= 2 &&
      items.every(
        (item, index) =>
          index === 0 ||
          new Date(item.atMs).getUTCFullYear() -
            new Date(items[index - 1]!.atMs).getUTCFullYear() ===
            1,
      );
    if (!yearly) {
      for (const item of items) lines.push(...observance(item));
      continue;
    }
    const last = items.at(-1)!;
    // Still the zone's rule at the end of the scanned range? Then leave the rule open-ended.
    const ongoing = last.atMs > end - 366 * DAY;
    const until = ongoing
      ? ''
      : `;UNTIL=${new Date(last.atMs)
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, '')}`;
    lines.push(
      ...observance(items[0]!, [
        `RRULE:FREQ=YEARLY;BYMONTH=${pattern.month};BYDAY=${pattern.byDay}${until}`,
      ]),
    );
  }
  lines.push('END:VTIMEZONE');
  return lines;
}
