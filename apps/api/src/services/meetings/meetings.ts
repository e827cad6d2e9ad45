import { randomUUID } from 'node:crypto';
import type {
  CreateMeetingInput,
  Occurrence,
  OccurrenceList,
  RsvpResponse,
  UpdateMeetingInput,
  UpdateOccurrenceInput,
} from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { DbOrTx } from '../../db/transaction';
import { AppError, type FieldIssue } from '../../errors';
import { ALL_ROLES, requireOrgRole } from '../accounts/authorization';
import { recordAudit } from '../audit/record';
import type { Mailer } from '../mail/mailer';
import { requireEditor, requireMeetingAccess, requireScheduled, viewerAccess } from './access';
import {
  hashRsvpToken,
  reserveOutsideMail,
  sendMeetingMails,
  type MeetingMailBudget,
} from './invitations';
import {
  MEETING_INCLUDE,
  overridesOf,
  presentMeeting,
  scheduleOf,
  seriesEnd,
  usersById,
  type MeetingRecord,
} from './model';
import { hashPasscode } from './passcode';
import { getEffectiveMeetingPolicy } from '../policies/effective-policy';
import { meetingPolicyIssues, policyRefused } from '../policies/meeting-policy';
import { loadMeetingOverrides, overridesForAudit, storeMeetingOverrides } from '../policies/store';
import {
  expandOccurrences,
  findOccurrence,
  scheduleLocalTimes,
  scheduleStartMs,
  validateSchedule,
} from './schedule';
import { parseLocalDateTime, zonedToUtc } from './time-zones';

/**
 * Scheduling: create, change and cancel meetings and single occurrences, answer invitations,
 * and list occurrences for the agenda. Every change is checked completely before anything is
 * written, written in one transaction with its audit entry, and mailed after it committed.
 */

export interface Actor {
  userId: string;
  email: string;
  displayName: string;
}

export interface MeetingServiceDeps {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  log: { warn(details: object, message: string): void };
  /** Limits meeting mail to outside addresses (invitations.ts); the routes always pass it. */
  mailBudget?: MeetingMailBudget;
}

function validationError(issues: FieldIssue[]): AppError {
  return new AppError(
    'validation_failed',
    issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    { errors: issues },
  );
}

const normaliseEmail = (email: string) => email.trim().normalize('NFC').toLowerCase();

interface ResolvedPeople {
  hosts: Map<string, { userId: string; email: string }>;
  invitees: { email: string; userId: string | null }[];
}

/** Hosts must be org members; invitees are members (matched by address) or outside addresses. */
async function resolvePeople(
  db: DbOrTx,
  orgId: string,
  creator: Actor,
  hostEmails: readonly string[],
  inviteeEmails: readonly string[],
  issues: FieldIssue[],
): Promise<ResolvedPeople> {
  const hosts = hostEmails.map(normaliseEmail);
  const invitees = inviteeEmails.map(normaliseEmail);
  const all = [...new Set([...hosts, ...invitees, normaliseEmail(creator.email)])];
  const members = await db.membership.findMany({
    where: { orgId, user: { email: { in: all } } },
    select: { user: { select: { id: true, email: true } } },
  });
  const memberByEmail = new Map(members.map((m) => [m.user.email.toLowerCase(), m.user]));
  const resolved: ResolvedPeople = { hosts: new Map(), invitees: [] };
  resolved.hosts.set(normaliseEmail(creator.email), {
    userId: creator.userId,
    email: normaliseEmail(creator.email),
  });
  hosts.forEach((email, index) => {
    const member = memberByEmail.get(email);
    if (!member) {
      issues.push({
        path: `body.hosts.${index}`,
        message: `${email} is not a member of this organisation (hosts must be)`,
      });
      return;
    }
    resolved.hosts.set(email, { userId: member.id, email });
  });
  for (const email of new Set(invitees)) {
    if (resolved.hosts.has(email)) continue;
    resolved.invitees.push({ email, userId: memberByEmail.get(email)?.id ?? null });
  }
  return resolved;
}

