import {
  RecurrenceError,
  formatRecurrenceRule,
  parseRecurrenceRule,
  type RecurrenceRule,
} from './recurrence';
import { HORIZON_YEARS, MAX_PERIODS, horizonEnd, walkRule } from './expansion';
import {
  floatingMs,
  floatingToLocal,
  formatLocalDateTime,
  formatUtcBasic,
  isValidTimeZone,
  parseLocalDateTime,
  parseUtcBasic,
  utcToZoned,
  zonedToUtc,
  type LocalDateTime,
} from './time-zones';

/**
 * A meeting's schedule and its occurrences: plain data in, plain data out (no database, no
 * clock). An occurrence is named by its original start in UTC (`20261201T083000Z`), which
 * stays its name when a host moves it, as RECURRENCE-ID does in calendars.
 */

export interface Schedule {
  startLocal: LocalDateTime;
  timeZone: string;
  durationMinutes: number;
  rule: RecurrenceRule | null;
}

/** A change to one occurrence (an exception to the series). */
export interface OccurrenceOverride {
  occurrenceId: string;
  cancelled: boolean;
  /** New start and end when moved; null keeps the series' time. */
  startMs: number | null;
  endMs: number | null;
  title: string | null;
}

export interface ComputedOccurrence {
  occurrenceId: string;
  originalStartMs: number;
  startMs: number;
  endMs: number;
  cancelled: boolean;
  moved: boolean;
  title: string | null;
}

