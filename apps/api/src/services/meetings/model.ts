import type { Meeting as MeetingBody, MeetingInvitee } from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import type { Prisma } from '../../db/generated/client';
import { AppError } from '../../errors';
import { describeRecurrenceRule, parseRecurrenceRule } from './recurrence';
import {
  expandOccurrences,
  scheduleLocalTimes,
  scheduleStartMs,
  seriesHorizonMs,
  type OccurrenceOverride,
  type Schedule,
} from './schedule';
import { parseLocalDateTime } from './time-zones';

/** A meeting as loaded with everything the services need. */
export type MeetingRecord = Prisma.MeetingGetPayload<{
  include: { invitees: true; overrides: true };
}>;

export const MEETING_INCLUDE = {
  invitees: { orderBy: { createdAt: 'asc' } },
  overrides: true,
} as const;

/** How long after an occurrence's scheduled end people may still join (meetings overrun). */
export const LATE_JOIN_MINUTES = 120;

export function meetingNotFound(): AppError {
  return new AppError('not_found', 'There is no such meeting, or you are not invited to it.');
}

export async function loadMeeting(
  db: DbOrTx,
  where: { meetingId: string; orgId?: string },
): Promise<MeetingRecord | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(where.meetingId)) {
    return null;
  }
  const meeting = await db.meeting.findUnique({
    where: { id: where.meetingId },
    include: MEETING_INCLUDE,
  });
  if (!meeting || (where.orgId !== undefined && meeting.orgId !== where.orgId)) return null;
  return meeting;
}

export function scheduleOf(
  meeting: Pick<MeetingRecord, 'startLocal' | 'timeZone' | 'durationMinutes' | 'recurrence'>,
): Schedule {
  const startLocal = parseLocalDateTime(meeting.startLocal);
  if (!startLocal) throw new Error(`meeting has an unreadable start ${meeting.startLocal}`);
  return {
    startLocal,
    timeZone: meeting.timeZone,
    durationMinutes: meeting.durationMinutes,
    rule: meeting.recurrence ? parseRecurrenceRule(meeting.recurrence) : null,
  };
}

export function overridesOf(meeting: Pick<MeetingRecord, 'overrides'>): OccurrenceOverride[] {
  return meeting.overrides.map((override) => ({
    occurrenceId: override.occurrenceId,
    cancelled: override.cancelled,
    startMs: override.startsAt?.getTime() ?? null,
    endMs: override.endsAt?.getTime() ?? null,
    title: override.title,
  }));
}

/**
 * The end of the last occurrence (for range queries), or null when the series has no end.
 * Moved occurrences count, wherever they were moved to.
 */
export function seriesEnd(
  schedule: Schedule,
  overrides: readonly OccurrenceOverride[],
): Date | null {
  const startMs = scheduleStartMs(schedule);
  const durationMs = schedule.durationMinutes * 60_000;
  let endMs: number;
  const rule = schedule.rule;
  if (!rule) endMs = startMs + durationMs;
  else if (rule.count === undefined && rule.until === undefined) return null;
  else if (rule.until !== undefined) {
    // An upper bound is enough for range queries, and needs no walk over the whole series.
    endMs = Math.min(rule.until, seriesHorizonMs(schedule)) + durationMs;
  } else {
    const all = expandOccurrences(schedule, [], {
      fromMs: startMs,
      toMs: seriesHorizonMs(schedule),
      limit: rule.count ?? 1,
    });
    endMs = all.at(-1)?.endMs ?? startMs + durationMs;
  }
  for (const override of overrides) {
    if (override.endMs !== null) endMs = Math.max(endMs, override.endMs);
  }
  return new Date(endMs);
}

export interface PersonInfo {
  id: string;
  email: string;
  displayName: string;
}

export async function usersById(
  db: DbOrTx,
  ids: readonly (string | null)[],
): Promise<Map<string, PersonInfo>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  const users = await db.user.findMany({
    where: { id: { in: wanted } },
    select: { id: true, email: true, displayName: true },
  });
  return new Map(users.map((user) => [user.id, user]));
}