function scheduleIssues(result: ReturnType<typeof validateSchedule>): FieldIssue[] {
  return result.ok
    ? []
    : result.issues.map((issue) => ({ path: `body.${issue.field}`, message: issue.message }));
}

/** A meeting the actor may change: visible to them, theirs to edit, and not cancelled. */
async function requireEditableMeeting(
  db: Db,
  options: { orgId: string; meetingId: string; actor: Actor },
): Promise<MeetingRecord> {
  const { meeting, access } = await requireMeetingAccess(db, {
    orgId: options.orgId,
    meetingId: options.meetingId,
    userId: options.actor.userId,
    email: options.actor.email,
  });
  requireEditor(access);
  requireScheduled(meeting);
  return meeting;
}

export async function createMeeting(
  deps: MeetingServiceDeps,
  options: {
    orgId: string;
    actor: Actor;
    input: CreateMeetingInput & {
      title: string;
      startLocal: string;
      endLocal: string;
      timeZone: string;
    };
  },
) {
  const { db } = deps;
  const input = options.input;
  await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.actor.userId,
    roles: ALL_ROLES,
  });
  const issues: FieldIssue[] = [];
  const schedule = validateSchedule({
    startLocal: input.startLocal,
    endLocal: input.endLocal,
    timeZone: input.timeZone,
    recurrence: input.recurrence ?? null,
  });
  issues.push(...scheduleIssues(schedule));
  const policyIssues = await meetingPolicyIssues(db, {
    orgId: options.orgId,
    current: null,
    requested: {
      e2ee: input.e2ee ?? true,
      guests: input.guests ?? 'lobby',
      overrides: input.policy ?? {},
    },
  });
  const people = await resolvePeople(
    db,
    options.orgId,
    options.actor,
    input.hosts ?? [],
    input.invitees ?? [],
    issues,
  );
  if (issues.length > 0 || !schedule.ok) throw validationError(issues);
  if (policyIssues.length > 0) throw policyRefused(policyIssues);

  if (input.notify ?? true) {
    await reserveOutsideMail(deps.mailBudget, {
      orgId: options.orgId,
      userId: options.actor.userId,
      outsideRecipients: people.invitees.filter((invitee) => !invitee.userId).length,
    });
  }
  const passcodeHash = input.passcode ? await hashPasscode(input.passcode) : null;
  const id = randomUUID();
  const host = new URL(deps.publicUrl).hostname;
  const created = await db.$transaction(async (tx) => {
    await tx.meeting.create({
      data: {
        id,
        orgId: options.orgId,
        title: input.title,
        description: input.description ?? '',
        timeZone: input.timeZone,
        startLocal: input.startLocal,
        durationMinutes: schedule.schedule.durationMinutes,
        recurrence: schedule.recurrence,
        startsAt: new Date(scheduleStartMs(schedule.schedule)),
        seriesEndsAt: seriesEnd(schedule.schedule, []),
        icsUid: `meeting-${id}@${host}`,
        guests: input.guests ?? 'lobby',
        e2ee: input.e2ee ?? true,
        audience: input.audience ?? 'invitees',
        earlyJoinMinutes: input.earlyJoinMinutes ?? 10,
        passcodeHash,
        createdById: options.actor.userId,
        invitees: {
          create: [
            ...[...people.hosts.values()].map((h) => ({
              userId: h.userId,
              email: h.email,
              role: 'host' as const,
              response:
                h.userId === options.actor.userId
                  ? ('accepted' as const)
                  : ('needs_action' as const),
              respondedAt: h.userId === options.actor.userId ? new Date() : null,
            })),
            ...people.invitees.map((i) => ({
              userId: i.userId,
              email: i.email,
              role: 'attendee' as const,
            })),
          ],
        },
      },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actor.userId,
      action: 'meeting.created',
      subject: { type: 'meeting', id },
      details: {
        title: input.title,
        startLocal: input.startLocal,
        timeZone: input.timeZone,
        recurrence: schedule.recurrence,
        hosts: people.hosts.size,
        invitees: people.invitees.length,
        passcode: passcodeHash !== null,
        e2ee: input.e2ee ?? true,
        guests: input.guests ?? 'lobby',
        policy: overridesForAudit(input.policy ?? {}),
      },
    });
    if (input.policy) await storeMeetingOverrides(tx, { meetingId: id, overrides: input.policy });
    return tx.meeting.findUniqueOrThrow({ where: { id }, include: MEETING_INCLUDE });
  });
  if (input.notify ?? true) {
    await sendMeetingMails({
      ...deps,
      meeting: created,
      scope: { kind: 'invitation' },
      actorName: options.actor.displayName,
      exceptUserId: options.actor.userId,
    });
  }
  return getMeeting(deps, { orgId: options.orgId, meetingId: id, actor: options.actor });
}

