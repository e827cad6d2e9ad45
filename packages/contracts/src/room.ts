import { z } from 'zod';

/**
 * The meeting room's own messages. They travel inside the control channel's relay as opaque
 * payloads: the server checks who sends to whom, never what is inside. Everything that carries
 * content (chat, raised hands, mute requests) is in a `sealed` message, encrypted by the sender
 * with its current media sender key; sender keys travel on `sender-key`, each in a crypto_box
 * to one recipient. See docs/room.md.
 */

const base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');
const participantId = z.string().min(1).max(256);
const keyIndex = z.number().int().min(0).max(0xffffffff);

/** packages/crypto's `SenderKeyMessage`, as relayed. */
export const roomSenderKeyMessageSchema = z.object({
  v: z.literal(1),
  meetingId: z.string().min(1).max(256),
  senderId: participantId,
  recipientId: participantId,
  keyIndex,
  nonce: base64Url.max(64),
  box: base64Url.max(256),
});

/**
 * The relay channel names the room uses (visible to the server, like the routing of every
 * relayed message) and the JSON each one carries as its payload string.
 */
export const ROOM_CHANNELS = {
  /** My sender key, boxed to one recipient. */
  senderKey: 'sender-key',
  /** I installed your key with this index (an unauthenticated hint; see docs/room.md). */
  senderKeyAck: 'sender-key-ack',
  /** I lost keys (e.g. my control channel reconnected): send me again what I may hold. */
  keyRequest: 'key-request',
  /** Content for everyone (or one), encrypted under the sender's key with this index. */
  sealed: 'sealed',
  /** The guest link's secret, boxed to one member so it can check guests' bindings too. */
  linkSecret: 'link-secret',
} as const;
export type RoomChannel = (typeof ROOM_CHANNELS)[keyof typeof ROOM_CHANNELS];

export const roomPayloadSchemas = {
  [ROOM_CHANNELS.senderKey]: z.object({ message: roomSenderKeyMessageSchema }),
  [ROOM_CHANNELS.senderKeyAck]: z.object({ keyIndex }),
  [ROOM_CHANNELS.keyRequest]: z.object({}),
  [ROOM_CHANNELS.sealed]: z.object({
    keyIndex,
    messageId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    ciphertext: base64Url.max(24 * 1024),
  }),
  [ROOM_CHANNELS.linkSecret]: z.object({ message: roomSenderKeyMessageSchema }),
} as const;

export type RoomPayloads = {
  [C in RoomChannel]: z.infer<(typeof roomPayloadSchemas)[C]>;
};

export function isRoomChannel(channel: string): channel is RoomChannel {
  return Object.prototype.hasOwnProperty.call(roomPayloadSchemas, channel);
}

/** Parses a relayed payload string of a room channel; null when it is not valid. */
export function parseRoomPayload<C extends RoomChannel>(
  channel: C,
  payload: string,
): RoomPayloads[C] | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = roomPayloadSchemas[channel].safeParse(json);
  return parsed.success ? (parsed.data as RoomPayloads[C]) : null;
}

export type RoomSenderKeyMessage = z.infer<typeof roomSenderKeyMessageSchema>;

export const CHAT_MAX_LENGTH = 4000;

/** What a `sealed` payload holds once decrypted. */
export const roomContentSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('chat'),
    text: z.string().min(1).max(CHAT_MAX_LENGTH),
    sentAt: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal('hand'), raised: z.boolean() }),
  /** A host asks one participant to mute; only the recipient's own browser can act on it. */
  z.object({
    kind: z.literal('mute-request'),
    source: z.enum(['microphone', 'camera']),
  }),
]);

export type RoomContent = z.infer<typeof roomContentSchema>;
