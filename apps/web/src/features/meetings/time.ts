/**
 * Dates and times for the scheduling pages, in the viewer's or the meeting's time zone, with
 * the browser's time zone database (Intl). Pure functions; tested beside.
 */

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function timeZoneNames(): string[] {
  const names = Intl.supportedValuesOf('timeZone');
  return names.includes('UTC') ? names : ['UTC', ...names];
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsAt(instantMs: number, timeZone: string): Parts & { second: number } {
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
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instantMs))) {
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

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-12-01T09:30` for an instant in a zone. */
export function localDateTime(instantMs: number, timeZone: string): string {
  const p = partsAt(instantMs, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The calendar day (`2026-12-01`) of an instant in a zone. */
export function localDay(instantMs: number, timeZone: string): string {
  return localDateTime(instantMs, timeZone).slice(0, 10);
}

function offsetMinutes(instantMs: number, timeZone: string): number {
  const p = partsAt(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/** The instant of a wall-clock time in a zone (the earlier one when it happens twice). */
export function zonedToInstant(local: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!match) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0] = match.slice(1).map(Number);
  const floating = Date.UTC(year, month - 1, day, hour, minute);
  const candidates = [
    offsetMinutes(floating - 36 * 3_600_000, timeZone),
    offsetMinutes(floating + 36 * 3_600_000, timeZone),
  ]
    .map((offset) => floating - offset * 60_000)
    .filter((instant) => localDateTime(instant, timeZone) === local)
    .sort((a, b) => a - b);
  return candidates[0] ?? floating - offsetMinutes(floating - 36 * 3_600_000, timeZone) * 60_000;
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
