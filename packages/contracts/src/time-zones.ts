/**
 * Wall-clock times in IANA time zones, read from the platform's time zone database (Intl), so
 * the API (Node) and the portal (browser) convert between instants and local times the same
 * way. Pure: no I/O, nothing but Intl and Date.
 */

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

export interface LocalDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time (to the second) at `instantMs` in `timeZone`. */
export function utcToZoned(
  instantMs: number,
  timeZone: string,
): LocalDateTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** UTC offset in minutes at an instant (Berlin in winter: 60). */
export function offsetMinutesAt(instantMs: number, timeZone: string): number {
  const local = utcToZoned(instantMs, timeZone);
  const asUtc = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `2026-12-01T09:30`: the form of `<input type="datetime-local">` and of the API's fields. */
export function formatLocalDateTime(local: LocalDateTime): string {
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}`;
}

/** The local time as if it were UTC: the "floating" instant recurrence rules are expanded on. */
export function floatingMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
}

export type LocalTimeKind = 'exact' | 'skipped' | 'repeated';

/**
 * The instant of a wall-clock time in a time zone, as RFC 5545 (3.3.5) resolves the two
 * awkward cases: a time that does not exist (the clocks jumped over it) is read with the
 * offset before the jump, which lands as far after the jump as it was into it (02:30 on the
 * spring-forward day in Berlin becomes 03:30 CEST); a time that happens twice (the clocks went
 * back) means the first of the two.
 */
export function zonedToUtc(
  local: LocalDateTime,
  timeZone: string,
): { instantMs: number; kind: LocalTimeKind } {
  const floating = floatingMs(local);
  const before = offsetMinutesAt(floating - 36 * 3_600_000, timeZone);
  const after = offsetMinutesAt(floating + 36 * 3_600_000, timeZone);
  const solutions = [...new Set([before, after])]
    .map((offset) => floating - offset * 60_000)
    .filter((candidate) => floatingMs(truncate(utcToZoned(candidate, timeZone))) === floating)
    .sort((a, b) => a - b);
  const first = solutions[0];
  if (first !== undefined) {
    return { instantMs: first, kind: solutions.length > 1 ? 'repeated' : 'exact' };
  }
  return { instantMs: floating - before * 60_000, kind: 'skipped' };
}

function truncate(local: LocalDateTime & { second?: number }): LocalDateTime {
  return {
    year: local.year,
    month: local.month,
    day: local.day,
    hour: local.hour,
    minute: local.minute,
  };
}

/** Parses `2026-12-01T09:30`, refusing impossible dates like 2026-02-30. */
export function parseLocalDateTime(value: string): LocalDateTime | null {
  const match = LOCAL_PATTERN.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || year < 1970 || year > 2200) {
    return null;
  }
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  return { year, month, day, hour, minute };
}

/** `20261201T083000Z`: an instant in iCalendar's basic UTC form (occurrence ids, DTSTAMP). */
export function formatUtcBasic(instantMs: number): string {
  return new Date(instantMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
