import { randomUUID } from 'node:crypto';
import type { LobbyInfo, LobbyRequest, Participant } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import type { Decision, HostDecisions, RoomRef } from '../control-channel/hub';
import { issueLivekitToken, roomNameFor, type LivekitCredentials } from '../livekit/tokens';
import { viewerAccess } from './access';
import {
  LATE_JOIN_MINUTES,
  loadMeeting,
  overridesOf,
  scheduleOf,
  type MeetingRecord,
} from './model';
import { verifyPasscode } from './passcode';
import { effectiveMeetingSettings, orgMeetingPolicy } from './policy';
import {
  currentOrNextOccurrence,
  findOccurrence,
  joinWindow,
  type ComputedOccurrence,
} from './schedule';
import {
  arrival,
  storedStatus,
  transition,
  type Standing,
  type StoredAdmissionStatus,
} from './admission';
import { ensureRoom } from './rooms';
import { readTicket, signTicket, TICKET_RESUME_MS, TICKET_TTL_MS } from './tickets';

/**
 * Joining an occurrence: who may, when, and as what. One place decides, for the control
 * channel (presence, lobby) and for LiveKit tokens alike:
 * - nobody outside the join window (from `earlyJoinMinutes` before the start until
 *   LATE_JOIN_MINUTES after the scheduled end), nor into a cancelled or ended occurrence;
 * - hosts join as hosts; invitees (and every org member when the meeting is open to the org)
 *   join directly; other org members wait in the lobby; so do guests, always;
 * - someone a host denied or removed waits in the lobby if they come back, invited or not;
 *   someone a host admitted (or made host) keeps that for the occurrence. These rules are one
 *   state machine, admission.ts, which this file, the hub and the stored decisions share.
 */

export type RefusalCode =
  'unauthenticated' | 'forbidden' | 'not_found' | 'not_open' | 'ended' | 'bad_request';

export class JoinRefused extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'JoinRefused';
  }

  toAppError(): AppError {
    const map = {
      unauthenticated: 'unauthenticated',
      forbidden: 'forbidden',
      not_found: 'not_found',
      not_open: 'conflict',
      ended: 'gone',
      bad_request: 'bad_request',
    } as const;
    return new AppError(map[this.code], this.message);
  }
}

export interface OpenOccurrence {
  meeting: MeetingRecord;
  occurrence: ComputedOccurrence;
  room: RoomRef;
}

function formatOpening(ms: number, timeZone: string): string {
  return (
    new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
      ms,
    ) + ` (${timeZone})`
  );
}

/** The occurrence someone asks to join (or the current one), if it may be joined now. */
export async function openOccurrence(
  db: DbOrTx,
  meeting: MeetingRecord,
  occurrenceId: string | undefined,
  nowMs: number,
): Promise<OpenOccurrence> {
  if (meeting.status === 'cancelled') throw new JoinRefused('ended', 'This meeting was cancelled.');
  const schedule = scheduleOf(meeting);
  const overrides = overridesOf(meeting);
  const options = {
    earlyJoinMinutes: meeting.earlyJoinMinutes,
    lateJoinMinutes: LATE_JOIN_MINUTES,
  };
  const occurrence = occurrenceId
    ? findOccurrence(schedule, overrides, occurrenceId)
    : currentOrNextOccurrence(schedule, overrides, nowMs, options);
  if (!occurrence) {
    throw occurrenceId
      ? new JoinRefused('not_found', `The meeting has no occurrence ${occurrenceId}.`)
      : new JoinRefused('ended', 'This meeting has no more occurrences.');
  }
  if (occurrence.cancelled)
    throw new JoinRefused('ended', 'This occurrence of the meeting was cancelled.');
  const window = joinWindow(occurrence, options);
  if (nowMs < window.opensAtMs) {
    throw new JoinRefused(
      'not_open',
      `The meeting is not open yet: you can join from ${formatOpening(window.opensAtMs, meeting.timeZone)}.`,
    );
  }
  if (nowMs > window.closesAtMs)
    throw new JoinRefused('ended', 'This occurrence of the meeting is over.');
  const roomName = roomNameFor(meeting.id, occurrence.occurrenceId);
  const room = await ensureRoom(db, {
    meetingId: meeting.id,
    occurrenceId: occurrence.occurrenceId,
    roomName,
  });
  if (room.endedAt) throw new JoinRefused('ended', 'A host ended this meeting.');
  const settings = effectiveMeetingSettings(await orgMeetingPolicy(db, meeting.orgId), meeting);
  return {
    meeting,
    occurrence,
    room: {
      orgId: meeting.orgId,
      meetingId: meeting.id,
      occurrenceId: occurrence.occurrenceId,
      roomName,
      title: occurrence.title ?? meeting.title,
      e2ee: settings.e2ee,
      startMs: occurrence.startMs,
      endMs: occurrence.endMs,
    },
  };
}