export async function getMeeting(
  deps: Pick<MeetingServiceDeps, 'db' | 'publicUrl'>,
  options: { orgId: string; meetingId: string; actor: Actor },
) {
  const { meeting, access } = await requireMeetingAccess(deps.db, {
    orgId: options.orgId,
    meetingId: options.meetingId,
    userId: options.actor.userId,
    email: options.actor.email,
  });
  const users = await usersById(deps.db, [
    meeting.createdById,
    ...meeting.invitees.map((invitee) => invitee.userId),
  ]);
  return {
    ...presentMeeting(meeting, access, users, deps.publicUrl),
    policy: await loadMeetingOverrides(deps.db, meeting.id),
    effectivePolicy: await getEffectiveMeetingPolicy({ db: deps.db, meetingId: meeting.id }),
  };
}

const SCHEDULE_FIELDS = ['startLocal', 'endLocal', 'timeZone', 'recurrence'] as const;

export async function updateMeeting(
  deps: MeetingServiceDeps,
  options: { orgId: string; meetingId: string; actor: Actor; input: UpdateMeetingInput },
) {
  const { db } = deps;
  const meeting = await requireEditableMeeting(db, options);
  const input = options.input;
  const current = scheduleLocalTimes(scheduleOf(meeting));
  const issues: FieldIssue[] = [];
  const timingChanged = SCHEDULE_FIELDS.some((field) => input[field] !== undefined);
  const schedule = validateSchedule({
    startLocal: input.startLocal ?? current.startLocal,
    endLocal: input.endLocal ?? current.endLocal,
    timeZone: input.timeZone ?? meeting.timeZone,
    recurrence: input.recurrence !== undefined ? input.recurrence : meeting.recurrence,
  });
  issues.push(...scheduleIssues(schedule));
  const currentOverrides = await loadMeetingOverrides(db, meeting.id);
  const policyIssues = await meetingPolicyIssues(db, {
    orgId: options.orgId,
    current: { e2ee: meeting.e2ee, guests: meeting.guests, overrides: currentOverrides },
    requested: {
      e2ee: input.e2ee ?? meeting.e2ee,
      guests: input.guests ?? meeting.guests,
      overrides: input.policy ?? currentOverrides,
    },
  });
  const creator = {
    userId: meeting.createdById ?? options.actor.userId,
    email: '',
    displayName: '',
  };
  const creatorUser = meeting.createdById
    ? (await usersById(db, [meeting.createdById])).get(meeting.createdById)
    : undefined;
  creator.email = creatorUser?.email ?? options.actor.email;
  const existingHosts = meeting.invitees.filter((i) => i.role === 'host').map((i) => i.email);
  const existingInvitees = meeting.invitees
    .filter((i) => i.role === 'attendee')
    .map((i) => i.email);
  const peopleChanged = input.hosts !== undefined || input.invitees !== undefined;
  const people = await resolvePeople(
    db,
    options.orgId,
    creatorUser ? { ...creator, displayName: creatorUser.displayName } : options.actor,
    input.hosts ?? existingHosts,
    input.invitees ?? existingInvitees,
    issues,
  );
  if (issues.length > 0 || !schedule.ok) throw validationError(issues);
  if (policyIssues.length > 0) throw policyRefused(policyIssues);

  const newSchedule = schedule.schedule;
  // Exceptions of occurrences the new schedule no longer has are dropped (calendars do the same).
  const keptOverrides = overridesOf(meeting).filter(
    (override) => findOccurrence(newSchedule, [], override.occurrenceId) !== null,
  );
  const droppedOverrides = meeting.overrides
    .map((o) => o.occurrenceId)
    .filter((id) => !keptOverrides.some((kept) => kept.occurrenceId === id));
  const passcodeHash =
    input.passcode === undefined
      ? meeting.passcodeHash
      : input.passcode === null
        ? null
        : await hashPasscode(input.passcode);

  const changed = [
    ...(Object.keys(input) as (keyof UpdateMeetingInput)[]).filter(
      (key) => key !== 'notify' && key !== 'passcode',
    ),
    ...(input.passcode !== undefined ? ['passcode'] : []),
  ];
  const before = new Map(meeting.invitees.map((i) => [i.email, i]));
  const wanted = new Map<string, { userId: string | null; role: 'host' | 'attendee' }>([
    ...[...people.hosts.values()].map(
      (h) => [h.email, { userId: h.userId, role: 'host' as const }] as const,
    ),
    ...people.invitees.map(
      (i) => [i.email, { userId: i.userId, role: 'attendee' as const }] as const,
    ),
  ]);
  const removed = [...before.values()].filter((i) => !wanted.has(i.email));
  const added = [...wanted.keys()].filter((email) => !before.has(email));
  if (input.notify ?? true) {
    // Every outside invitee that stays or is added gets a mail (removed ones a cancellation).
    await reserveOutsideMail(deps.mailBudget, {
      orgId: options.orgId,
      userId: options.actor.userId,
      outsideRecipients: [...wanted.values()].filter((person) => !person.userId).length,
    });
  }

  const updated = await db.$transaction(async (tx) => {
    if (droppedOverrides.length > 0) {
      await tx.meetingOccurrenceOverride.deleteMany({
        where: { meetingId: meeting.id, occurrenceId: { in: droppedOverrides } },
      });
    }
    if (peopleChanged) {
      if (removed.length > 0) {
        await tx.meetingInvitee.deleteMany({ where: { id: { in: removed.map((i) => i.id) } } });
      }
      for (const [email, person] of wanted) {
        const existing = before.get(email);
        if (!existing) {
          await tx.meetingInvitee.create({
            data: { meetingId: meeting.id, email, userId: person.userId, role: person.role },
          });
        } else if (existing.role !== person.role || existing.userId !== person.userId) {
          await tx.meetingInvitee.update({
            where: { id: existing.id },
            data: { role: person.role, userId: person.userId },
          });
        }
      }
    }
    if (timingChanged) {
      // A new time needs a new answer (RFC 5546: the organiser may reset PARTSTAT).
      await tx.meetingInvitee.updateMany({
        where: { meetingId: meeting.id, NOT: { userId: options.actor.userId } },
        data: { response: 'needs_action', respondedAt: null },
      });
    }
    if (input.policy !== undefined) {
      await storeMeetingOverrides(tx, { meetingId: meeting.id, overrides: input.policy });
    }
    await tx.meeting.update({
      where: { id: meeting.id },
      data: {
        title: input.title ?? meeting.title,
        description: input.description ?? meeting.description,
        timeZone: newSchedule.timeZone,
        startLocal: input.startLocal ?? current.startLocal,
        durationMinutes: newSchedule.durationMinutes,
        recurrence: schedule.recurrence,
        startsAt: new Date(scheduleStartMs(newSchedule)),
        seriesEndsAt: seriesEnd(newSchedule, keptOverrides),
        guests: input.guests ?? meeting.guests,
        e2ee: input.e2ee ?? meeting.e2ee,
        audience: input.audience ?? meeting.audience,
        earlyJoinMinutes: input.earlyJoinMinutes ?? meeting.earlyJoinMinutes,
        passcodeHash,
        sequence: { increment: 1 },
      },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actor.userId,
      action: 'meeting.updated',
      subject: { type: 'meeting', id: meeting.id },
      details: {
        changed,
        sequence: meeting.sequence + 1,
        droppedExceptions: droppedOverrides,
        inviteesAdded: added.length,
        inviteesRemoved: removed.length,
        ...(input.e2ee !== undefined && input.e2ee !== meeting.e2ee
          ? { e2ee: { from: meeting.e2ee, to: input.e2ee } }
          : {}),
        ...(input.guests !== undefined && input.guests !== meeting.guests
          ? { guests: { from: meeting.guests, to: input.guests } }
          : {}),
        ...(input.policy !== undefined
          ? {
              policy: {
                from: overridesForAudit(currentOverrides),
                to: overridesForAudit(input.policy),
              },
            }
          : {}),
      },
    });
    return tx.meeting.findUniqueOrThrow({ where: { id: meeting.id }, include: MEETING_INCLUDE });
  });

  if (input.notify ?? true) {
    const actorName = options.actor.displayName;
    // Removed invitees get a cancellation of their copy; the others an update (or, if new, an invitation).
    if (removed.length > 0) {
      await sendMeetingMails({
        ...deps,
        meeting: { ...updated, status: 'cancelled', invitees: removed },
        scope: { kind: 'cancellation' },
        actorName,
      });
    }
    const addedSet = new Set(added);
    const stayed = updated.invitees.filter((i) => !addedSet.has(i.email)).map((i) => i.email);
    if (added.length > 0) {
      await sendMeetingMails({
        ...deps,
        meeting: updated,
        scope: { kind: 'invitation' },
        actorName,
        onlyEmails: added,
        exceptUserId: options.actor.userId,
      });
    }
    if (stayed.length > 0) {
      await sendMeetingMails({
        ...deps,
        meeting: updated,
        scope: { kind: 'update' },
        actorName,
        onlyEmails: stayed,
        exceptUserId: options.actor.userId,
      });
    }
  }
  return getMeeting(deps, { orgId: options.orgId, meetingId: meeting.id, actor: options.actor });
}