export interface MeetingLinks {
  page: string;
  lobby: string;
  ics: string;
}

export function meetingLinks(
  publicUrl: string,
  meeting: { id: string; orgId: string },
): MeetingLinks {
  return {
    page: `${publicUrl}/orgs/${meeting.orgId}/meetings/${meeting.id}`,
    lobby: `${publicUrl}/join/${meeting.id}`,
    ics: `${publicUrl}/api/orgs/${meeting.orgId}/meetings/${meeting.id}/ics`,
  };
}

export interface ViewerAccess {
  userId: string;
  orgRole: 'owner' | 'admin' | 'compliance' | 'member';
  isHost: boolean;
  canEdit: boolean;
  invitation: MeetingRecord['invitees'][number] | null;
  /** Joins without waiting in the lobby. */
  joinsDirectly: boolean;
}

export function presentInvitee(
  invitee: MeetingRecord['invitees'][number],
  users: Map<string, PersonInfo>,
): MeetingInvitee {
  const user = invitee.userId ? users.get(invitee.userId) : undefined;
  return {
    id: invitee.id,
    email: invitee.email,
    userId: invitee.userId,
    displayName: user?.displayName ?? null,
    kind: invitee.userId ? 'member' : 'outside',
    role: invitee.role,
    response: invitee.response,
    respondedAt: invitee.respondedAt?.toISOString() ?? null,
  };
}

export function presentMeeting(
  meeting: MeetingRecord,
  access: ViewerAccess,
  users: Map<string, PersonInfo>,
  publicUrl: string,
): Omit<MeetingBody, 'policy' | 'effectivePolicy'> {
  const schedule = scheduleOf(meeting);
  const startMs = scheduleStartMs(schedule);
  const times = scheduleLocalTimes(schedule);
  const creator = meeting.createdById ? users.get(meeting.createdById) : undefined;
  const hosts = meeting.invitees
    .filter((invitee) => invitee.role === 'host' && invitee.userId)
    .map((invitee) => users.get(invitee.userId ?? ''))
    .filter((user): user is PersonInfo => user !== undefined)
    .map((user) => ({ userId: user.id, email: user.email, displayName: user.displayName }));
  return {
    id: meeting.id,
    orgId: meeting.orgId,
    title: meeting.title,
    description: meeting.description,
    timeZone: meeting.timeZone,
    startLocal: times.startLocal,
    endLocal: times.endLocal,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + meeting.durationMinutes * 60_000).toISOString(),
    durationMinutes: meeting.durationMinutes,
    recurrence: meeting.recurrence,
    recurrenceText: schedule.rule ? describeRecurrenceRule(schedule.rule, meeting.timeZone) : null,
    status: meeting.status,
    sequence: meeting.sequence,
    guests: meeting.guests,
    e2ee: meeting.e2ee,
    audience: meeting.audience,
    earlyJoinMinutes: meeting.earlyJoinMinutes,
    hasPasscode: meeting.passcodeHash !== null,
    createdBy: creator
      ? { userId: creator.id, email: creator.email, displayName: creator.displayName }
      : null,
    hosts,
    invitees: meeting.invitees.map((invitee) => presentInvitee(invitee, users)),
    exceptions: meeting.overrides
      .map((override) => ({
        occurrenceId: override.occurrenceId,
        cancelled: override.cancelled,
        start: override.startsAt?.toISOString() ?? null,
        end: override.endsAt?.toISOString() ?? null,
        title: override.title,
      }))
      .sort((a, b) => a.occurrenceId.localeCompare(b.occurrenceId)),
    viewer: {
      isHost: access.isHost,
      canEdit: access.canEdit,
      invitation: access.invitation
        ? { id: access.invitation.id, response: access.invitation.response }
        : null,
      joinsDirectly: access.joinsDirectly,
    },
    links: meetingLinks(publicUrl, meeting),
    createdAt: meeting.createdAt.toISOString(),
    updatedAt: meeting.updatedAt.toISOString(),
  };
}