export interface ResolvedJoin extends OpenOccurrence {
  participant: Participant;
  status: 'admitted' | 'lobby';
  userId: string | null;
}

/**
 * Where someone arriving is placed (admission.ts), keeping the stored record in step: a
 * participant a host denied or removed who comes back is waiting again, for a host to decide.
 */
async function arriveAt(
  db: Db,
  stored: { id: string; status: StoredAdmissionStatus } | null,
  standing: Standing,
) {
  const placed = arrival(stored?.status, standing);
  if (stored && !standing.host && stored.status !== placed.state) {
    await db.meetingAdmission.update({ where: { id: stored.id }, data: { status: placed.state } });
  }
  return placed;
}

/** A signed-in member of the meeting's org. Someone else gets a 404, as for no meeting. */
export async function resolveMemberJoin(
  db: Db,
  options: {
    meetingId: string;
    occurrenceId?: string | undefined;
    user: { id: string; email: string; displayName: string };
    nowMs: number;
    /** The org the request named (REST routes): another org's meeting is a 404. */
    orgId?: string;
    /**
     * Refuse (404) a meeting this member may not see, instead of sending them to the lobby:
     * the token route, where the answer would otherwise tell that the meeting exists.
     */
    requireVisible?: boolean;
  },
): Promise<ResolvedJoin> {
  const meeting = await loadMeeting(db, {
    meetingId: options.meetingId,
    ...(options.orgId !== undefined ? { orgId: options.orgId } : {}),
  });
  const membership = meeting
    ? await db.membership.findUnique({
        where: { orgId_userId: { orgId: meeting.orgId, userId: options.user.id } },
      })
    : null;
  if (!meeting || !membership) {
    throw new JoinRefused(
      'not_found',
      'There is no such meeting in your organisations. If you were sent a guest link, open it signed out.',
    );
  }
  const access = viewerAccess(meeting, {
    userId: options.user.id,
    email: options.user.email,
    orgRole: membership.role,
  });
  if (options.requireVisible && !access.canView) {
    throw new JoinRefused('not_found', 'There is no such meeting, or you are not invited to it.');
  }
  const open = await openOccurrence(db, meeting, options.occurrenceId, options.nowMs);
  const admission = await db.meetingAdmission.findUnique({
    where: {
      meetingId_occurrenceId_participantId: {
        meetingId: meeting.id,
        occurrenceId: open.occurrence.occurrenceId,
        participantId: options.user.id,
      },
    },
  });
  const placed = await arriveAt(db, admission, {
    host: access.isHost || (admission?.role === 'host' && admission.status === 'admitted'),
    joinsDirectly: access.joinsDirectly,
    kind: 'member',
  });
  const host = placed.host;
  const status = placed.placed === 'room' ? ('admitted' as const) : ('lobby' as const);
  return {
    ...open,
    // The title is for those who may see the meeting or are in it, not the lobby's visitors.
    room: { ...open.room, title: access.canView || status === 'admitted' ? open.room.title : null },
    status,
    userId: options.user.id,
    participant: {
      id: options.user.id,
      kind: 'member',
      displayName: options.user.displayName,
      role: host ? 'host' : 'participant',
      identity: null, // filled from the key directory by the control channel
      guestKey: null,
      joinedAt: new Date(options.nowMs).toISOString(),
    },
  };
}

