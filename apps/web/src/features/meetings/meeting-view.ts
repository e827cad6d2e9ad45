import type { Meeting, MeetingInvitee, Occurrence, RsvpResponse } from '@conclave/contracts';
import { isJoinable, JOIN_OPENS_MINUTES_BEFORE } from './agenda';
import { formatDay, formatRange, formatTime } from './time';

/** What the meeting page shows, worked out from the API's answers; the page only renders it. */

export const RESPONSE_LABELS: Record<RsvpResponse, string> = {
  accepted: 'Accepted',
  declined: 'Declined',
  tentative: 'Maybe',
  needs_action: 'No answer yet',
};

export function responseCounts(invitees: readonly MeetingInvitee[]): Record<RsvpResponse, number> {
  const counts: Record<RsvpResponse, number> = {
    accepted: 0,
    declined: 0,
    tentative: 0,
    needs_action: 0,
  };
  for (const invitee of invitees) counts[invitee.response] += 1;
  return counts;
}

export interface InviteeRow {
  id: string;
  name: string;
  detail: string;
  role: 'Host' | 'Invitee';
  response: string;
  responseTone: 'brand' | 'neutral' | 'warning';
}

export function inviteeRows(meeting: Meeting): InviteeRow[] {
  return [...meeting.invitees]
    .sort((a, b) =>
      a.role === b.role
        ? (a.displayName ?? a.email).localeCompare(b.displayName ?? b.email)
        : a.role === 'host'
          ? -1
          : 1,
    )
    .map((invitee) => ({
      id: invitee.id,
      name: invitee.displayName ?? invitee.email,
      detail:
        invitee.kind === 'outside' ? `${invitee.email} · outside the organisation` : invitee.email,
      role: invitee.role === 'host' ? 'Host' : 'Invitee',
      response: RESPONSE_LABELS[invitee.response],
      responseTone:
        invitee.response === 'accepted'
          ? 'brand'
          : invitee.response === 'declined'
            ? 'warning'
            : 'neutral',
    }));
}

export interface WhenView {
  /** In the viewer's zone. */
  day: string;
  time: string;
  /** The meeting's own zone, when it differs from the viewer's. */
  meetingZone: string | null;
  repeats: string | null;
}

export function describeWhen(
  occurrence: Pick<Occurrence, 'start' | 'end'>,
  meeting: Pick<Meeting, 'timeZone' | 'recurrenceText'>,
  viewerZone: string,
  locale?: string,
): WhenView {
  const start = Date.parse(occurrence.start);
  const end = Date.parse(occurrence.end);
  const mine = formatRange(start, end, viewerZone, locale);
  const theirs = formatRange(start, end, meeting.timeZone, locale);
  return {
    day: formatDay(start, viewerZone, locale),
    time: mine,
    meetingZone:
      meeting.timeZone === viewerZone || mine === theirs
        ? null
        : `${theirs} in ${meeting.timeZone}`,
    repeats: meeting.recurrenceText ? `Repeats ${meeting.recurrenceText}` : null,
  };
}

export type JoinState =
  | { kind: 'open'; occurrence: Occurrence }
  | { kind: 'later'; occurrence: Occurrence; opensAt: string }
  | { kind: 'none'; reason: string };

/** Whether the join button works now, for the next occurrence that is not over. */
export function joinState(
  meeting: Pick<Meeting, 'status'>,
  occurrences: readonly Occurrence[],
  nowMs: number,
  viewerZone: string,
  locale?: string,
): JoinState {
  if (meeting.status === 'cancelled')
    return { kind: 'none', reason: 'This meeting was cancelled.' };
  const upcoming = occurrences
    .filter((o) => !o.cancelled && (isJoinable(o, nowMs) || Date.parse(o.start) > nowMs))
    .sort((a, b) => a.start.localeCompare(b.start));
  const open = upcoming.find((o) => isJoinable(o, nowMs));
  if (open) return { kind: 'open', occurrence: open };
  const next = upcoming[0];
  if (!next) return { kind: 'none', reason: 'There are no more occurrences of this meeting.' };
  const opens = Date.parse(next.start) - JOIN_OPENS_MINUTES_BEFORE * 60_000;
  return {
    kind: 'later',
    occurrence: next,
    opensAt: `${formatDay(opens, viewerZone, locale)}, ${formatTime(opens, viewerZone, locale)}`,
  };
}

/** Where the join button goes: the meeting room (members add their org). */
export function roomHref(meeting: Pick<Meeting, 'id' | 'orgId'>): string {
  return `/meet/${meeting.id}?org=${meeting.orgId}`;
}