/** Rooms of the meeting that may still have people in them (to close their control channels). */
export interface EndedRooms {
  rooms: { meetingId: string; occurrenceId: string; roomName: string }[];
}

export async function cancelMeeting(
  deps: MeetingServiceDeps,
  options: { orgId: string; meetingId: string; actor: Actor; notify: boolean },
): Promise<EndedRooms> {
  const meeting = await requireEditableMeeting(deps.db, options);
  return cancelAndEndRooms(deps, { ...options, meeting, occurrenceId: null });
}

/**
 * Cancels the whole series (occurrenceId null) or one occurrence: ends the rooms still open for
 * it and bumps the meeting's sequence in one transaction with the audit entry, then mails the
 * cancellation if asked to.
 */
async function cancelAndEndRooms(
  deps: MeetingServiceDeps,
  options: {
    orgId: string;
    actor: Actor;
    notify: boolean;
    meeting: MeetingRecord;
    occurrenceId: string | null;
  },
): Promise<EndedRooms> {
  const { meeting, occurrenceId } = options;
  const now = new Date();
  const openRooms = {
    meetingId: meeting.id,
    ...(occurrenceId === null ? {} : { occurrenceId }),
    endedAt: null,
  };
  const audit =
    occurrenceId === null
      ? {
          action: 'meeting.cancelled',
          details: { title: meeting.title, sequence: meeting.sequence + 1 },
        }
      : {
          action: 'meeting.occurrence_cancelled',
          details: { occurrenceId, sequence: meeting.sequence + 1 },
        };
  const { updated, rooms } = await deps.db.$transaction(async (tx) => {
    if (occurrenceId !== null) {
      await tx.meetingOccurrenceOverride.upsert({
        where: { meetingId_occurrenceId: { meetingId: meeting.id, occurrenceId } },
        create: { meetingId: meeting.id, occurrenceId, cancelled: true },
        update: { cancelled: true },
      });
    }
    const rooms = await tx.meetingRoom.findMany({ where: openRooms });
    await tx.meetingRoom.updateMany({
      where: openRooms,
      data: { endedAt: now, endedById: options.actor.userId },
    });
    await tx.meeting.update({
      where: { id: meeting.id },
      data:
        occurrenceId === null
          ? { status: 'cancelled', cancelledAt: now, sequence: { increment: 1 } }
          : { sequence: { increment: 1 } },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actor.userId,
      action: audit.action,
      subject: { type: 'meeting', id: meeting.id },
      details: audit.details,
    });
    return {
      updated: await tx.meeting.findUniqueOrThrow({
        where: { id: meeting.id },
        include: MEETING_INCLUDE,
      }),
      rooms,
    };
  });
  if (options.notify) {
    await sendMeetingMails({
      ...deps,
      meeting: updated,
      scope:
        occurrenceId === null ? { kind: 'cancellation' } : { kind: 'cancellation', occurrenceId },
      actorName: options.actor.displayName,
      exceptUserId: options.actor.userId,
    });
  }
  return {
    rooms: rooms.map((r) => ({
      meetingId: r.meetingId,
      occurrenceId: r.occurrenceId,
      roomName: r.roomName,
    })),
  };
}

