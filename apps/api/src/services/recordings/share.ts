import {
  CryptoError,
  verifyRecordingShare,
  type RecordingShare,
  type Signed,
} from '@conclave/crypto';
import type { RecordingShareInfo, SignedStatementJson } from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { asJson } from './lifecycle';
import { loadRecordingFor, recordingPermissions } from './model';
import { directoryTrust } from './trust';

/**
 * Shares a recording with a member: the recorder or a host sends a signed grant carrying the
 * recording key sealed to the member's current exchange key (packages/crypto
 * `signRecordingShare`). The server checks the signature against the key directory, that the
 * granter is the caller, and that the key is the member's current one; it never sees the key.
 */
export async function shareRecording(options: {
  db: Db;
  userId: string;
  recordingId: string;
  grant: SignedStatementJson;
}): Promise<RecordingShareInfo> {
  const { db } = options;
  const { row, access } = await loadRecordingFor(db, options);
  if (!recordingPermissions(access).canShare) {
    throw new AppError('forbidden', 'Only the recorder and the meeting’s hosts can share it.');
  }
  if (row.envelope === null) {
    throw new AppError(
      'conflict',
      'This recording has not started; there is nothing to share yet.',
    );
  }
  let share: RecordingShare;
  try {
    share = verifyRecordingShare(
      options.grant as unknown as Signed<RecordingShare>,
      await directoryTrust(db, [options.userId]),
      { recordingId: row.id },
    );
  } catch (error) {
    if (error instanceof CryptoError) {
      throw new AppError(
        'unprocessable',
        `The grant was refused: ${error.message} (${error.code}).`,
      );
    }
    throw error;
  }
  if (share.grantedBy.userId !== options.userId) {
    throw new AppError('unprocessable', 'The grant was refused: it is signed by someone else.');
  }
  const recipient = share.recipient;
  const membership = /^[0-9a-f-]{36}$/i.test(recipient.userId)
    ? await db.membership.findUnique({
        where: { orgId_userId: { orgId: row.orgId, userId: recipient.userId } },
      })
    : null;
  if (!membership) {
    throw new AppError(
      'unprocessable',
      'The grant was refused: the recipient is not a member of this organisation.',
    );
  }
  const current = await db.identityKey.findFirst({
    where: { userId: recipient.userId, replacedAt: null },
    select: { exchangeKeyId: true },
  });
  if (!current || current.exchangeKeyId !== recipient.keyId) {
    throw new AppError(
      'unprocessable',
      `The grant was refused: key ${recipient.keyId} is not the member's current key${current ? ` (${current.exchangeKeyId})` : ''}.`,
    );
  }
  const existing = await db.recordingShare.findUnique({
    where: { recordingId_keyId: { recordingId: row.id, keyId: recipient.keyId } },
  });
  if (existing) throw new AppError('conflict', 'This member already holds a key to the recording.');
  const created = await db.$transaction(async (tx) => {
    const stored = await tx.recordingShare.create({
      data: {
        recordingId: row.id,
        userId: recipient.userId,
        keyId: recipient.keyId,
        grantedById: options.userId,
        grant: asJson(options.grant),
      },
    });
    await recordAudit(tx, {
      orgId: row.orgId,
      actorUserId: options.userId,
      action: 'recording.shared',
      subject: { type: 'recording', id: row.id },
      details: { recipientUserId: recipient.userId, keyId: recipient.keyId },
    });
    return stored;
  });
  const users = await db.user.findMany({
    where: { id: { in: [recipient.userId, options.userId] } },
    select: { id: true, displayName: true },
  });
  const name = (id: string) => users.find((u) => u.id === id)?.displayName ?? '';
  return {
    userId: recipient.userId,
    name: name(recipient.userId),
    keyId: recipient.keyId,
    grantedBy: { userId: options.userId, name: name(options.userId) },
    grantedAt: created.createdAt.toISOString(),
    grant: options.grant,
  };
}
