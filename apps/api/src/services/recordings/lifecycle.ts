import { createHash } from 'node:crypto';
import {
  canonicalJson,
  CryptoError,
  checkRequiredRecipients,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  type RecordingEnvelope,
  type RecordingSeal,
  type Signed,
} from '@conclave/crypto';
import type {
  CreateRecordingInput,
  RequiredRecipient,
  RoomRecording,
  ServerMessage,
  SignedStatementJson,
} from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { DbOrTx } from '../../db/transaction';
import type { Prisma, Recording } from '../../db/generated/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { getEffectiveMeetingPolicy } from '../policies/effective-policy';
import { FramingValidator } from './framing';
import { meetingHostIds, recordingNotFound, toRoomRecording } from './model';
import type { RecordingStorage } from './storage/index';
import { directoryTrust, statedUserIds } from './trust';

/** What the lifecycle needs of the live room (the control-channel hub). */
export interface RoomPort {
  /** Who is in the room now (admitted participants). */
  participants(room: {
    meetingId: string;
    occurrenceId: string;
  }): Promise<
    { id: string; kind: 'member' | 'guest'; role: 'host' | 'participant'; displayName: string }[]
  >;
  broadcast(
    room: { meetingId: string; occurrenceId: string },
    message: ServerMessage,
  ): Promise<void>;
}

export interface Actor {
  userId: string;
  displayName: string;
}

const DAY_MS = 86_400_000;

export async function announce(room: RoomPort, row: Recording): Promise<void> {
  const recording: RoomRecording = toRoomRecording(row);
  await room.broadcast(
    { meetingId: row.meetingId, occurrenceId: row.occurrenceId },
    { type: 'recording', recording },
  );
}

function cryptoProblem(error: unknown, what: string): never {
  if (error instanceof CryptoError) {
    throw new AppError(
      'unprocessable',
      `The ${what} was refused: ${error.message} (${error.code}).`,
    );
  }
  throw error;
}

/** The keys a recording's envelope must be sealed to: the recorder and every host. */
export async function requiredRecipients(
  db: DbOrTx,
  options: { meetingId: string; recorderId: string; escrow: boolean },
): Promise<RequiredRecipient[]> {
  const hosts = (await meetingHostIds(db, options.meetingId)).filter(
    (id) => id !== options.recorderId,
  );
  const keys = await db.identityKey.findMany({
    where: { userId: { in: [options.recorderId, ...hosts] }, replacedAt: null },
    select: { userId: true, exchangeKeyId: true, exchangePublicKey: true },
  });
  const byUser = new Map(keys.map((k) => [k.userId, k]));
  const recorderKey = byUser.get(options.recorderId);
  if (!recorderKey) {
    throw new AppError('unprocessable', 'You have no identity keys yet, so you cannot record.');
  }
  const result: RequiredRecipient[] = [
    {
      kind: 'recorder',
      userId: options.recorderId,
      keyId: recorderKey.exchangeKeyId,
      exchangePublicKey: recorderKey.exchangePublicKey,
    },
  ];
  for (const host of hosts) {
    const key = byUser.get(host);
    // A host without identity keys (never signed in since the keys were introduced) holds no key.
    if (key) {
      result.push({
        kind: 'host',
        userId: host,
        keyId: key.exchangeKeyId,
        exchangePublicKey: key.exchangePublicKey,
      });
    }
  }
  // Compliance keys come with the compliance issue; until then escrow cannot be satisfied.
  if (options.escrow) {
    throw new AppError(
      'unprocessable',
      'This meeting requires recordings to be escrowed to compliance keys, and the organisation has none registered.',
    );
  }
  return result;
}