export const MAX_DURATION_MINUTES = 24 * 60;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The last instant expansions consider (year 9999, rrule.js's own limit). */
const MAX_INSTANT = Date.UTC(9999, 11, 31);

export interface ScheduleIssue {
  field: 'startLocal' | 'endLocal' | 'timeZone' | 'recurrence';
  message: string;
}

export type ScheduleResult =
  | { ok: true; schedule: Schedule; recurrence: string | null }
  | { ok: false; issues: ScheduleIssue[] };

/**
 * Checks what a person typed into the scheduling form and turns it into a schedule, or says
 * every field that is wrong: unknown time zone, impossible or non-existent local times (a
 * time the clocks skip), an end before the start, a malformed rule, or a rule whose first
 * occurrence is not the meeting's start.
 */
export function validateSchedule(input: {
  startLocal: string;
  endLocal: string;
  timeZone: string;
  recurrence: string | null;
}): ScheduleResult {
  const issues: ScheduleIssue[] = [];
  const timeZoneOk = isValidTimeZone(input.timeZone);
  if (!timeZoneOk) {
    issues.push({
      field: 'timeZone',
      message: `"${input.timeZone}" is not a known time zone (use an IANA name like Europe/Berlin)`,
    });
  }
  const start = parseLocalDateTime(input.startLocal);
  if (!start) issues.push({ field: 'startLocal', message: 'is not a real date and time' });
  const end = parseLocalDateTime(input.endLocal);
  if (!end) issues.push({ field: 'endLocal', message: 'is not a real date and time' });

  let rule: RecurrenceRule | null = null;
  if (input.recurrence !== null && input.recurrence.trim() !== '') {
    try {
      rule = parseRecurrenceRule(input.recurrence);
    } catch (error) {
      if (!(error instanceof RecurrenceError)) throw error;
      issues.push({ field: 'recurrence', message: `is not a valid rule: ${error.message}` });
    }
  }
  if (!timeZoneOk || !start || !end) return { ok: false, issues };

  const startAt = zonedToUtc(start, input.timeZone);
  const endAt = zonedToUtc(end, input.timeZone);
  if (startAt.kind === 'skipped') {
    issues.push({
      field: 'startLocal',
      message: `${input.startLocal} does not exist in ${input.timeZone}: the clocks go forward over it`,
    });
  }
  if (endAt.kind === 'skipped') {
    issues.push({
      field: 'endLocal',
      message: `${input.endLocal} does not exist in ${input.timeZone}: the clocks go forward over it`,
    });
  }
  const durationMinutes = Math.round((endAt.instantMs - startAt.instantMs) / MINUTE);
  if (endAt.instantMs < startAt.instantMs) {
    issues.push({ field: 'endLocal', message: 'the meeting ends before it starts' });
  } else if (durationMinutes < 1) {
    issues.push({ field: 'endLocal', message: 'the meeting must last at least a minute' });
  } else if (durationMinutes > MAX_DURATION_MINUTES) {
    issues.push({ field: 'endLocal', message: 'a meeting can last at most 24 hours' });
  }
  if (issues.length > 0) return { ok: false, issues };

  const schedule: Schedule = { startLocal: start, timeZone: input.timeZone, durationMinutes, rule };
  if (rule) {
    const first = originalStarts(schedule, startAt.instantMs - DAY, startAt.instantMs + DAY, 1)[0];
    if (first === undefined || first !== startAt.instantMs) {
      const startOf = new Intl.DateTimeFormat('en-GB', {
        weekday: 'long',
        day: 'numeric',
        month: 'long',
        timeZone: 'UTC',
      }).format(new Date(floatingMs(start)));
      issues.push({
        field: 'recurrence',
        message:
          rule.until !== undefined && rule.until < startAt.instantMs
            ? 'the rule ends (UNTIL) before the meeting starts'
            : `the first occurrence must be the meeting's start (${startOf}), which the rule does not include`,
      });
      return { ok: false, issues };
    }
    const boundIssue = seriesBoundIssue(schedule, rule);
    if (boundIssue) return { ok: false, issues: [{ field: 'recurrence', message: boundIssue }] };
  }
  return { ok: true, schedule, recurrence: rule ? formatRecurrenceRule(rule) : null };
}

const PERIOD_NAMES = { DAILY: 'days', WEEKLY: 'weeks', MONTHLY: 'months', YEARLY: 'years' };

/** Why a rule reaches too far to expand on demand, or null (see expansion.ts). */
function seriesBoundIssue(schedule: Schedule, rule: RecurrenceRule) {
  if (rule.until !== undefined && rule.until > seriesHorizonMs(schedule)) {
    return `the rule must end (UNTIL) within ${HORIZON_YEARS} years of the meeting's start`;
  }
  if (rule.count === undefined) return null;
  const dtstart = floatingMs(schedule.startLocal);
  const walk = walkRule(rule, dtstart, undefined, {
    afterMs: dtstart,
    beforeMs: floatingMs(utcToZoned(MAX_INSTANT, schedule.timeZone)),
    limit: rule.count,
  });
  if (walk.dates.length >= rule.count) return null;
  const periods = MAX_PERIODS[rule.freq] * rule.interval;
  return `COUNT=${rule.count} reaches too far: a series with a count must end within ${periods} ${PERIOD_NAMES[rule.freq]} (and ${HORIZON_YEARS} years) of its start; use UNTIL or a smaller COUNT`;
}

/** The last instant the series can have an occurrence at (its start + HORIZON_YEARS). */
export function seriesHorizonMs(schedule: Schedule): number {
  const floating = horizonEnd(floatingMs(schedule.startLocal));
  return zonedToUtc(floatingToLocal(floating), schedule.timeZone).instantMs;
}

export function scheduleStartMs(schedule: Schedule): number {
  return zonedToUtc(schedule.startLocal, schedule.timeZone).instantMs;
}

function localWithSeconds(instantMs: number, timeZone: string): number {
  const local = utcToZoned(instantMs, timeZone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/**
 * Original starts (instants) of the series whose start lies in [fromMs, toMs], at most
 * `limit`, in order. Expansion happens on local wall-clock time, then each occurrence is
 * placed in the time zone (RFC 5545's rules for skipped and repeated local times). The walk
 * is bounded (expansion.ts): it starts near `fromMs`, stops at the series' bounds and visits
 * at most MAX_PERIODS periods, so no input makes one request expand for long.
 */
function originalStarts(schedule: Schedule, fromMs: number, toMs: number, limit: number): number[] {
  const startMs = scheduleStartMs(schedule);
  if (!schedule.rule) return startMs >= fromMs && startMs <= toMs ? [startMs] : [];
  if (toMs < startMs || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) return [];
  const untilFloating =
    schedule.rule.until !== undefined
      ? localWithSeconds(schedule.rule.until, schedule.timeZone)
      : undefined;
  // Local time differs from UTC by at most a day; widen, then filter on the real instants.
  const walk = walkRule(schedule.rule, floatingMs(schedule.startLocal), untilFloating, {
    afterMs: localWithSeconds(Math.max(fromMs, startMs), schedule.timeZone) - DAY,
    beforeMs: localWithSeconds(Math.min(toMs, MAX_INSTANT), schedule.timeZone) + DAY,
    limit: limit + 2,
  });
  const result: number[] = [];
  for (const date of walk.dates) {
    const instant = zonedToUtc(floatingToLocal(date), schedule.timeZone).instantMs;
    if (instant >= fromMs && instant <= toMs) result.push(instant);
    if (result.length >= limit) break;
  }
  return result;
}

function overrideMap(overrides: readonly OccurrenceOverride[]) {
  return new Map(overrides.map((override) => [override.occurrenceId, override]));
}

function compute(
  schedule: Schedule,
  originalStartMs: number,
  override: OccurrenceOverride | undefined,
): ComputedOccurrence {
  const duration = schedule.durationMinutes * MINUTE;
  const startMs = override?.startMs ?? originalStartMs;
  const endMs = override?.endMs ?? startMs + duration;
  return {
    occurrenceId: formatUtcBasic(originalStartMs),
    originalStartMs,
    startMs,
    endMs,
    cancelled: override?.cancelled ?? false,
    moved: startMs !== originalStartMs || endMs !== originalStartMs + duration,
    title: override?.title ?? null,
  };
}

/**
 * Occurrences that overlap [fromMs, toMs), moved ones at their new time, sorted by start.
 * Cancelled ones are included only when asked (agenda pages show them struck through).
 */
export function expandOccurrences(
  schedule: Schedule,
  overrides: readonly OccurrenceOverride[],
  window: { fromMs: number; toMs: number; limit?: number; includeCancelled?: boolean },
): ComputedOccurrence[] {
  const limit = window.limit ?? 500;
  const byId = overrideMap(overrides);
  const duration = schedule.durationMinutes * MINUTE;
  const result: ComputedOccurrence[] = [];
  for (const original of originalStarts(
    schedule,
    window.fromMs - duration,
    window.toMs,
    limit + byId.size,
  )) {
    const occurrence = compute(schedule, original, byId.get(formatUtcBasic(original)));
    if (occurrence.moved) continue; // placed below, at its new time
    if (occurrence.endMs > window.fromMs && occurrence.startMs < window.toMs)
      result.push(occurrence);
  }
  for (const override of byId.values()) {
    const original = parseUtcBasic(override.occurrenceId);
    if (original === null) continue;
    const occurrence = compute(schedule, original, override);
    if (!occurrence.moved) continue;
    if (occurrence.endMs > window.fromMs && occurrence.startMs < window.toMs)
      result.push(occurrence);
  }
  return result
    .filter((occurrence) => window.includeCancelled === true || !occurrence.cancelled)
    .sort((a, b) => a.startMs - b.startMs || a.originalStartMs - b.originalStartMs)
    .slice(0, limit);
}

/** The occurrence with this id, or null when the series has no such occurrence. */
export function findOccurrence(
  schedule: Schedule,
  overrides: readonly OccurrenceOverride[],
  occurrenceId: string,
): ComputedOccurrence | null {
  const original = parseUtcBasic(occurrenceId);
  if (original === null) return null;
  // Bounds first: before the series, after its UNTIL or beyond the horizon is no occurrence.
  if (original < scheduleStartMs(schedule) || original > seriesHorizonMs(schedule)) return null;
  if (schedule.rule?.until !== undefined && original > schedule.rule.until) return null;
  const found = originalStarts(schedule, original, original, 1)[0];
  if (found !== original) return null;
  return compute(schedule, original, overrideMap(overrides).get(occurrenceId));
}

/**
 * The occurrence someone joining at `nowMs` means: the one in progress (or opening soon,
 * within `earlyJoinMinutes`), else the next one. null when the series is over.
 */
export function currentOrNextOccurrence(
  schedule: Schedule,
  overrides: readonly OccurrenceOverride[],
  nowMs: number,
  options: { earlyJoinMinutes: number; lateJoinMinutes: number },
): ComputedOccurrence | null {
  const candidates = expandOccurrences(schedule, overrides, {
    fromMs: nowMs - options.lateJoinMinutes * MINUTE,
    toMs: nowMs + 400 * DAY,
    limit: 20,
  });
  const open = candidates.find((occurrence) => joinWindow(occurrence, options).contains(nowMs));
  if (open) return open;
  return candidates.find((occurrence) => occurrence.startMs > nowMs) ?? null;
}

/**
 * When people may join an occurrence: from `earlyJoinMinutes` before its start until
 * `lateJoinMinutes` after its scheduled end (meetings overrun; a host can end it earlier).
 */
export function joinWindow(
  occurrence: Pick<ComputedOccurrence, 'startMs' | 'endMs'>,
  options: { earlyJoinMinutes: number; lateJoinMinutes: number },
) {
  const opensAtMs = occurrence.startMs - options.earlyJoinMinutes * MINUTE;
  const closesAtMs = occurrence.endMs + options.lateJoinMinutes * MINUTE;
  return {
    opensAtMs,
    closesAtMs,
    contains: (nowMs: number) => nowMs >= opensAtMs && nowMs <= closesAtMs,
  };
}

/** Local start and end of the series' first occurrence, as the form shows them. */
export function scheduleLocalTimes(schedule: Schedule): { startLocal: string; endLocal: string } {
  const startMs = scheduleStartMs(schedule);
  const end = utcToZoned(startMs + schedule.durationMinutes * MINUTE, schedule.timeZone);
  return {
    startLocal: formatLocalDateTime(schedule.startLocal),
    endLocal: formatLocalDateTime(end),
  };
}