async function meetingForGuests(db: Db, meetingId: string): Promise<MeetingRecord> {
  const meeting = await loadMeeting(db, { meetingId });
  if (!meeting)
    throw new JoinRefused('not_found', 'There is no such meeting. Check the link you were sent.');
  const settings = effectiveMeetingSettings(await orgMeetingPolicy(db, meeting.orgId), meeting);
  if (settings.guests === 'forbidden') {
    throw new JoinRefused(
      'forbidden',
      'This meeting does not admit guests: only members of the organisation can join.',
    );
  }
  return meeting;
}

/**
 * What the guest page shows before knocking. The title only to a signed-in member who may see
 * the meeting: a meeting id alone (guest links, forwarded mails) tells when, not what.
 */
export async function lobbyInfo(
  db: Db,
  options: { meetingId: string; nowMs: number; viewer?: { id: string; email: string } | null },
): Promise<LobbyInfo> {
  const meeting = await loadMeeting(db, { meetingId: options.meetingId });
  if (!meeting)
    throw new JoinRefused('not_found', 'There is no such meeting. Check the link you were sent.');
  const viewer = options.viewer;
  const membership = viewer
    ? await db.membership.findUnique({
        where: { orgId_userId: { orgId: meeting.orgId, userId: viewer.id } },
      })
    : null;
  const mayView =
    viewer && membership
      ? viewerAccess(meeting, { userId: viewer.id, email: viewer.email, orgRole: membership.role })
          .canView
      : false;
  const settings = effectiveMeetingSettings(await orgMeetingPolicy(db, meeting.orgId), meeting);
  const schedule = scheduleOf(meeting);
  const options2 = {
    earlyJoinMinutes: meeting.earlyJoinMinutes,
    lateJoinMinutes: LATE_JOIN_MINUTES,
  };
  const next =
    meeting.status === 'scheduled'
      ? currentOrNextOccurrence(schedule, overridesOf(meeting), options.nowMs, options2)
      : null;
  return {
    meetingId: meeting.id,
    title: mayView ? meeting.title : null,
    status: meeting.status,
    guests: settings.guests,
    e2ee: settings.e2ee,
    passcodeRequired: meeting.passcodeHash !== null,
    nextOccurrence: next
      ? {
          occurrenceId: next.occurrenceId,
          start: new Date(next.startMs).toISOString(),
          end: new Date(next.endMs).toISOString(),
          opensAt: new Date(joinWindow(next, options2).opensAtMs).toISOString(),
          timeZone: meeting.timeZone,
        }
      : null,
  };
}

export class WrongPasscode extends Error {}

/**
 * A guest knocks: checks the passcode (when the meeting has one), records the guest in the
 * occurrence's lobby and returns a lobby ticket. A guest coming back with an earlier ticket
 * keeps its guest id, and with it a host's earlier admission.
 */
