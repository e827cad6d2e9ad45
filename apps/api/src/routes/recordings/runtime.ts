import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { applyRetention, sweepStalledRecordings } from '../../services/recordings/jobs';
import type { RoomPort } from '../../services/recordings/lifecycle';
import { recordingRoomEvents } from '../../services/recordings/room-events';
import type { RecordingStorage } from '../../services/recordings/storage/index';
import { createLocalStorage } from '../../services/recordings/storage/local';
import { createS3Storage } from '../../services/recordings/storage/s3';

export interface RecordingsRuntime {
  storage: RecordingStorage;
  room: RoomPort;
  /**
   * Runs the jobs once (the timers call them too): recorders' reconnect graces that ran out,
   * the stall sweep, retention.
   */
  runJobs(now?: Date): Promise<{ endedEarly: number; deleted: number }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    recordings: RecordingsRuntime;
  }
}

const JOB_INTERVAL_MS = 60_000;

/**
 * What the recording routes share: the storage (local files or S3), the room port over the
 * control-channel hub (which routes consent messages here), and the jobs (stalled uploads
 * become ended_early; expired recordings are deleted).
 */
export default fp(
  async function recordingsRuntime(app: FastifyInstance) {
    const { config, db } = app.conclave;
    const storage =
      config.RECORDING_STORAGE === 's3'
        ? await createS3Storage({
            bucket: config.S3_BUCKET ?? '',
            region: config.S3_REGION,
            endpoint: config.S3_ENDPOINT,
            accessKeyId: config.S3_ACCESS_KEY_ID,
            secretAccessKey: config.S3_SECRET_ACCESS_KEY,
            forcePathStyle: config.S3_FORCE_PATH_STYLE,
          })
        : await createLocalStorage(path.resolve(config.DATA_DIR, 'recordings'));
    const { hub } = app.meetings;
    const room: RoomPort = {
      participants: (where) => hub.admitted(where),
      broadcast: (where, message) => hub.broadcast(where, message),
    };
    const events = recordingRoomEvents({ db, room, storage, log: app.log });
    hub.attach(events);
    const runJobs = async (now = new Date()) => ({
      endedEarly:
        (await events.expireGraces(now)) +
        (await sweepStalledRecordings({
          db,
          room,
          storage,
          log: app.log,
          stallMs: config.RECORDING_STALL_MINUTES * 60_000,
          now,
        })),
      deleted: await applyRetention({ db, storage, now, log: app.log }),
    });
    const timer = setInterval(() => {
      runJobs().catch((error: unknown) =>
        app.log.error({ err: error }, 'recordings: background jobs failed'),
      );
    }, JOB_INTERVAL_MS);
    timer.unref();
    app.decorate('recordings', { storage, room, runJobs });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      events.close();
      await storage.close();
    });
  },
  { name: 'conclave-recordings-runtime', dependencies: ['conclave-meetings-runtime'] },
);
