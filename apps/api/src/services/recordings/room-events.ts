import { CryptoError, verifyConsent, type ConsentStatement, type Signed } from '@conclave/crypto';
import type { ServerMessage } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { RoomExtension } from '../control-channel/hub';
import { recordAudit } from '../audit/record';
import { asJson, endRecordingEarly, type RoomPort } from './lifecycle';
import { toRoomRecording } from './model';
import { directoryTrust } from './trust';

/**
 * Recordings in the live room, routed here by the control-channel hub (RoomExtension):
 * consent statements from participants, the current recording sent to each joiner, and the
 * recorder leaving or the room ending (the recording then ended early).
 */
export function recordingRoomEvents(options: {
  db: Db;
  room: RoomPort;
  log: { error(details: object, message: string): void };
}): RoomExtension {
  const { db, room } = options;

  async function activeIn(meetingId: string, occurrenceId: string) {
    return db.recording.findFirst({
      where: { meetingId, occurrenceId, state: { in: ['requested', 'recording'] } },
    });
  }

  return {
    messageTypes: ['recording-consent'],

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
      if (reason !== 'left' && reason !== 'removed' && reason !== 'ended') return;
      const recording = await activeIn(where.meetingId, where.occurrenceId);
      if (!recording) return;
      if (reason === 'ended') {
        await endRecordingEarly({ db, room, recordingId: recording.id, reason: 'room_ended' });
        return;
      }
      if (recording.recorderParticipantId === participantId) {
        await endRecordingEarly({ db, room, recordingId: recording.id, reason: 'recorder_left' });
      }
    },
  };
}