/** Asks to record: checks policy and presence, stores the request, tells the room. */
export async function createRecording(options: {
  db: Db;
  room: RoomPort;
  storage: RecordingStorage;
  actor: Actor;
  meetingId: string;
  input: CreateRecordingInput;
}): Promise<{ row: Recording; requiredRecipients: RequiredRecipient[] }> {
  const { db, actor, input } = options;
  const meeting = await db.meeting.findUnique({
    where: { id: options.meetingId },
    select: { id: true, orgId: true, title: true },
  });
  const membership = meeting
    ? await db.membership.findUnique({
        where: { orgId_userId: { orgId: meeting.orgId, userId: actor.userId } },
      })
    : null;
  if (!meeting || !membership) {
    throw new AppError('not_found', 'There is no such meeting, or you are not invited to it.');
  }
  // The live room the actor is in: the requested occurrence, or any open room of the meeting.
  const rooms = await db.meetingRoom.findMany({
    where: {
      meetingId: meeting.id,
      endedAt: null,
      ...(input.occurrence ? { occurrenceId: input.occurrence } : {}),
    },
    orderBy: { createdAt: 'desc' },
    take: 10,
  });
  let self: Awaited<ReturnType<RoomPort['participants']>>[number] | undefined;
  let occurrenceId: string | undefined;
  for (const candidate of rooms) {
    const present = await options.room.participants(candidate);
    self = present.find((p) => p.id === actor.userId && p.kind === 'member');
    if (self) {
      occurrenceId = candidate.occurrenceId;
      break;
    }
  }
  if (!self || !occurrenceId) {
    throw new AppError(
      'forbidden',
      'Join the meeting first: only a participant admitted to the live room can record it.',
    );
  }
  const policy = await getEffectiveMeetingPolicy({ db, meetingId: meeting.id });
  const rules = policy.recording;
  if (rules.allowed === 'off') {
    throw new AppError('forbidden', 'Recording is off for this meeting.');
  }
  const hosts = await meetingHostIds(db, meeting.id);
  const isHost = self.role === 'host' || hosts.includes(actor.userId);
  if (rules.allowed === 'hosts' && !isHost) {
    throw new AppError('forbidden', "Only the meeting's hosts may record this meeting.");
  }
  if (rules.audioOnly === 'required' && input.mode === 'video') {
    throw new AppError(
      'unprocessable',
      'This meeting may only be recorded as audio: ask for an audio-only recording.',
      { errors: [{ path: 'body.mode', message: 'must be audio under this policy' }] },
    );
  }
  const required = await requiredRecipients(db, {
    meetingId: meeting.id,
    recorderId: actor.userId,
    escrow: rules.escrow === 'compliance',
  });
  const now = Date.now();
  let row: Recording;
  try {
    row = await db.$transaction(async (tx) => {
      const created = await tx.recording.create({
        data: {
          orgId: meeting.orgId,
          meetingId: meeting.id,
          occurrenceId,
          recorderId: actor.userId,
          recorderName: actor.displayName,
          recorderParticipantId: self.id,
          mode: input.mode,
          mimeType: input.mimeType,
          consentMode: rules.consent,
          escrow: rules.escrow === 'compliance',
          storage: options.storage.kind,
          storageKey: '',
          deletableFrom:
            rules.minRetentionDays !== null
              ? new Date(now + rules.minRetentionDays * DAY_MS)
              : null,
          expiresAt:
            rules.retentionDays !== null ? new Date(now + rules.retentionDays * DAY_MS) : null,
        },
      });
      await recordAudit(tx, {
        orgId: meeting.orgId,
        actorUserId: actor.userId,
        action: 'recording.requested',
        subject: { type: 'recording', id: created.id },
        details: {
          meetingId: meeting.id,
          occurrenceId,
          mode: input.mode,
          consent: rules.consent,
          requiredRecipients: required.map((r) => ({ kind: r.kind, keyId: r.keyId })),
        },
      });
      return tx.recording.update({ where: { id: created.id }, data: { storageKey: created.id } });
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') {
      throw new AppError(
        'conflict',
        'This meeting is already being recorded: one recording per room at a time.',
      );
    }
    throw error;
  }
  await announce(options.room, row);
  return { row, requiredRecipients: required };
}

async function loadAsRecorder(db: DbOrTx, recordingId: string, userId: string): Promise<Recording> {
  const row = /^[0-9a-f-]{36}$/i.test(recordingId)
    ? await db.recording.findUnique({ where: { id: recordingId } })
    : null;
  if (!row) throw recordingNotFound();
  if (row.recorderId !== userId) {
    const member = await db.membership.findUnique({
      where: { orgId_userId: { orgId: row.orgId, userId } },
    });
    if (!member) throw recordingNotFound();
    throw new AppError('forbidden', 'Only the recorder can do this.');
  }
  return row;
}

/** A signed statement as a JSONB value (it came in as JSON). */
export function asJson(value: SignedStatementJson): Prisma.InputJsonValue {
  return value as unknown as Prisma.InputJsonValue;
}

/** JSONB does not keep key order: compare canonical forms (RFC 8785). */
function sameJson(a: unknown, b: unknown): boolean {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

/** Stores the recorder's signed envelope once, after checking it; the recording starts. */
export async function storeEnvelope(options: {
  db: Db;
  room: RoomPort;
  actor: Actor;
  recordingId: string;
  envelope: SignedStatementJson;
}): Promise<Recording> {
  const { db } = options;
  const row = await loadAsRecorder(db, options.recordingId, options.actor.userId);
  if (row.envelope !== null) {
    if (sameJson(row.envelope, options.envelope)) return row;
    throw new AppError('conflict', 'This recording already has a different envelope.');
  }
  if (row.state !== 'requested') {
    throw new AppError(
      'conflict',
      `This recording is ${row.state.replace('_', ' ')}; it takes no envelope.`,
    );
  }
  const signed = options.envelope as unknown as Signed<RecordingEnvelope>;
  const trust = await directoryTrust(db, statedUserIds(options.envelope.payload));
  let envelope: RecordingEnvelope;
  try {
    envelope = verifyRecordingEnvelope(signed, trust);
  } catch (error) {
    cryptoProblem(error, 'envelope');
  }
  const mismatch =
    envelope.recordingId !== row.id
      ? 'it is for another recording'
      : envelope.meetingId !== row.meetingId
        ? 'it is for another meeting'
        : envelope.recorder.userId !== row.recorderId
          ? 'it names another recorder'
          : envelope.mimeType !== row.mimeType
            ? `its MIME type ${envelope.mimeType} is not the requested ${row.mimeType}`
            : null;
  if (mismatch) throw new AppError('unprocessable', `The envelope was refused: ${mismatch}.`);
  const required = await requiredRecipients(db, {
    meetingId: row.meetingId,
    recorderId: row.recorderId,
    escrow: row.escrow,
  });
  try {
    checkRequiredRecipients(
      envelope,
      required.map((r) => r.keyId),
    );
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'MISSING_RECIPIENTS') {
      const present = new Set(envelope.recipients.map((r) => r.keyId));
      const missing = required
        .filter((r) => !present.has(r.keyId))
        .map((r) => `${r.kind}${r.userId ? ` ${r.userId}` : ''} (key ${r.keyId})`);
      throw new AppError(
        'unprocessable',
        `The envelope was refused: it is not sealed to ${missing.join(', ')}.`,
      );
    }
    cryptoProblem(error, 'envelope');
  }
  const updated = await db.$transaction(async (tx) => {
    const claimed = await tx.recording.updateMany({
      where: { id: row.id, state: 'requested' },
      data: {
        envelope: asJson(options.envelope),
        state: 'recording',
        startedAt: new Date(),
        lastUploadAt: new Date(),
      },
    });
    if (claimed.count === 0)
      throw new AppError('conflict', 'This recording already has an envelope.');
    await recordAudit(tx, {
      orgId: row.orgId,
      actorUserId: options.actor.userId,
      action: 'recording.started',
      subject: { type: 'recording', id: row.id },
      details: {
        recipients: envelope.recipients.map((r) => r.keyId),
        consents: envelope.consents.length,
        envelopeSha256: createHash('sha256').update(JSON.stringify(options.envelope)).digest('hex'),
      },
    });
    return tx.recording.findUniqueOrThrow({ where: { id: row.id } });
  });
  await announce(options.room, updated);
  return updated;
}

/** Checks the recorder's seal against the stored object (native SHA-256, streamed). */
export async function sealRecording(options: {
  db: Db;
  room: RoomPort;
  storage: RecordingStorage;
  actor: Actor;
  recordingId: string;
  seal: SignedStatementJson;
}): Promise<Recording> {
  const { db } = options;
  const row = await loadAsRecorder(db, options.recordingId, options.actor.userId);
  if (row.state === 'complete') {
    if (sameJson(row.seal, options.seal)) return row;
    throw new AppError('conflict', 'This recording is already sealed with a different seal.');
  }
  if (row.state === 'requested' || row.envelope === null) {
    throw new AppError(
      'conflict',
      'Store the envelope and upload the recording before sealing it.',
    );
  }
  const envelope = (row.envelope as unknown as Signed<RecordingEnvelope>).payload;
  const trust = await directoryTrust(db, [row.recorderId]);
  let seal: RecordingSeal;
  try {
    seal = verifyRecordingSeal(options.seal as unknown as Signed<RecordingSeal>, trust, envelope);
  } catch (error) {
    cryptoProblem(error, 'seal');
  }
  const stored = await options.storage.size(row.storageKey);
  if (stored !== Number(row.sizeBytes)) {
    throw new AppError(
      'conflict',
      `The upload is not finished: ${stored} bytes stored, ${row.sizeBytes} acknowledged. Resume it first.`,
    );
  }
  if (seal.ciphertextBytes !== stored) {
    throw new AppError(
      'unprocessable',
      `The seal does not match: ciphertextBytes is ${seal.ciphertextBytes}, the stored object has ${stored} bytes.`,
    );
  }
  if (
    !FramingValidator.complete({
      position: Number(row.sizeBytes),
      nextRecordAt: Number(row.nextRecordAt),
    })
  ) {
    throw new AppError(
      'unprocessable',
      `The stored object ends inside a record (torn record at byte ${row.sizeBytes}); upload the rest before sealing.`,
    );
  }
  const hash = createHash('sha256');
  for await (const chunk of await options.storage.read(row.storageKey))
    hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (digest !== seal.ciphertextSha256) {
    throw new AppError(
      'unprocessable',
      `The seal does not match: ciphertextSha256 is ${seal.ciphertextSha256}, the stored object's is ${digest}.`,
    );
  }
  const endedAt = new Date(seal.endedAt);
  const startedAt = new Date(envelope.startedAt);
  const updated = await db.$transaction(async (tx) => {
    const claimed = await tx.recording.updateMany({
      where: { id: row.id, state: { in: ['recording', 'ended_early'] } },
      data: {
        seal: asJson(options.seal),
        state: 'complete',
        endedAt,
        endReason: null,
        durationMs: Math.max(0, endedAt.getTime() - startedAt.getTime()),
      },
    });
    if (claimed.count === 0) throw new AppError('conflict', 'This recording was sealed meanwhile.');
    await recordAudit(tx, {
      orgId: row.orgId,
      actorUserId: options.actor.userId,
      action: 'recording.sealed',
      subject: { type: 'recording', id: row.id },
      details: {
        chunkCount: seal.chunkCount,
        ciphertextBytes: seal.ciphertextBytes,
        ciphertextSha256: seal.ciphertextSha256,
      },
    });
    return tx.recording.findUniqueOrThrow({ where: { id: row.id } });
  });
  await announce(options.room, updated);
  return updated;
}

/**
 * A recording that will not be sealed (the recorder left, the room ended, the upload stalled)
 * becomes ended_early; it stays playable up to where it stops. A later seal still completes it.
 * Storage that cannot serve an unfinished upload (S3's multipart upload) is finalised at what
 * it holds (`storage.finalize`), so the content route serves the acknowledged bytes.
 */
export async function endRecordingEarly(options: {
  db: Db;
  room: RoomPort | null;
  storage?: RecordingStorage | null;
  log?: { warn(details: object, message: string): void };
  recordingId: string;
  reason: 'recorder_left' | 'room_ended' | 'stalled';
}): Promise<Recording | null> {
  const { db } = options;
  const row = await db.recording.findUnique({ where: { id: options.recordingId } });
  if (!row || (row.state !== 'requested' && row.state !== 'recording')) return null;
  const endedAt = row.lastUploadAt ?? new Date();
  const updated = await db.$transaction(async (tx) => {
    const claimed = await tx.recording.updateMany({
      where: { id: row.id, state: { in: ['requested', 'recording'] } },
      data: {
        state: 'ended_early',
        endReason: options.reason,
        recorderParticipantId: null,
        endedAt,
        durationMs: row.startedAt ? Math.max(0, endedAt.getTime() - row.startedAt.getTime()) : null,
      },
    });
    if (claimed.count === 0) return null;
    await recordAudit(tx, {
      orgId: row.orgId,
      actorUserId: null,
      action: 'recording.ended_early',
      subject: { type: 'recording', id: row.id },
      details: { reason: options.reason, sizeBytes: Number(row.sizeBytes) },
    });
    return tx.recording.findUniqueOrThrow({ where: { id: row.id } });
  });
  if (updated && row.uploadStarted && options.storage?.finalize) {
    try {
      await options.storage.finalize(row.storageKey);
    } catch (error) {
      options.log?.warn(
        { err: error, recordingId: row.id },
        'recordings: the ended-early upload could not be finalised in storage',
      );
    }
  }
  if (updated && options.room) await announce(options.room, updated);
  return updated;
}
