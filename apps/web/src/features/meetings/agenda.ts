import type { Occurrence } from '@conclave/contracts';
import { addDays, formatDay, formatRange, localDay } from './time';

/**
 * The agenda: occurrences grouped by day in the viewer's time zone, with what each row says
 * (time, whether it is on now, whether the time zone differs) decided here, not in the page.
 */

/** The server lets people in this long before and after an occurrence (docs/meetings.md). */
export const JOIN_OPENS_MINUTES_BEFORE = 10;
export const JOIN_CLOSES_MINUTES_AFTER = 120;

export type AgendaStatus = 'cancelled' | 'live' | 'soon' | 'upcoming' | 'past';

export interface AgendaItem {
  occurrence: Occurrence;
  key: string;
  title: string;
  timeLabel: string;
  /** The meeting's own time when it was scheduled in another zone, e.g. "09:00–10:00 Europe/Berlin". */
  meetingZoneLabel: string | null;
  status: AgendaStatus;
  joinable: boolean;
  href: string;
}

export interface AgendaDay {
  day: string;
  label: string;
  items: AgendaItem[];
}

export function agendaStatus(occurrence: Occurrence, nowMs: number): AgendaStatus {
  if (occurrence.cancelled) return 'cancelled';
  const start = Date.parse(occurrence.start);
  const end = Date.parse(occurrence.end);
  if (nowMs >= start && nowMs < end) return 'live';
  if (nowMs < start && start - nowMs <= JOIN_OPENS_MINUTES_BEFORE * 60_000) return 'soon';
  if (nowMs < start) return 'upcoming';
  return 'past';
}

export function isJoinable(occurrence: Occurrence, nowMs: number): boolean {
  if (occurrence.cancelled) return false;
  const opens = Date.parse(occurrence.start) - JOIN_OPENS_MINUTES_BEFORE * 60_000;
  const closes = Date.parse(occurrence.end) + JOIN_CLOSES_MINUTES_AFTER * 60_000;
  return nowMs >= opens && nowMs <= closes;
}

export function buildAgenda(
  occurrences: readonly Occurrence[],
  options: { orgId: string; timeZone: string; nowMs: number; locale?: string },
): AgendaDay[] {
  const { timeZone, nowMs, locale } = options;
  const today = localDay(nowMs, timeZone);
  const tomorrow = addDays(today, 1);
  const days = new Map<string, AgendaDay>();
  const sorted = [...occurrences].sort(
    (a, b) => a.start.localeCompare(b.start) || a.title.localeCompare(b.title),
  );
  for (const occurrence of sorted) {
    const start = Date.parse(occurrence.start);
    const end = Date.parse(occurrence.end);
    const day = localDay(start, timeZone);
    let group = days.get(day);
    if (!group) {
      const prefix = day === today ? 'Today · ' : day === tomorrow ? 'Tomorrow · ' : '';
      group = { day, label: `${prefix}${formatDay(start, timeZone, locale)}`, items: [] };
      days.set(day, group);
    }
    const sameZone =
      occurrence.timeZone === timeZone ||
      formatRange(start, end, occurrence.timeZone, locale) ===
        formatRange(start, end, timeZone, locale);
    group.items.push({
      occurrence,
      key: `${occurrence.meetingId}/${occurrence.occurrenceId}`,
      title: occurrence.title,
      timeLabel: formatRange(start, end, timeZone, locale),
      meetingZoneLabel: sameZone
        ? null
        : `${formatRange(start, end, occurrence.timeZone, locale)} ${occurrence.timeZone}`,
      status: agendaStatus(occurrence, nowMs),
      joinable: isJoinable(occurrence, nowMs),
      href: `/orgs/${options.orgId}/meetings/${occurrence.meetingId}`,
    });
  }
  return [...days.values()];
}

/** The range the agenda asks for: from the start of today (viewer's zone) for `days` days. */
export function agendaRange(nowMs: number, days = 28): { from: string; to: string } {
  const from = nowMs - 12 * 3_600_000;
  return {
    from: new Date(from).toISOString(),
    to: new Date(nowMs + days * 86_400_000).toISOString(),
  };
}