export async function enterLobby(
  deps: { db: Db; serverSecret: string; nowMs: number },
  options: { meetingId: string; input: LobbyRequest },
) {
  const { db, nowMs } = deps;
  const meeting = await meetingForGuests(db, options.meetingId);
  const input = options.input;
  let guestId: string | null = null;
  let occurrenceId = input.occurrenceId;
  if (input.resumeTicket) {
    const check = readTicket(deps.serverSecret, input.resumeTicket, nowMs);
    if (
      check.ok &&
      check.claims.meetingId === meeting.id &&
      check.claims.expiresAtMs > nowMs - TICKET_RESUME_MS &&
      (occurrenceId === undefined || occurrenceId === check.claims.occurrenceId)
    ) {
      guestId = check.claims.guestId;
      occurrenceId = check.claims.occurrenceId;
    }
  }
  const open = await openOccurrence(db, meeting, occurrenceId, nowMs);
  if (guestId === null && meeting.passcodeHash) {
    if (!input.passcode || !(await verifyPasscode(input.passcode, meeting.passcodeHash))) {
      await recordAudit(db, {
        orgId: meeting.orgId,
        actorUserId: null,
        action: 'meeting.passcode_failed',
        subject: { type: 'meeting', id: meeting.id },
        details: {
          occurrenceId: open.occurrence.occurrenceId,
          given: input.passcode ? 'wrong' : 'none',
        },
      });
      throw new WrongPasscode(
        input.passcode ? 'The passcode is wrong.' : 'This meeting needs a passcode.',
      );
    }
  }
  const id = guestId ?? `guest-${randomUUID()}`;
  const displayName = input.displayName;
  const key = {
    meetingId: meeting.id,
    occurrenceId: open.occurrence.occurrenceId,
    participantId: id,
  };
  const existing = await db.meetingAdmission.findUnique({
    where: { meetingId_occurrenceId_participantId: key },
  });
  const guestKey = input.guestKey
    ? { guestPublicKey: input.guestKey.exchangePublicKey, guestBinding: input.guestKey.binding }
    : {};
  if (existing) {
    const placed = arrival(existing.status, { host: false, joinsDirectly: false, kind: 'guest' });
    await db.meetingAdmission.update({
      where: { id: existing.id },
      data: { displayName, ...guestKey, status: placed.state },
    });
  } else {
    await db.meetingAdmission.create({
      data: { ...key, kind: 'guest', userId: null, displayName, status: 'waiting', ...guestKey },
    });
  }
  const expiresAtMs = nowMs + TICKET_TTL_MS;
  const ticket = signTicket(deps.serverSecret, {
    meetingId: meeting.id,
    occurrenceId: open.occurrence.occurrenceId,
    guestId: id,
    displayName,
    expiresAtMs,
  });
  return {
    ticket,
    guestId: id,
    occurrenceId: open.occurrence.occurrenceId,
    expiresAt: new Date(expiresAtMs).toISOString(),
    controlUrl: `/api/meetings/${meeting.id}/control?occurrence=${open.occurrence.occurrenceId}`,
  };
}

/** A guest with a lobby ticket (the control channel and the guest token route). */
export async function resolveGuestJoin(
  deps: { db: Db; serverSecret: string; nowMs: number },
  options: { meetingId: string; ticket: string },
): Promise<ResolvedJoin & { ticketClaims: { displayName: string; guestId: string } }> {
  const check = readTicket(deps.serverSecret, options.ticket, deps.nowMs);
  if (!check.ok)
    throw new JoinRefused(
      'unauthenticated',
      'The lobby ticket is not valid. Open the meeting link again.',
    );
  if (check.expired) {
    throw new JoinRefused(
      'unauthenticated',
      'The lobby ticket expired. Open the meeting link again to knock.',
    );
  }
  if (check.claims.meetingId !== options.meetingId) {
    throw new JoinRefused('unauthenticated', 'The lobby ticket is for another meeting.');
  }
  const meeting = await meetingForGuests(deps.db, options.meetingId);
  const open = await openOccurrence(deps.db, meeting, check.claims.occurrenceId, deps.nowMs);
  const admission = await deps.db.meetingAdmission.findUnique({
    where: {
      meetingId_occurrenceId_participantId: {
        meetingId: meeting.id,
        occurrenceId: open.occurrence.occurrenceId,
        participantId: check.claims.guestId,
      },
    },
  });
  if (!admission) {
    throw new JoinRefused(
      'unauthenticated',
      'The lobby does not know this ticket. Open the meeting link again.',
    );
  }
  const placed = await arriveAt(deps.db, admission, {
    host: false,
    joinsDirectly: false,
    kind: 'guest',
  });
  return {
    ...open,
    room: { ...open.room, title: placed.placed === 'room' ? open.room.title : null },
    status: placed.placed === 'room' ? 'admitted' : 'lobby',
    userId: null,
    ticketClaims: { displayName: check.claims.displayName, guestId: check.claims.guestId },
    participant: {
      id: admission.participantId,
      kind: 'guest',
      displayName: admission.displayName,
      role: 'participant',
      identity: null,
      guestKey:
        admission.guestPublicKey && admission.guestBinding
          ? { exchangePublicKey: admission.guestPublicKey, binding: admission.guestBinding }
          : null,
      joinedAt: new Date(deps.nowMs).toISOString(),
    },
  };
}

export function ticketIssuer(
  serverSecret: string,
  join: ResolvedJoin,
  nowFn: () => number,
): () => string {
  return () =>
    signTicket(serverSecret, {
      meetingId: join.room.meetingId,
      occurrenceId: join.room.occurrenceId,
      guestId: join.participant.id,
      displayName: join.participant.displayName,
      expiresAtMs: nowFn() + TICKET_TTL_MS,
    });
}