function requireRecurring(meeting: MeetingRecord): void {
  if (!meeting.recurrence) {
    throw new AppError(
      'bad_request',
      'This meeting does not repeat: change or cancel the meeting itself instead of one occurrence.',
    );
  }
}

function requireOccurrence(meeting: MeetingRecord, occurrenceId: string) {
  const occurrence = findOccurrence(scheduleOf(meeting), overridesOf(meeting), occurrenceId);
  if (!occurrence) {
    throw new AppError('not_found', `The meeting has no occurrence ${occurrenceId}.`);
  }
  return occurrence;
}

export async function updateOccurrence(
  deps: MeetingServiceDeps,
  options: {
    orgId: string;
    meetingId: string;
    occurrenceId: string;
    actor: Actor;
    input: UpdateOccurrenceInput;
  },
) {
  const { db } = deps;
  const meeting = await requireEditableMeeting(db, options);
  requireRecurring(meeting);
  const occurrence = requireOccurrence(meeting, options.occurrenceId);
  if (occurrence.cancelled) {
    throw new AppError('conflict', 'This occurrence was cancelled; it cannot be changed any more.');
  }
  const input = options.input;
  const issues: FieldIssue[] = [];
  let startMs = occurrence.startMs;
  let endMs = occurrence.endMs;
  for (const field of ['startLocal', 'endLocal'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    const local = parseLocalDateTime(value);
    if (!local) {
      issues.push({ path: `body.${field}`, message: 'is not a real date and time' });
      continue;
    }
    const placed = zonedToUtc(local, meeting.timeZone);
    if (placed.kind === 'skipped') {
      issues.push({
        path: `body.${field}`,
        message: `${value} does not exist in ${meeting.timeZone}: the clocks go forward over it`,
      });
    }
    if (field === 'startLocal') {
      const duration = endMs - startMs;
      startMs = placed.instantMs;
      if (input.endLocal === undefined) endMs = startMs + duration;
    } else endMs = placed.instantMs;
  }
  if (issues.length === 0 && endMs <= startMs) {
    issues.push({ path: 'body.endLocal', message: 'the occurrence ends before it starts' });
  } else if (issues.length === 0 && endMs - startMs > 24 * 3_600_000) {
    issues.push({ path: 'body.endLocal', message: 'an occurrence can last at most 24 hours' });
  }
  if (issues.length > 0) throw validationError(issues);
  const moved =
    startMs !== occurrence.originalStartMs ||
    endMs !== occurrence.originalStartMs + meeting.durationMinutes * 60_000;
  const title = input.title ?? occurrence.title;
  if (input.notify ?? true) {
    await reserveOutsideMail(deps.mailBudget, {
      orgId: options.orgId,
      userId: options.actor.userId,
      outsideRecipients: meeting.invitees.filter((invitee) => !invitee.userId).length,
    });
  }
  const updated = await db.$transaction(async (tx) => {
    const data = {
      cancelled: false,
      startsAt: moved ? new Date(startMs) : null,
      endsAt: moved ? new Date(endMs) : null,
      title: title ?? null,
    };
    await tx.meetingOccurrenceOverride.upsert({
      where: {
        meetingId_occurrenceId: { meetingId: meeting.id, occurrenceId: options.occurrenceId },
      },
      create: { meetingId: meeting.id, occurrenceId: options.occurrenceId, ...data },
      update: data,
    });
    const overrides = [
      ...overridesOf(meeting).filter((o) => o.occurrenceId !== options.occurrenceId),
      {
        occurrenceId: options.occurrenceId,
        cancelled: false,
        startMs: moved ? startMs : null,
        endMs: moved ? endMs : null,
        title: title ?? null,
      },
    ];
    await tx.meeting.update({
      where: { id: meeting.id },
      data: { sequence: { increment: 1 }, seriesEndsAt: seriesEnd(scheduleOf(meeting), overrides) },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actor.userId,
      action: 'meeting.occurrence_updated',
      subject: { type: 'meeting', id: meeting.id },
      details: {
        occurrenceId: options.occurrenceId,
        changed: Object.keys(input).filter((key) => key !== 'notify'),
        sequence: meeting.sequence + 1,
      },
    });
    return tx.meeting.findUniqueOrThrow({ where: { id: meeting.id }, include: MEETING_INCLUDE });
  });
  if (input.notify ?? true) {
    await sendMeetingMails({
      ...deps,
      meeting: updated,
      scope: { kind: 'update', occurrenceId: options.occurrenceId },
      actorName: options.actor.displayName,
      exceptUserId: options.actor.userId,
    });
  }
  return getMeeting(deps, { orgId: options.orgId, meetingId: meeting.id, actor: options.actor });
}

export async function cancelOccurrence(
  deps: MeetingServiceDeps,
  options: {
    orgId: string;
    meetingId: string;
    occurrenceId: string;
    actor: Actor;
    notify: boolean;
  },
): Promise<EndedRooms> {
  const meeting = await requireEditableMeeting(deps.db, options);
  requireRecurring(meeting);
  const occurrence = requireOccurrence(meeting, options.occurrenceId);
  if (occurrence.cancelled) {
    throw new AppError('conflict', 'This occurrence is already cancelled.');
  }
  return cancelAndEndRooms(deps, { ...options, meeting });
}

export async function respondToInvitation(
  deps: Pick<MeetingServiceDeps, 'db' | 'publicUrl'>,
  options: {
    orgId: string;
    meetingId: string;
    actor: Actor;
    response: Exclude<RsvpResponse, 'needs_action'>;
  },
) {
  const { meeting, access } = await requireMeetingAccess(deps.db, {
    orgId: options.orgId,
    meetingId: options.meetingId,
    userId: options.actor.userId,
    email: options.actor.email,
  });
  requireScheduled(meeting);
  if (!access.invitation) {
    throw new AppError(
      'forbidden',
      'You are not invited to this meeting, so there is nothing to answer.',
    );
  }
  await deps.db.meetingInvitee.update({
    where: { id: access.invitation.id },
    data: { response: options.response, respondedAt: new Date(), userId: options.actor.userId },
  });
  return getMeeting(deps, options);
}

/** An outside invitee answers with the token from their mail (no account, no session). */
export async function respondAsOutsider(
  db: Db,
  options: { token: string; response?: Exclude<RsvpResponse, 'needs_action'> | undefined },
) {
  const invitee = await db.meetingInvitee.findUnique({
    where: { rsvpTokenHash: hashRsvpToken(options.token) },
    include: { meeting: true },
  });
  if (!invitee) {
    throw new AppError(
      'not_found',
      'This answer link is not valid any more (a newer mail about the meeting has a new one).',
    );
  }
  const updated = options.response
    ? await db.meetingInvitee.update({
        where: { id: invitee.id },
        data: { response: options.response, respondedAt: new Date() },
      })
    : invitee;
  const schedule = scheduleOf(invitee.meeting);
  return {
    meetingTitle: invitee.meeting.title,
    start: new Date(scheduleStartMs(schedule)).toISOString(),
    timeZone: invitee.meeting.timeZone,
    email: invitee.email,
    response: updated.response,
    cancelled: invitee.meeting.status === 'cancelled',
  };
}

const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 366;

export function occurrenceRange(
  query: { from?: string | undefined; to?: string | undefined },
  nowMs: number,
) {
  const fromMs = query.from ? Date.parse(query.from) : nowMs - DAY;
  const toMs = query.to ? Date.parse(query.to) : fromMs + 31 * DAY;
  if (!(toMs > fromMs)) {
    throw validationError([{ path: 'querystring.to', message: 'must be after from' }]);
  }
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY) {
    throw validationError([
      { path: 'querystring.to', message: `the range can span at most ${MAX_RANGE_DAYS} days` },
    ]);
  }
  return { fromMs, toMs };
}

