import { z } from 'zod';
import { idSchema } from './accounts';
import { occurrenceIdSchema } from './meetings';

/**
 * Recordings (docs/recording.md): made and encrypted in a participant's browser; the API stores
 * the signed envelope, the ciphertext (uploaded with tus 1.0) and the signed seal, and checks
 * what it can without keys. Signed statements are packages/crypto's `Signed<T>`: the API checks
 * them with packages/crypto, so these schemas only bound their shape and size.
 */

export const recordingIdSchema = idSchema;

export const recordingModeSchema = z
  .enum(['video', 'audio'])
  .describe('Video with audio, or audio only');
export type RecordingMode = z.infer<typeof recordingModeSchema>;

/**
 * requested: asked for, envelope not yet stored (consent is being collected);
 * recording: envelope stored, ciphertext arriving;
 * complete: sealed, and the seal matches the stored object;
 * ended_early: never sealed (recorder left, room ended, upload stalled); plays to where it stops.
 */
export const recordingStateSchema = z.enum(['requested', 'recording', 'complete', 'ended_early']);
export type RecordingState = z.infer<typeof recordingStateSchema>;

export const recordingConsentModeSchema = z.enum(['notify', 'explicit']);

/** Limits the API enforces on the stored object (DESIGN "Recording format"). */
export const RECORDING_LIMITS = {
  /** The secretstream header at the start of the object. */
  headerBytes: 24,
  /** Bytes of each record's big-endian length prefix. */
  lengthPrefixBytes: 4,
  /** Smallest ciphertext of a record (an empty chunk): 17 bytes. */
  minRecordCiphertextBytes: 17,
  /** Largest ciphertext of a record: 1 MiB of plaintext + 17. */
  maxRecordCiphertextBytes: 1024 * 1024 + 17,
  /** The tus protocol version the upload endpoint speaks. */
  tusVersion: '1.0.0',
} as const;

/**
 * A packages/crypto `Signed<T>`: `{ payload, signature }`, Ed25519 over the RFC 8785 canonical
 * JSON of `payload`. The payload's fields are checked by packages/crypto, not here.
 */
export const signedStatementSchema = z.object({
  payload: z.record(z.string(), z.unknown()),
  signature: z.string().min(1).max(200),
});
export type SignedStatementJson = z.infer<typeof signedStatementSchema>;

const mimeTypeSchema = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(
    /^(video|audio)\/[a-z0-9.+-]+(;\s*codecs="?[A-Za-z0-9.,\s+-]+"?)?$/,
    'must be a video/ or audio/ MIME type such as video/webm;codecs=vp8,opus',
  );

export const createRecordingSchema = z
  .object({
    occurrence: occurrenceIdSchema
      .optional()
      .describe('The occurrence being recorded; default: the one whose room is live'),
    mode: recordingModeSchema,
    mimeType: mimeTypeSchema.describe(
      'What MediaRecorder produces, e.g. video/webm;codecs=vp8,opus',
    ),
  })
  .meta({ id: 'CreateRecording' });
export type CreateRecordingInput = z.input<typeof createRecordingSchema>;

/** A key the envelope must be sealed to (DESIGN: recorder, every host, compliance under escrow). */
export const requiredRecipientSchema = z
  .object({
    kind: z.enum(['recorder', 'host', 'compliance']),
    /** The member for recorder and host; null for compliance keys. */
    userId: z.string().nullable(),
    keyId: z.string(),
    /** X25519 public key, base64url: seal the recording key to this. */
    exchangePublicKey: z.string(),
  })
  .meta({ id: 'RequiredRecipient' });
export type RequiredRecipient = z.infer<typeof requiredRecipientSchema>;

export const recordingSummarySchema = z
  .object({
    id: recordingIdSchema,
    orgId: z.string(),
    meetingId: z.string(),
    occurrence: occurrenceIdSchema.nullable(),
    meetingTitle: z.string(),
    recorder: z.object({ userId: z.string(), name: z.string() }),
    mode: recordingModeSchema,
    mimeType: z.string(),
    state: recordingStateSchema,
    consent: recordingConsentModeSchema,
    /** When the envelope was stored (the recording began); null while requested. */
    startedAt: z.iso.datetime().nullable(),
    /** Sealed, or ended early; null while running. */
    endedAt: z.iso.datetime().nullable(),
    /** From the seal (endedAt - startedAt), or for ended_early up to the last upload. */
    durationMs: z.number().int().nullable(),
    /** Ciphertext bytes stored so far. */
    sizeBytes: z.number().int(),
    consentCount: z.number().int(),
    declinedCount: z.number().int(),
    /** The caller holds a recipient key (recorder, host, shared with them) and may fetch it. */
    canOpen: z.boolean(),
    /** The caller may add recipients (the recorder or a host). */
    canShare: z.boolean(),
    /** The caller may delete it (recorder, hosts, org admins); minRetentionDays still applies. */
    canDelete: z.boolean(),
    /** Deletion is refused before this instant (policy minRetentionDays); null when no minimum. */
    deletableFrom: z.iso.datetime().nullable(),
    /** The retention job deletes it after this instant; null when kept indefinitely. */
    expiresAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'RecordingSummary' });
