import type { Db } from '../../db/client';
import { deleteRecording } from './delete';
import { endRecordingEarly, type RoomPort } from './lifecycle';
import type { RecordingStorage } from './storage/index';

const BATCH = 100;

/**
 * Recordings whose upload stalled (no bytes for `stallMs`, no seal) become ended_early. Bounded
 * per run; the next run takes the rest.
 */
export async function sweepStalledRecordings(options: {
  db: Db;
  room: RoomPort | null;
  storage?: RecordingStorage | null;
  log?: { warn(details: object, message: string): void };
  stallMs: number;
  now?: Date;
}): Promise<number> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.stallMs);
  const stalled = await options.db.recording.findMany({
    where: {
      OR: [
        { state: 'recording', lastUploadAt: { lt: cutoff } },
        { state: 'requested', createdAt: { lt: cutoff } },
      ],
    },
    select: { id: true },
    take: BATCH,
  });
  let ended = 0;
  for (const { id } of stalled) {
    if (
      await endRecordingEarly({
        db: options.db,
        room: options.room,
        storage: options.storage ?? null,
        ...(options.log ? { log: options.log } : {}),
        recordingId: id,
        reason: 'stalled',
      })
    ) {
      ended += 1;
    }
  }
  return ended;
}

/** Deletes recordings past their retention (through `deleteRecording`, the one path). */
export async function applyRetention(options: {
  db: Db;
  storage: RecordingStorage;
  now?: Date;
  log?: { warn(details: object, message: string): void };
}): Promise<number> {
  const now = options.now ?? new Date();
  const expired = await options.db.recording.findMany({
    where: { expiresAt: { lt: now }, state: { in: ['complete', 'ended_early'] } },
    select: { id: true },
    orderBy: { expiresAt: 'asc' },
    take: BATCH,
  });
  let deleted = 0;
  for (const { id } of expired) {
    try {
      await deleteRecording({
        db: options.db,
        storage: options.storage,
        recordingId: id,
        actorUserId: null,
        reason: 'retention',
        now,
      });
      deleted += 1;
    } catch (error) {
      options.log?.warn({ err: error, recordingId: id }, 'recordings: retention could not delete');
    }
  }
  return deleted;
}
