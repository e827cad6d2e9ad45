/**
 * Wall-clock times in IANA time zones, with the platform's time zone database (Intl). A
 * meeting is scheduled in local time ("09:00 in Europe/Berlin") and must stay at 09:00 local
 * when the clocks change, so recurrences are expanded in local time and each occurrence is
 * converted to an instant here. Reading an instant's wall-clock time is shared with the portal
 * (`@conclave/contracts`).
 */

import { offsetMinutesAt, utcToZoned, type LocalDateTime } from '@conclave/contracts';

export {
  formatLocalDateTime,
  offsetMinutesAt,
  utcToZoned,
  type LocalDateTime,
} from '@conclave/contracts';

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

const supported = new Set(Intl.supportedValuesOf('timeZone'));

/** True for IANA names the platform knows (canonical or alias, e.g. Asia/Calcutta) and UTC. */
export function isValidTimeZone(timeZone: string): boolean {
  if (supported.has(timeZone) || timeZone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    // Intl also accepts offsets like "+01:00", which are not time zones (no DST rules).
    return /^[A-Za-z]+(?:[/_-][A-Za-z0-9_+-]+)*$/.test(timeZone);
  } catch {
    return false;
  }
}

/** The local time as if it were UTC: the "floating" instant recurrence rules are expanded on. */
export function floatingMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
}

export function floatingToLocal(ms: number): LocalDateTime {
  const date = new Date(ms);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
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

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** `20261201T083000Z`: an instant in iCalendar's basic UTC form (occurrence ids, DTSTAMP). */
export function formatUtcBasic(instantMs: number): string {
  return new Date(instantMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function parseUtcBasic(value: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return formatUtcBasic(ms) === value ? ms : null;
}

/** `20261201T093000`: a wall-clock time in iCalendar's basic local form (with TZID). */
export function formatLocalBasic(local: LocalDateTime & { second?: number }): string {
  return `${pad(local.year, 4)}${pad(local.month)}${pad(local.day)}T${pad(local.hour)}${pad(local.minute)}${pad(local.second ?? 0)}`;
}
