import { z } from 'zod';
import { guestKeySchema, occurrenceIdSchema } from './meetings';

/**
 * The control channel: one WebSocket per participant and meeting occurrence at
 * `GET /api/meetings/:meetingId/control` (docs/meetings.md has the whole protocol). Every frame
 * is a JSON text message with a `type`. The server answers anything it cannot read or does not
 * allow with an `error` message; it closes the socket only with one of `CONTROL_CLOSE_CODES`.
 */

/** Limits the server enforces; `welcome` repeats them so clients need not hard-code them. */
export const CONTROL_LIMITS = {
  /** WebSocket frames above this close the connection with 1009 (message too big). */
  maxFrameBytes: 64 * 1024,
  /** A relay payload above this is refused with an error; the connection stays open. */
  maxRelayPayloadBytes: 32 * 1024,
  /** Token bucket per connection: this many messages at once, refilled at `messagesPerSecond`. */
  messageBurst: 600,
  messagesPerSecond: 200,
  /** The server pings this often; a connection that misses two pings is closed with 4408. */
  heartbeatIntervalMs: 15_000,
} as const;

export const CONTROL_CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  messageTooBig: 1009,
  badRequest: 4400,
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  heartbeatTimeout: 4408,
  replaced: 4409,
  meetingEnded: 4410,
  removed: 4411,
  denied: 4412,
  /** The client did not read fast enough; what the server queued for it grew too large. */
  slowConsumer: 4413,
  notOpen: 4425,
  rateLimited: 4429,
} as const;
export type ControlCloseCode = (typeof CONTROL_CLOSE_CODES)[keyof typeof CONTROL_CLOSE_CODES];

export const participantIdSchema = z.string().min(1).max(80);

/** The public identity of a member, from the org's key directory (packages/crypto's PublicIdentity). */
export const participantIdentitySchema = z.object({
  signingPublicKey: z.string(),
  exchangePublicKey: z.string(),
  signingKeyId: z.string(),
  exchangeKeyId: z.string(),
});
export type PublicIdentityInfo = z.infer<typeof participantIdentitySchema>;

export const participantSchema = z.object({
  id: participantIdSchema.describe('User id for members, guest id (guest-...) for guests'),
  kind: z.enum(['member', 'guest']),
  displayName: z.string(),
  role: z.enum(['host', 'participant']),
  /** Members: their current identity in the key directory (null if they have none yet). */
  identity: participantIdentitySchema.nullable(),
  /** Guests: the ephemeral key and link-secret binding they sent; checked by clients, not the server. */
  guestKey: guestKeySchema.nullable(),
  joinedAt: z.iso.datetime(),
});
export type Participant = z.infer<typeof participantSchema>;

export const lobbyEntrySchema = participantSchema.extend({
  waitingSince: z.iso.datetime(),
});
export type LobbyEntry = z.infer<typeof lobbyEntrySchema>;

/**
 * Names the purpose of a relayed payload so the room can route it (sender keys, chat, ...).
 * The server forwards the payload without reading it; the channel name is visible to it.
 */
export const relayChannelSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lower-case name like sender-key');

const messageId = z.string().min(1).max(64);

/** packages/crypto's Signed<T> as JSON (checked by packages/crypto, only bounded here). */
const recordingSignedStatementSchema = z.object({
  payload: z.record(z.string(), z.unknown()),
  signature: z.string().min(1).max(200),
});

