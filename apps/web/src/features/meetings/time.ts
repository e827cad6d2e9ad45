/**
 * Dates and times for the scheduling pages, in the viewer's or the meeting's time zone, with
 * the browser's time zone database (Intl). Pure functions; tested beside.
 */

import {
  formatLocalDateTime,
  parseLocalDateTime,
  utcToZoned,
  zonedToUtc,
} from '@conclave/contracts';

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function timeZoneNames(): string[] {
  const names = Intl.supportedValuesOf('timeZone');
  return names.includes('UTC') ? names : ['UTC', ...names];
}

/** `2026-12-01T09:30` for an instant in a zone. */
export function localDateTime(instantMs: number, timeZone: string): string {
  return formatLocalDateTime(utcToZoned(instantMs, timeZone));
}

/** The calendar day (`2026-12-01`) of an instant in a zone. */
export function localDay(instantMs: number, timeZone: string): string {
  return localDateTime(instantMs, timeZone).slice(0, 10);
}

/**
 * The instant of a wall-clock time in a zone, resolved as the API resolves it (a skipped time
 * moves past the jump, a repeated one means the first); null for a malformed or impossible one.
 */
export function zonedToInstant(local: string, timeZone: string): number | null {
  const parsed = parseLocalDateTime(local);
  return parsed ? zonedToUtc(parsed, timeZone).instantMs : null;
}

export function formatTime(instantMs: number, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone }).format(instantMs);
}

export function formatDay(instantMs: number, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone,
  }).format(instantMs);
}

export function formatRange(
  startMs: number,
  endMs: number,
  timeZone: string,
  locale?: string,
): string {
  return `${formatTime(startMs, timeZone, locale)}–${formatTime(endMs, timeZone, locale)}`;
}

/** Adds days to a `YYYY-MM-DD` date. */
export function addDays(day: string, days: number): string {
  const [year = 0, month = 0, date = 0] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}
