import type { RsvpResponse } from '@conclave/contracts';
import { formatRecurrenceRule } from '../meetings/recurrence';
import {
  expandOccurrences,
  findOccurrence,
  scheduleStartMs,
  type OccurrenceOverride,
  type Schedule,
} from '../meetings/schedule';
import {
  formatLocalBasic,
  formatUtcBasic,
  parseUtcBasic,
  utcToZoned,
} from '../meetings/time-zones';
import { vtimezoneLines } from './vtimezone';

/**
 * iCalendar (RFC 5545) files for meetings, and the iTIP methods (RFC 5546) that invitations
 * use: REQUEST for an invitation or an update, CANCEL for a cancellation, PUBLISH (or none) for
 * downloads and the personal feed. One UID per meeting for its whole life; SEQUENCE rises with
 * every change that is mailed, so calendar programs replace the old version instead of adding
 * a second event. Times are local with a TZID and a VTIMEZONE (UTC meetings use UTC times).
 */

export const PRODUCT_ID = '-//Conclave//Meetings//EN';
export const ICS_CONTENT_TYPE = 'text/calendar; charset=utf-8';

export type IcsMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

export interface IcsPerson {
  email: string;
  name: string | null;
}

export interface IcsAttendee extends IcsPerson {
  role: 'host' | 'attendee';
  response: RsvpResponse;
}

export interface IcsMeeting {
  uid: string;
  sequence: number;
  title: string;
  description: string;
  /** The meeting's page, or for outsiders the lobby link (never a link secret). */
  url: string;
  status: 'scheduled' | 'cancelled';
  schedule: Schedule;
  overrides: readonly OccurrenceOverride[];
  organizer: IcsPerson | null;
  attendees: readonly IcsAttendee[];
  createdMs: number;
  updatedMs: number;
}