// ---- client to server ------------------------------------------------------------------

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: messageId.optional() }),
  z.object({
    type: z.literal('relay'),
    /** A participant id, or `*` for everyone else in the room. */
    to: z.union([participantIdSchema, z.literal('*')]),
    channel: relayChannelSchema,
    /** Opaque to the server: ciphertext or anything the clients agree on, as a string. */
    payload: z.string(),
    id: messageId.optional(),
  }),
  z.object({ type: z.literal('admit'), participantId: participantIdSchema }),
  z.object({
    type: z.literal('deny'),
    participantId: participantIdSchema,
    reason: z.string().max(200).optional(),
  }),
  z.object({ type: z.literal('remove'), participantId: participantIdSchema }),
  z.object({ type: z.literal('make-host'), participantId: participantIdSchema }),
  z.object({ type: z.literal('end-meeting') }),
  z.object({ type: z.literal('leave') }),
  z.object({
    type: z.literal('recording-consent'),
    recordingId: z.string().min(1).max(64),
    /**
     * Signed<ConsentStatement> (packages/crypto `signConsent`). Members sign with their identity
     * key (the server verifies it against the key directory); guests with an ephemeral Ed25519
     * key whose `participant.userId` is their guest id, bound to the link by `guestBinding`.
     */
    statement: recordingSignedStatementSchema,
    /** Guests: base64url `bindGuestKey(linkSecret, meetingId, signingPublicKey)`; members omit it. */
    guestBinding: z.string().max(64).optional(),
    id: messageId.optional(),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = clientMessageSchema.options.map(
  (option) => option.shape.type.value,
);

// ---- server to client ------------------------------------------------------------------

export const controlErrorCodeSchema = z.enum([
  'unauthenticated',
  'not_open',
  'ended',
  'malformed',
  'unknown_type',
  'invalid_message',
  'binary_not_supported',
  'payload_too_large',
  'rate_limited',
  'not_admitted',
  'forbidden',
  'recipient_not_in_meeting',
  'recipient_left',
  'not_found',
  /** A second, different decision about the same recording (consent is given once). */
  'conflict',
  'internal',
]);
export type ControlErrorCode = z.infer<typeof controlErrorCodeSchema>;

export const meetingContextSchema = z.object({
  meetingId: z.uuid(),
  occurrenceId: occurrenceIdSchema,
  /** null for someone waiting in the lobby who may not see the meeting (guests, uninvited members). */
  title: z.string().nullable(),
  roomName: z.string(),
  e2ee: z.boolean(),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
});

/** The room's view of a recording (the REST API's RecordingSummary has the rest). */
export const roomRecordingSchema = z.object({
  id: z.string(),
  state: z.enum(['requested', 'recording', 'complete', 'ended_early']),
  recorder: z.object({
    /** The recorder's participant id in this room; null once they left. */
    participantId: participantIdSchema.nullable(),
    userId: z.string(),
    name: z.string(),
  }),
  mode: z.enum(['video', 'audio']),
  consent: z.enum(['notify', 'explicit']),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
});
export type RoomRecording = z.infer<typeof roomRecordingSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    self: participantSchema,
    status: z.enum(['admitted', 'lobby']),
    meeting: meetingContextSchema,
    /** Others in the room (empty while in the lobby). */
    participants: z.array(participantSchema),
    /** Who waits in the lobby (hosts only; empty for everyone else). */
    lobby: z.array(lobbyEntrySchema),
    /** Guests: a fresh ticket to reconnect with (the first one is short-lived). */
    ticket: z.string().nullable(),
    limits: z.object({
      maxFrameBytes: z.number(),
      maxRelayPayloadBytes: z.number(),
      messageBurst: z.number(),
      messagesPerSecond: z.number(),
      heartbeatIntervalMs: z.number(),
    }),
  }),
  z.object({ type: z.literal('pong'), id: messageId.optional(), serverTime: z.iso.datetime() }),
  z.object({
    type: z.literal('admitted'),
    self: participantSchema,
    participants: z.array(participantSchema),
    ticket: z.string().nullable(),
  }),
  z.object({ type: z.literal('participant-joined'), participant: participantSchema }),
  z.object({ type: z.literal('participant-updated'), participant: participantSchema }),
  z.object({
    type: z.literal('participant-left'),
    participantId: participantIdSchema,
    reason: z.enum(['left', 'disconnected', 'removed', 'replaced']),
  }),
  z.object({ type: z.literal('lobby-joined'), entry: lobbyEntrySchema }),
  z.object({
    type: z.literal('lobby-left'),
    participantId: participantIdSchema,
    outcome: z.enum(['admitted', 'denied', 'left']),
    by: participantIdSchema.nullable(),
  }),
  z.object({
    type: z.literal('relay'),
    from: participantIdSchema,
    channel: relayChannelSchema,
    payload: z.string(),
    id: messageId.optional(),
    /** True when it was sent to everyone rather than to you alone. */
    broadcast: z.boolean(),
  }),
  z.object({ type: z.literal('denied'), reason: z.string().nullable() }),
  z.object({ type: z.literal('removed'), by: participantIdSchema }),
  z.object({ type: z.literal('meeting-ended'), by: participantIdSchema.nullable() }),
  z.object({ type: z.literal('ticket'), ticket: z.string() }),
  /**
   * The room's recording: sent to everyone on every state change, and to each joiner right
   * after `welcome` (then that recording's stored consents) while one is requested or running.
   */
  z.object({ type: z.literal('recording'), recording: roomRecordingSchema }),
  /** A consent the server stored (members' verified against the key directory), relayed to all. */
  z.object({
    type: z.literal('recording-consent'),
    recordingId: z.string(),
    participantId: participantIdSchema,
    statement: recordingSignedStatementSchema,
    guestBinding: z.string().nullable(),
  }),
  z.object({
    type: z.literal('error'),
    code: controlErrorCodeSchema,
    message: z.string(),
    /** The `id` (or type) of the client message this answers, when there was one. */
    ref: z.string().nullable(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerMessageType = ServerMessage['type'];
