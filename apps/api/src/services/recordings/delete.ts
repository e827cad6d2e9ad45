import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { loadRecordingFor, recordingPermissions } from './model';
import type { RecordingStorage } from './storage/index';

/**
 * Deletes a recording: its bytes from storage, then its rows, with an audit entry. The one
 * deletion path, used by the route (a person) and the retention job (the system), so a legal
 * hold (compliance issue) can block both here. Refused before the policy's minimum retention.
 */
export async function deleteRecording(options: {
  db: Db;
  storage: RecordingStorage;
  recordingId: string;
  /** null: the retention job. */
  actorUserId: string | null;
  reason: 'requested' | 'retention';
  now?: Date;
}): Promise<void> {
  const { db } = options;
  const now = options.now ?? new Date();
  if (options.actorUserId !== null) {
    const { access } = await loadRecordingFor(db, {
      recordingId: options.recordingId,
      userId: options.actorUserId,
    });
    if (!recordingPermissions(access).canDelete) {
      throw new AppError(
        'forbidden',
        "Only the recorder, the meeting's hosts and the organisation's admins can delete it.",
      );
    }
  }
  const row = await db.recording.findUnique({ where: { id: options.recordingId } });
  if (!row) return;
  if (row.deletableFrom && row.deletableFrom > now) {
    throw new AppError(
      'conflict',
      `This recording must be kept until ${row.deletableFrom.toISOString()} (the organisation's minimum retention); it cannot be deleted before.`,
    );
  }
  if (row.state === 'requested' || row.state === 'recording') {
    if (options.reason === 'requested') {
      throw new AppError(
        'conflict',
        'This recording is still running; stop it before deleting it.',
      );
    }
  }
  // Bytes first: a row without bytes is retried by the job; bytes without a row would be lost track of.
  await options.storage.remove(row.storageKey || row.id);
  await db.$transaction(async (tx) => {
    await tx.recording.delete({ where: { id: row.id } });
    await recordAudit(tx, {
      orgId: row.orgId,
      actorUserId: options.actorUserId,
      action: 'recording.deleted',
      subject: { type: 'recording', id: row.id },
      details: {
        reason: options.reason,
        meetingId: row.meetingId,
        occurrenceId: row.occurrenceId,
        sizeBytes: Number(row.sizeBytes),
        state: row.state,
      },
    });
  });
}