/** A LiveKit token for someone admitted to an open occurrence; nobody else gets one. */
export async function issueJoinToken(
  livekit: LivekitCredentials | null,
  join: ResolvedJoin,
  nowMs: number,
) {
  if (join.status !== 'admitted') {
    throw new AppError(
      'forbidden',
      'You are waiting in the lobby: a host has to let you in before you can join the media.',
    );
  }
  if (!livekit) {
    throw new AppError(
      'unavailable',
      'No media server is configured (LIVEKIT_URL): meetings work without audio and video here.',
    );
  }
  const { token, expiresAt } = await issueLivekitToken(
    livekit,
    {
      roomName: join.room.roomName,
      identity: join.participant.id,
      displayName: join.participant.displayName,
      kind: join.participant.kind,
      role: join.participant.role,
      meetingId: join.room.meetingId,
      occurrenceId: join.room.occurrenceId,
    },
    { nowMs },
  );
  return {
    url: livekit.url,
    token,
    roomName: join.room.roomName,
    identity: join.participant.id,
    occurrenceId: join.room.occurrenceId,
    expiresAt: expiresAt.toISOString(),
    e2ee: join.room.e2ee,
  };
}

/** Hosts' decisions, kept in the database with an audit entry each (every instance reads them). */
export function databaseHostDecisions(db: Db): HostDecisions {
  async function decide(
    decision: Decision,
    event: 'admit' | 'deny' | 'remove' | 'make-host',
    action: string,
  ) {
    // The hub checked the target's presence against the same machine (admission.ts).
    const next = transition(event === 'admit' || event === 'deny' ? 'waiting' : 'admitted', event, {
      host: decision.target.role === 'host',
      joinsDirectly: false,
      kind: decision.target.kind,
    });
    if (!next.ok)
      throw new Error(`admission: ${event} refused: ${decision.target.id} ${next.message}`);
    const change = {
      status: storedStatus(next.state),
      ...(next.host ? { role: 'host' as const } : {}),
    };
    const target = decision.target;
    const key = {
      meetingId: decision.room.meetingId,
      occurrenceId: decision.room.occurrenceId,
      participantId: target.id,
    };
    const now = new Date();
    await db.$transaction(async (tx) => {
      await tx.meetingAdmission.createMany({
        data: [
          {
            ...key,
            kind: target.kind,
            userId: target.kind === 'member' ? target.id : null,
            displayName: target.displayName,
          },
        ],
        skipDuplicates: true,
      });
      await tx.meetingAdmission.update({
        where: { meetingId_occurrenceId_participantId: key },
        data: {
          status: change.status,
          ...(change.role ? { role: change.role } : {}),
          decidedById: decision.byUserId,
          decidedAt: now,
        },
      });
      await recordAudit(tx, {
        orgId: decision.room.orgId,
        actorUserId: decision.byUserId,
        action,
        subject: { type: 'meeting', id: decision.room.meetingId },
        details: {
          occurrenceId: decision.room.occurrenceId,
          participantId: target.id,
          kind: target.kind,
          displayName: target.displayName,
        },
      });
    });
  }
  return {
    admit: (decision) => decide(decision, 'admit', 'meeting.participant_admitted'),
    deny: (decision) => decide(decision, 'deny', 'meeting.participant_denied'),
    remove: (decision) => decide(decision, 'remove', 'meeting.participant_removed'),
    makeHost: (decision) => decide(decision, 'make-host', 'meeting.host_added'),
    async endMeeting({ room, byUserId }) {
      const now = new Date();
      await db.$transaction(async (tx) => {
        const ensured = await ensureRoom(tx, room);
        await tx.meetingRoom.update({
          where: { id: ensured.id },
          data: { endedAt: now, endedById: byUserId },
        });
        await recordAudit(tx, {
          orgId: room.orgId,
          actorUserId: byUserId,
          action: 'meeting.ended',
          subject: { type: 'meeting', id: room.meetingId },
          details: { occurrenceId: room.occurrenceId },
        });
      });
    },
  };
}

export type { Participant };
