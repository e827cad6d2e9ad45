/**
 * Wall-clock times in IANA time zones, with the platform's time zone database (Intl). A
 * meeting is scheduled in local time ("09:00 in Europe/Berlin") and must stay at 09:00 local
 * when the clocks change, so recurrences are expanded in local time and each occurrence is
 * converted to an instant. The conversions both ways are shared with the portal
 * (`@conclave/contracts`); the iCalendar forms and validation live here.
 */

import { formatUtcBasic, type LocalDateTime } from '@conclave/contracts';

export {
  floatingMs,
  formatLocalDateTime,
  formatUtcBasic,
  offsetMinutesAt,
  parseLocalDateTime,
  utcToZoned,
  zonedToUtc,
  type LocalDateTime,
  type LocalTimeKind,
} from '@conclave/contracts';

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

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

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