export type RecordingSummary = z.infer<typeof recordingSummarySchema>;

export const createRecordingResponseSchema = z
  .object({
    recording: recordingSummarySchema,
    requiredRecipients: z.array(requiredRecipientSchema),
  })
  .meta({ id: 'CreatedRecording' });
export type CreatedRecording = z.infer<typeof createRecordingResponseSchema>;

export const recordingParamsSchema = z.object({ recordingId: recordingIdSchema });
export const meetingRecordingsParamsSchema = z.object({ meetingId: idSchema });
export const orgRecordingsParamsSchema = z.object({ orgId: idSchema });

/** `PUT /api/recordings/:recordingId/envelope`: the recorder only, once. */
export const putRecordingEnvelopeSchema = z
  .object({ envelope: signedStatementSchema.describe('Signed<RecordingEnvelope>') })
  .meta({ id: 'PutRecordingEnvelope' });

/** `POST /api/recordings/:recordingId/seal`: the recorder only. */
export const sealRecordingSchema = z
  .object({ seal: signedStatementSchema.describe('Signed<RecordingSeal>') })
  .meta({ id: 'SealRecording' });

/** `POST /api/recordings/:recordingId/recipients`: the recorder or a host shares with a member. */
export const shareRecordingSchema = z
  .object({ grant: signedStatementSchema.describe('Signed<RecordingShare> (packages/crypto)') })
  .meta({ id: 'ShareRecording' });

export const recordingResponseSchema = z.object({ recording: recordingSummarySchema });

export const listRecordingsQuerySchema = z.object({
  meetingId: idSchema.optional(),
  /** The previous page's `nextCursor`. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type ListRecordingsQuery = z.input<typeof listRecordingsQuerySchema>;

export const recordingPageSchema = z
  .object({
    recordings: z.array(recordingSummarySchema),
    /** Pass as `cursor` for the next (older) page; null on the last page. */
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'RecordingPage' });
export type RecordingPage = z.infer<typeof recordingPageSchema>;

export const recordingConsentSchema = z
  .object({
    participantId: z.string(),
    kind: z.enum(['member', 'guest']),
    /** Members only. */
    userId: z.string().nullable(),
    name: z.string(),
    decision: z.enum(['accept', 'decline']),
    decidedAt: z.iso.datetime(),
    /** Signed<ConsentStatement> as sent. */
    statement: signedStatementSchema,
    /**
     * Guests: base64url binding of the statement's Ed25519 key to the guest link
     * (packages/crypto `bindGuestKey`); clients holding the link secret check it. Null for members.
     */
    guestBinding: z.string().nullable(),
  })
  .meta({ id: 'RecordingConsent' });
export type RecordingConsent = z.infer<typeof recordingConsentSchema>;

export const recordingRecipientSchema = z
  .object({
    keyId: z.string(),
    kind: z.enum(['recorder', 'host', 'compliance', 'shared']),
    /** Null for compliance keys and for key ids the server cannot attribute. */
    userId: z.string().nullable(),
    name: z.string().nullable(),
  })
  .meta({ id: 'RecordingRecipient' });

export const recordingShareSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    keyId: z.string(),
    grantedBy: z.object({ userId: z.string(), name: z.string() }),
    grantedAt: z.iso.datetime(),
    /** Signed<RecordingShare> as sent: carries the sealed key for this member. */
    grant: signedStatementSchema,
  })
  .meta({ id: 'RecordingShare' });
export type RecordingShareInfo = z.infer<typeof recordingShareSchema>;

export const recordingDetailSchema = z
  .object({
    recording: recordingSummarySchema,
    /** Signed<RecordingEnvelope>; null while requested. */
    envelope: signedStatementSchema.nullable(),
    /** Signed<RecordingSeal>; null until sealed. */
    seal: signedStatementSchema.nullable(),
    consents: z.array(recordingConsentSchema),
    recipients: z.array(recordingRecipientSchema),
    shares: z.array(recordingShareSchema),
  })
  .meta({ id: 'RecordingDetail' });
export type RecordingDetail = z.infer<typeof recordingDetailSchema>;

export const shareRecordingResponseSchema = z.object({ share: recordingShareSchema });
