import { CryptoError, verifyConsent, type ConsentStatement, type Signed } from '@conclave/crypto';
import type { ServerMessage } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { RoomExtension } from '../control-channel/hub';
import { recordAudit } from '../audit/record';
import { asJson, endRecordingEarly, type RoomPort } from './lifecycle';
import { toRoomRecording } from './model';
import type { RecordingStorage } from './storage/index';
import { directoryTrust } from './trust';

/**
 * How long a recorder whose control channel dropped without leaving (network blip, API
 * restart, missed heartbeat) has to come back before the recording ends early. Meanwhile it
 * stays `recording` and the upload goes on.
 */
export const RECORDER_RECONNECT_GRACE_MS = 60_000;

export interface RecordingRoomEvents extends RoomExtension {
  /**
   * Ends early the recordings whose recorder dropped at least the grace before `now` and
   * neither came back to the room nor uploaded since (a timer calls it when a grace runs out;
   * the jobs call it too). Returns how many ended.
   */
  expireGraces(now?: Date): Promise<number>;
  /** Stops the grace timers (the app is closing). */
  close(): void;
}

interface Grace {
  recordingId: string;
  participantId: string;
  room: { meetingId: string; occurrenceId: string };
  since: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Recordings in the live room, routed here by the control-channel hub (RoomExtension):
 * consent statements from participants, the current recording sent to each joiner, and the
 * recorder leaving or the room ending (the recording then ended early; a recorder who only
 * dropped gets `graceMs` to come back).
 */
export function recordingRoomEvents(options: {
  db: Db;
  room: RoomPort;
  storage?: RecordingStorage | null;
  log: {
    error(details: object, message: string): void;
    warn(details: object, message: string): void;
  };
  graceMs?: number;
}): RecordingRoomEvents {
  const { db, room, log } = options;
  const storage = options.storage ?? null;
  const graceMs = options.graceMs ?? RECORDER_RECONNECT_GRACE_MS;
  // Per process: after an API restart nobody holds the grace, and the stall sweep
  // (RECORDING_STALL_MINUTES without an upload) ends a recording whose recorder never returned.
  const graces = new Map<string, Grace>();
  let closed = false;

  async function expireGraces(now = new Date()): Promise<number> {
    let ended = 0;
    for (const grace of [...graces.values()]) {
      if (grace.since + graceMs > now.getTime()) continue;
      if (graces.get(grace.recordingId) !== grace) continue;
      graces.delete(grace.recordingId);
      clearTimeout(grace.timer);
      const row = await db.recording.findUnique({ where: { id: grace.recordingId } });
      if (!row || (row.state !== 'requested' && row.state !== 'recording')) continue;
      if (row.recorderParticipantId !== grace.participantId) continue;
      const present = await room.participants(grace.room);
      if (present.some((p) => p.id === grace.participantId)) continue;
      // Still uploading without the control channel: the stall sweep ends it if that stops.
      if (row.lastUploadAt && row.lastUploadAt.getTime() > grace.since) continue;
      const done = await endRecordingEarly({
        db,
        room,
        storage,
        log,
        recordingId: row.id,
        reason: 'recorder_left',
      });
      if (done) ended += 1;
    }
    return ended;
  }

  function startGrace(recordingId: string, participantId: string, where: Grace['room']) {
    if (closed) return;
    const previous = graces.get(recordingId);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      expireGraces().catch((error: unknown) =>
        log.error({ err: error, recordingId }, 'recordings: ending after the grace failed'),
      );
    }, graceMs + 100);
    timer.unref();
    graces.set(recordingId, {
      recordingId,
      participantId,
      room: { meetingId: where.meetingId, occurrenceId: where.occurrenceId },
      since: Date.now(),
      timer,
    });
  }

  async function activeIn(meetingId: string, occurrenceId: string) {
    return db.recording.findFirst({
      where: { meetingId, occurrenceId, state: { in: ['requested', 'recording'] } },
    });
  }

  return {
    messageTypes: ['recording-consent'],
    expireGraces,
    close() {
      closed = true;
      for (const grace of graces.values()) clearTimeout(grace.timer);
      graces.clear();
    },

    async receive({ room: where, participant, userId, message, fail }) {
      if (message.type !== 'recording-consent') return;
      const consent = message;
      const recording = /^[0-9a-f-]{36}$/i.test(consent.recordingId)
        ? await db.recording.findUnique({ where: { id: consent.recordingId } })
        : null;
      if (
        !recording ||
        recording.meetingId !== where.meetingId ||
        recording.occurrenceId !== where.occurrenceId
      ) {
        fail('not_found', 'There is no such recording in this meeting.');
        return;
      }
      if (recording.state !== 'requested' && recording.state !== 'recording') {
        fail(
          'invalid_message',
          `This recording is ${recording.state.replace('_', ' ')}; consent is closed.`,
        );
        return;
      }
      const signed = consent.statement as unknown as Signed<ConsentStatement>;
      const expected = { meetingId: recording.meetingId, recordingId: recording.id };
      let statement: ConsentStatement;
      try {
        // Members: against the key directory. Guests have no directory entry: their ephemeral
        // key is bound to the link (guestBinding), which only clients holding the link secret
        // can check; the server checks the signature against the key the statement carries.
        const trust =
          participant.kind === 'member' && userId
            ? await directoryTrust(db, [userId])
            : ({ trustEmbeddedKeys: true } as const);
        statement = verifyConsent(signed, trust, expected);
      } catch (error) {
        if (error instanceof CryptoError) {
          fail(
            'invalid_message',
            `The consent statement was refused: ${error.message} (${error.code}).`,
          );
          return;
        }
        throw error;
      }
      if (statement.participant.userId !== participant.id) {
        fail('invalid_message', 'The consent statement names another participant than you.');
        return;
      }
      if (participant.kind === 'guest' && !consent.guestBinding) {
        fail(
          'invalid_message',
          "A guest's consent needs guestBinding (its key bound to the link).",
        );
        return;
      }
      const existing = await db.recordingConsent.findUnique({
        where: {
          recordingId_participantId: { recordingId: recording.id, participantId: participant.id },
        },
      });
      if (existing) {
        if (existing.decision === statement.decision) return;
        fail(
          'conflict',
          `You already ${existing.decision === 'accept' ? 'accepted' : 'declined'} this recording; a decision is final.`,
        );
        return;
      }
      const guestBinding = participant.kind === 'guest' ? (consent.guestBinding ?? null) : null;
      await db.$transaction(async (tx) => {
        await tx.recordingConsent.create({
          data: {
            recordingId: recording.id,
            participantId: participant.id,
            kind: participant.kind,
            userId: participant.kind === 'member' ? userId : null,
            displayName: participant.displayName,
            decision: statement.decision,
            decidedAt: new Date(statement.decidedAt),
            statement: asJson(consent.statement),
            guestBinding,
          },
        });
        await recordAudit(tx, {
          orgId: recording.orgId,
          actorUserId: participant.kind === 'member' ? userId : null,
          ...(participant.kind === 'guest'
            ? { actorLabel: `guest ${participant.displayName}` }
            : {}),
          action:
            statement.decision === 'accept'
              ? 'recording.consent_accepted'
              : 'recording.consent_declined',
          subject: { type: 'recording', id: recording.id },
          details: {
            participantId: participant.id,
            kind: participant.kind,
            decidedAt: statement.decidedAt,
          },
        });
      });
      await room.broadcast(where, {
        type: 'recording-consent',
        recordingId: recording.id,
        participantId: participant.id,
        statement: consent.statement,
        guestBinding,
      });
    },

    async joined({ room: where, send }) {
      const recording = await activeIn(where.meetingId, where.occurrenceId);
      if (!recording) return;
      send({ type: 'recording', recording: toRoomRecording(recording) });
      const consents = await db.recordingConsent.findMany({
        where: { recordingId: recording.id },
        orderBy: { createdAt: 'asc' },
        take: 1000,
      });
      for (const c of consents) {
        const message: ServerMessage = {
          type: 'recording-consent',
          recordingId: recording.id,
          participantId: c.participantId,
          statement: c.statement as { payload: Record<string, unknown>; signature: string },
          guestBinding: c.guestBinding,
        };
        send(message);
      }
    },

    async departed({ room: where, participantId, reason }) {
      if (reason === 'denied' || reason === 'replaced') return;
      const recording = await activeIn(where.meetingId, where.occurrenceId);
      if (!recording) return;
      if (reason === 'ended') {
        await endRecordingEarly({
          db,
          room,
          storage,
          log,
          recordingId: recording.id,
          reason: 'room_ended',
        });
        return;
      }
      if (recording.recorderParticipantId !== participantId) return;
      if (reason === 'disconnected') {
        // Dropped without leaving: the recorder may reconnect and the upload goes on.
        startGrace(recording.id, participantId, where);
        return;
      }
      await endRecordingEarly({
        db,
        room,
        storage,
        log,
        recordingId: recording.id,
        reason: 'recorder_left',
      });
    },
  };
}
