import type { OrgRole, RecordingSummary, RoomRecording } from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import type { Prisma, Recording } from '../../db/generated/client';
import { AppError } from '../../errors';

/** A recording with what its summary needs. */
export type RecordingRow = Recording & {
  consents: { decision: string }[];
  shares: { userId: string }[];
};

export const RECORDING_INCLUDE = {
  consents: { select: { decision: true } },
  shares: { select: { userId: true } },
} satisfies Prisma.RecordingInclude;

export function recordingNotFound(): AppError {
  return new AppError('not_found', 'There is no such recording, or it is not shared with you.');
}

/** What the viewer may do with a recording (DESIGN: recorder, hosts, shared members, admins). */
export interface RecordingAccess {
  isRecorder: boolean;
  isHost: boolean;
  isShared: boolean;
  orgRole: OrgRole;
}

export function recordingPermissions(access: RecordingAccess) {
  const holdsKey = access.isRecorder || access.isHost || access.isShared;
  return {
    canOpen: holdsKey,
    canShare: access.isRecorder || access.isHost,
    canDelete:
      access.isRecorder ||
      access.isHost ||
      access.orgRole === 'owner' ||
      access.orgRole === 'admin',
    /** May see that it exists (the list and the metadata). */
    canView:
      holdsKey ||
      access.orgRole === 'owner' ||
      access.orgRole === 'admin' ||
      access.orgRole === 'compliance',
  };
}

export function toSummary(
  row: RecordingRow,
  meetingTitle: string,
  access: RecordingAccess,
): RecordingSummary {
  const permissions = recordingPermissions(access);
  return {
    id: row.id,
    orgId: row.orgId,
    meetingId: row.meetingId,
    occurrence: row.occurrenceId,
    meetingTitle,
    recorder: { userId: row.recorderId, name: row.recorderName },
    mode: row.mode,
    mimeType: row.mimeType,
    state: row.state,
    consent: row.consentMode,
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
    sizeBytes: Number(row.sizeBytes),
    consentCount: row.consents.filter((c) => c.decision === 'accept').length,
    declinedCount: row.consents.filter((c) => c.decision === 'decline').length,
    canOpen: permissions.canOpen,
    canShare: permissions.canShare,
    canDelete: permissions.canDelete,
    deletableFrom: row.deletableFrom?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

export function toRoomRecording(row: Recording): RoomRecording {
  return {
    id: row.id,
    state: row.state,
    recorder: {
      participantId: row.recorderParticipantId,
      userId: row.recorderId,
      name: row.recorderName,
    },
    mode: row.mode,
    consent: row.consentMode,
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}

/** The meeting's hosts: invitees with the host role who are members (user ids). */
export async function meetingHostIds(db: DbOrTx, meetingId: string): Promise<string[]> {
  const hosts = await db.meetingInvitee.findMany({
    where: { meetingId, role: 'host', userId: { not: null } },
    select: { userId: true },
  });
  return hosts.flatMap((h) => (h.userId ? [h.userId] : []));
}

/** The viewer's access to one recording, or the 404 that hides it. */
export async function loadRecordingFor(
  db: DbOrTx,
  options: { recordingId: string; userId: string },
): Promise<{ row: RecordingRow; access: RecordingAccess; meetingTitle: string }> {
  if (
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(options.recordingId)
  ) {
    throw recordingNotFound();
  }
  const row = await db.recording.findUnique({
    where: { id: options.recordingId },
    include: RECORDING_INCLUDE,
  });
  if (!row) throw recordingNotFound();
  const membership = await db.membership.findUnique({
    where: { orgId_userId: { orgId: row.orgId, userId: options.userId } },
    select: { role: true },
  });
  if (!membership) throw recordingNotFound();
  const hosts = await meetingHostIds(db, row.meetingId);
  const access: RecordingAccess = {
    isRecorder: row.recorderId === options.userId,
    isHost: hosts.includes(options.userId),
    isShared: row.shares.some((s) => s.userId === options.userId),
    orgRole: membership.role,
  };
  if (!recordingPermissions(access).canView) throw recordingNotFound();
  const meeting = await db.meeting.findUnique({
    where: { id: row.meetingId },
    select: { title: true },
  });
  return { row, access, meetingTitle: meeting?.title ?? '' };
}