function occurrencesOf(
  meeting: MeetingRecord,
  access: { isHost: boolean; invitation: MeetingRecord['invitees'][number] | null },
  range: { fromMs: number; toMs: number },
): Occurrence[] {
  return expandOccurrences(scheduleOf(meeting), overridesOf(meeting), {
    ...range,
    includeCancelled: true,
    limit: 500,
  }).map((occurrence) => ({
    meetingId: meeting.id,
    occurrenceId: occurrence.occurrenceId,
    title: occurrence.title ?? meeting.title,
    start: new Date(occurrence.startMs).toISOString(),
    end: new Date(occurrence.endMs).toISOString(),
    timeZone: meeting.timeZone,
    cancelled: occurrence.cancelled,
    moved: occurrence.moved,
    recurring: meeting.recurrence !== null,
    isHost: access.isHost,
    response: access.invitation?.response ?? null,
  }));
}

/** The viewer's agenda: occurrences in the range of every scheduled meeting they may see. */
export async function listAgenda(
  db: Db,
  options: {
    orgId: string;
    actor: Actor;
    from?: string | undefined;
    to?: string | undefined;
    nowMs: number;
  },
): Promise<OccurrenceList> {
  const membership = await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.actor.userId,
    roles: ALL_ROLES,
  });
  const range = occurrenceRange(options, options.nowMs);
  const email = options.actor.email.toLowerCase();
  const orgWide = ['owner', 'admin', 'compliance'].includes(membership.role);
  const meetings = await db.meeting.findMany({
    where: {
      orgId: options.orgId,
      status: 'scheduled',
      startsAt: { lt: new Date(range.toMs) },
      OR: [{ seriesEndsAt: null }, { seriesEndsAt: { gt: new Date(range.fromMs) } }],
      ...(orgWide
        ? {}
        : {
            AND: [
              {
                OR: [
                  { audience: 'org' },
                  { invitees: { some: { userId: options.actor.userId } } },
                  { invitees: { some: { userId: null, email } } },
                ],
              },
            ],
          }),
    },
    include: MEETING_INCLUDE,
    take: 2000,
  });
  const occurrences = meetings
    .flatMap((meeting) => {
      const access = viewerAccess(meeting, {
        userId: options.actor.userId,
        email,
        orgRole: membership.role,
      });
      return occurrencesOf(meeting, access, range);
    })
    .sort((a, b) => a.start.localeCompare(b.start))
    .slice(0, 1000);
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    occurrences,
  };
}

export async function listMeetingOccurrences(
  db: Db,
  options: {
    orgId: string;
    meetingId: string;
    actor: Actor;
    from?: string | undefined;
    to?: string | undefined;
    nowMs: number;
  },
): Promise<OccurrenceList> {
  const { meeting, access } = await requireMeetingAccess(db, {
    orgId: options.orgId,
    meetingId: options.meetingId,
    userId: options.actor.userId,
    email: options.actor.email,
  });
  const range = occurrenceRange(options, options.nowMs);
  return {
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    occurrences: occurrencesOf(meeting, access, range),
  };
}