/** Escapes TEXT values (RFC 5545, 3.3.11). */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** A parameter value, quoted when it holds characters that would end it (RFC 5545, 3.2). */
function paramValue(value: string): string {
  const clean = value.replace(/["\p{Cc}]/gu, '');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545, 3.1). */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let currentBytes = 0;
  let limit = 75;
  for (const char of line) {
    const bytes = encoder.encode(char).length;
    if (currentBytes + bytes > limit) {
      parts.push(current);
      current = '';
      currentBytes = 0;
      limit = 74; // continuation lines start with a space
    }
    current += char;
    currentBytes += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const PARTSTAT: Record<RsvpResponse, string> = {
  needs_action: 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

function mailto(person: IcsPerson): string {
  return `mailto:${person.email}`;
}

const isUtcZone = (timeZone: string) => timeZone === 'UTC' || timeZone === 'Etc/UTC';

function dateTime(name: string, instantMs: number, timeZone: string): string {
  if (isUtcZone(timeZone)) return `${name}:${formatUtcBasic(instantMs)}`;
  return `${name};TZID=${timeZone}:${formatLocalBasic(utcToZoned(instantMs, timeZone))}`;
}

interface EventParts {
  meeting: IcsMeeting;
  method: IcsMethod | null;
  dtstampMs: number;
}

function commonProperties(
  { meeting, method, dtstampMs }: EventParts,
  cancelled: boolean,
): string[] {
  const lines = [
    `UID:${meeting.uid}`,
    `DTSTAMP:${formatUtcBasic(dtstampMs)}`,
    `SEQUENCE:${meeting.sequence}`,
    `CREATED:${formatUtcBasic(meeting.createdMs)}`,
    `LAST-MODIFIED:${formatUtcBasic(meeting.updatedMs)}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    `URL:${meeting.url}`,
    `LOCATION:${escapeText(meeting.url)}`,
    'TRANSP:OPAQUE',
  ];
  if (meeting.organizer) {
    const name = meeting.organizer.name ? `;CN=${paramValue(meeting.organizer.name)}` : '';
    lines.push(`ORGANIZER${name}:${mailto(meeting.organizer)}`);
  }
  for (const attendee of meeting.attendees) {
    const params = [
      attendee.name ? `CN=${paramValue(attendee.name)}` : null,
      'CUTYPE=INDIVIDUAL',
      `ROLE=${attendee.role === 'host' ? 'CHAIR' : 'REQ-PARTICIPANT'}`,
      `PARTSTAT=${PARTSTAT[attendee.response]}`,
      method === 'REQUEST' && attendee.role !== 'host' ? 'RSVP=TRUE' : null,
    ].filter((param): param is string => param !== null);
    lines.push(`ATTENDEE;${params.join(';')}:${mailto(attendee)}`);
  }
  return lines;
}

function seriesEvent(parts: EventParts): string[] {
  const { meeting } = parts;
  const { schedule } = meeting;
  const startMs = scheduleStartMs(schedule);
  const lines = ['BEGIN:VEVENT', ...commonProperties(parts, meeting.status === 'cancelled')];
  lines.push(
    `SUMMARY:${escapeText(meeting.title)}`,
    `DESCRIPTION:${escapeText(meeting.description)}`,
    dateTime('DTSTART', startMs, schedule.timeZone),
    dateTime('DTEND', startMs + schedule.durationMinutes * 60_000, schedule.timeZone),
  );
  if (schedule.rule) {
    lines.push(`RRULE:${formatRecurrenceRule(schedule.rule)}`);
    for (const override of meeting.overrides) {
      const original = parseUtcBasic(override.occurrenceId);
      if (override.cancelled && original !== null) {
        lines.push(dateTime('EXDATE', original, schedule.timeZone));
      }
    }
  }
  lines.push('END:VEVENT');
  return lines;
}

/** A VEVENT for one occurrence that differs from the series (moved, retitled or cancelled). */
function occurrenceEvent(parts: EventParts, override: OccurrenceOverride): string[] | null {
  const { meeting } = parts;
  const occurrence = findOccurrence(meeting.schedule, meeting.overrides, override.occurrenceId);
  if (!occurrence) return null;
  const cancelled = occurrence.cancelled || meeting.status === 'cancelled';
  const timeZone = meeting.schedule.timeZone;
  return [
    'BEGIN:VEVENT',
    ...commonProperties(parts, cancelled),
    dateTime('RECURRENCE-ID', occurrence.originalStartMs, timeZone),
    `SUMMARY:${escapeText(occurrence.title ?? meeting.title)}`,
    `DESCRIPTION:${escapeText(meeting.description)}`,
    dateTime('DTSTART', occurrence.startMs, timeZone),
    dateTime('DTEND', occurrence.endMs, timeZone),
    'END:VEVENT',
  ];
}

function timeRange(meeting: IcsMeeting): { fromMs: number; toMs: number } {
  const startMs = scheduleStartMs(meeting.schedule);
  const rule = meeting.schedule.rule;
  let toMs = startMs + meeting.schedule.durationMinutes * 60_000;
  if (rule) {
    if (rule.until !== undefined) toMs = rule.until;
    else if (rule.count !== undefined) {
      const all = expandOccurrences(meeting.schedule, [], {
        fromMs: startMs,
        toMs: startMs + 30 * 366 * 24 * 3_600_000,
        limit: rule.count,
      });
      toMs = all.at(-1)?.endMs ?? toMs;
    } else toMs = startMs + 2 * 366 * 24 * 3_600_000;
  }
  for (const override of meeting.overrides) {
    if (override.endMs !== null) toMs = Math.max(toMs, override.endMs);
  }
  return { fromMs: startMs, toMs };
}

function calendar(method: IcsMethod | null, name: string | null, body: string[]): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODUCT_ID}`,
    'CALSCALE:GREGORIAN',
    ...(method ? [`METHOD:${method}`] : []),
    ...(name ? [`X-WR-CALNAME:${escapeText(name)}`] : []),
    ...body,
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}

function zones(meetings: readonly IcsMeeting[]): string[] {
  const ranges = new Map<string, { fromMs: number; toMs: number }>();
  for (const meeting of meetings) {
    const zone = meeting.schedule.timeZone;
    if (isUtcZone(zone)) continue;
    const range = timeRange(meeting);
    const known = ranges.get(zone);
    ranges.set(
      zone,
      known
        ? { fromMs: Math.min(known.fromMs, range.fromMs), toMs: Math.max(known.toMs, range.toMs) }
        : range,
    );
  }
  return [...ranges].flatMap(([zone, range]) => vtimezoneLines(zone, range.fromMs, range.toMs));
}

/**
 * The whole meeting: the series (with RRULE and EXDATEs) and an event per changed occurrence.
 * REQUEST for invitations and updates, CANCEL when the series is cancelled, null/PUBLISH for
 * downloads.
 */
export function meetingCalendar(
  meeting: IcsMeeting,
  options: { method: IcsMethod | null; dtstampMs: number },
): string {
  const parts: EventParts = { meeting, method: options.method, dtstampMs: options.dtstampMs };
  const events = [
    ...seriesEvent(parts),
    ...(meeting.schedule.rule
      ? meeting.overrides
          .filter((override) => !override.cancelled)
          .flatMap((override) => occurrenceEvent(parts, override) ?? [])
      : []),
  ];
  return calendar(options.method, null, [...zones([meeting]), ...events]);
}

/**
 * One occurrence only, as iTIP sends a change to a single instance: REQUEST for a moved or
 * retitled occurrence, CANCEL for a cancelled one (RECURRENCE-ID names it).
 */
export function occurrenceCalendar(
  meeting: IcsMeeting,
  occurrenceId: string,
  options: { method: 'REQUEST' | 'CANCEL'; dtstampMs: number },
): string {
  const parts: EventParts = { meeting, method: options.method, dtstampMs: options.dtstampMs };
  const override = meeting.overrides.find((item) => item.occurrenceId === occurrenceId) ?? {
    occurrenceId,
    cancelled: options.method === 'CANCEL',
    startMs: null,
    endMs: null,
    title: null,
  };
  const event = occurrenceEvent(parts, override);
  if (!event) throw new Error(`occurrenceCalendar: ${occurrenceId} is not an occurrence`);
  return calendar(options.method, null, [...zones([meeting]), ...event]);
}

/** A personal feed: every meeting of the viewer, for calendar subscriptions. */
export function feedCalendar(
  name: string,
  meetings: readonly IcsMeeting[],
  options: { dtstampMs: number },
): string {
  const body = meetings.flatMap((meeting) => {
    const parts: EventParts = { meeting, method: null, dtstampMs: options.dtstampMs };
    return [
      ...seriesEvent(parts),
      ...(meeting.schedule.rule
        ? meeting.overrides
            .filter((override) => !override.cancelled)
            .flatMap((override) => occurrenceEvent(parts, override) ?? [])
        : []),
    ];
  });
  return calendar('PUBLISH', name, [...zones(meetings), ...body]);
}
