import type {
  RecordingConsent,
  RecordingDetail,
  RecordingPage,
  SignedStatementJson,
} from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { Prisma } from '../../db/generated/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import {
  RECORDING_INCLUDE,
  loadRecordingFor,
  meetingHostIds,
  recordingNotFound,
  recordingPermissions,
  toSummary,
  type RecordingAccess,
} from './model';

/**
 * The recordings library: lists (per org, per meeting), the detail with envelope, seal,
 * consents, recipients and shares, and the declared opens. Members see the recordings they
 * hold a key to; owners, admins and compliance officers see that every recording exists.
 */
function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new AppError('validation_failed', 'cursor is not one this API returned.', {
      errors: [{ path: 'querystring.cursor', message: 'is not a cursor from a previous page' }],
    });
  }
  return { createdAt, id };
}

export async function listRecordings(options: {
  db: Db;
  userId: string;
  orgId: string;
  meetingId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}): Promise<RecordingPage> {
  const { db } = options;
  const membership = await db.membership.findUnique({
    where: { orgId_userId: { orgId: options.orgId, userId: options.userId } },
  });
  if (!membership) throw new AppError('not_found', 'There is no such organisation.');
  const orgWide = ['owner', 'admin', 'compliance'].includes(membership.role);
  const hostOf = await db.meetingInvitee.findMany({
    where: { userId: options.userId, role: 'host', meeting: { orgId: options.orgId } },
    select: { meetingId: true },
    take: 10_000,
  });
  const hostMeetings = hostOf.map((h) => h.meetingId);
  const visibility: Prisma.RecordingWhereInput = orgWide
    ? {}
    : {
        OR: [
          { recorderId: options.userId },
          { meetingId: { in: hostMeetings } },
          { shares: { some: { userId: options.userId } } },
        ],
      };
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await db.recording.findMany({
    where: {
      AND: [
        { orgId: options.orgId },
        options.meetingId ? { meetingId: options.meetingId } : {},
        visibility,
        after
          ? {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { lt: after.id } },
              ],
            }
          : {},
      ],
    },
    include: RECORDING_INCLUDE,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit + 1,
  });
  const page = rows.slice(0, options.limit);
  const titles = new Map(
    (
      await db.meeting.findMany({
        where: { id: { in: [...new Set(page.map((r) => r.meetingId))] } },
        select: { id: true, title: true },
      })
    ).map((m) => [m.id, m.title]),
  );
  const recordings = page.map((row) => {
    const access: RecordingAccess = {
      isRecorder: row.recorderId === options.userId,
      isHost: hostMeetings.includes(row.meetingId),
      isShared: row.shares.some((s) => s.userId === options.userId),
      orgRole: membership.role,
    };
    return toSummary(row, titles.get(row.meetingId) ?? '', access);
  });
  const last = page.at(-1);
  return {
    recordings,
    nextCursor: rows.length > options.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export async function getRecordingDetail(options: {
  db: Db;
  userId: string;
  recordingId: string;
}): Promise<RecordingDetail> {
  const { db } = options;
  const { row, access, meetingTitle } = await loadRecordingFor(db, options);
  const consents = await db.recordingConsent.findMany({
    where: { recordingId: row.id },
    orderBy: { createdAt: 'asc' },
  });
  const shares = await db.recordingShare.findMany({
    where: { recordingId: row.id },
    orderBy: { createdAt: 'asc' },
  });
  const hosts = await meetingHostIds(db, row.meetingId);
  const envelope = row.envelope as SignedStatementJson | null;
  const recipientKeyIds = Array.isArray(envelope?.payload.recipients)
    ? (envelope.payload.recipients as { keyId?: unknown }[])
        .map((r) => r.keyId)
        .filter((id): id is string => typeof id === 'string')
    : [];
  const people = [
    row.recorderId,
    ...hosts,
    ...shares.map((s) => s.userId),
    ...shares.map((s) => s.grantedById),
  ];
  const keys = await db.identityKey.findMany({
    where: { exchangeKeyId: { in: [...recipientKeyIds, ...shares.map((s) => s.keyId)] } },
    select: { userId: true, exchangeKeyId: true },
  });
  const users = await db.user.findMany({
    where: { id: { in: [...new Set([...people, ...keys.map((k) => k.userId)])] } },
    select: { id: true, displayName: true },
  });
  const name = new Map(users.map((u) => [u.id, u.displayName]));
  const owner = new Map(keys.map((k) => [k.exchangeKeyId, k.userId]));
  const recipients: RecordingDetail['recipients'] = recipientKeyIds.map((keyId) => {
    const userId = owner.get(keyId) ?? null;
    const kind =
      userId === row.recorderId
        ? 'recorder'
        : userId && hosts.includes(userId)
          ? 'host'
          : userId
            ? 'shared'
            : 'compliance';
    return { keyId, kind, userId, name: userId ? (name.get(userId) ?? null) : null };
  });
  for (const share of shares) {
    recipients.push({
      keyId: share.keyId,
      kind: 'shared',
      userId: share.userId,
      name: name.get(share.userId) ?? null,
    });
  }
  return {
    recording: toSummary(row, meetingTitle, access),
    envelope,
    seal: row.seal as SignedStatementJson | null,
    consents: consents.map((c): RecordingConsent => ({
      participantId: c.participantId,
      kind: c.kind,
      userId: c.userId,
      name: c.displayName,
      decision: c.decision === 'accept' ? 'accept' : 'decline',
      decidedAt: c.decidedAt.toISOString(),
      statement: c.statement as SignedStatementJson,
      guestBinding: c.guestBinding,
    })),
    recipients,
    shares: shares.map((s) => ({
      userId: s.userId,
      name: name.get(s.userId) ?? '',
      keyId: s.keyId,
      grantedBy: { userId: s.grantedById, name: name.get(s.grantedById) ?? '' },
      grantedAt: s.createdAt.toISOString(),
      grant: s.grant as SignedStatementJson,
    })),
  };
}

/** A user who may open the recording (holds a key, still a member), or 404/403. */
export async function requireOpenable(options: { db: Db; userId: string; recordingId: string }) {
  const loaded = await loadRecordingFor(options.db, options);
  if (!recordingPermissions(loaded.access).canOpen) {
    throw new AppError(
      'forbidden',
      'This recording is not shared with you: ask its recorder or a host to share it.',
    );
  }
  if (loaded.row.state === 'requested' || loaded.row.envelope === null) {
    throw recordingNotFound();
  }
  return loaded;
}

/** The client says it opened the recording (decryption happens in the browser). */
export async function recordOpen(options: { db: Db; userId: string; recordingId: string }) {
  const { row } = await requireOpenable(options);
  await recordAudit(options.db, {
    orgId: row.orgId,
    actorUserId: options.userId,
    action: 'recording.opened',
    subject: { type: 'recording', id: row.id },
    details: { state: row.state },
  });
}
