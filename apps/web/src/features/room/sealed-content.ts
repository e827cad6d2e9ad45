import {
  concatBytes,
  decryptRecordingBytes,
  encryptRecordingBytes,
  fromBase64Url,
  fromUtf8,
  isCryptoError,
  requireComplete,
  sha256,
  toBase64Url,
  utf8,
} from '@conclave/crypto';
import { roomContentSchema, type RoomContent } from '@conclave/contracts';

/**
 * Chat and other in-room content, encrypted with the sender's current media sender key.
 *
 * packages/crypto has no general-purpose AEAD for short messages, so this composes two of its
 * exports: a content key derived from the sender key by SHA-256 under a domain label (so the
 * bytes that feed livekit's HKDF for media never key a second cipher directly), and the
 * recording stream's one-shot encryption (XChaCha20-Poly1305 secretstream) with its associated
 * data bound to the meeting, the sender, the key index and the message id. A message relabelled
 * as another sender's, moved to another meeting or replayed under another id fails to open.
 */

const CONTENT_KEY_LABEL = utf8('conclave/room-content-key/v1');
const CONTENT_MIME = 'application/vnd.conclave.room-content+json';

export interface SealedContext {
  meetingId: string;
  senderId: string;
  keyIndex: number;
  messageId: string;
}

export class SealedContentError extends Error {
  override readonly name = 'SealedContentError';
  constructor(
    readonly reason: 'decryption-failed' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

export function contentKey(senderKey: Uint8Array): Uint8Array {
  return sha256(concatBytes([CONTENT_KEY_LABEL, senderKey]));
}

function streamId(context: SealedContext): string {
  return JSON.stringify([
    'room-content/v1',
    context.meetingId,
    context.senderId,
    context.keyIndex,
    context.messageId,
  ]);
}

/** Encrypts one piece of content; returns base64url ciphertext for a `sealed` payload. */
export function sealContent(
  content: RoomContent,
  senderKey: Uint8Array,
  context: SealedContext,
): string {
  const plaintext = utf8(JSON.stringify(roomContentSchema.parse(content)));
  const recordingKey = contentKey(senderKey);
  try {
    const { ciphertext } = encryptRecordingBytes(plaintext, {
      recordingKey,
      recordingId: streamId(context),
      mimeType: CONTENT_MIME,
      sealHashes: false,
    });
    return toBase64Url(ciphertext);
  } finally {
    recordingKey.fill(0);
    plaintext.fill(0);
  }
}

/** Opens content sealed by `context.senderId` with its key at `context.keyIndex`. */
export function openContent(
  ciphertext: string,
  senderKey: Uint8Array,
  context: SealedContext,
): RoomContent {
  const recordingKey = contentKey(senderKey);
  let plaintext: Uint8Array;
  try {
    const opened = decryptRecordingBytes(fromBase64Url(ciphertext), {
      recordingKey,
      recordingId: streamId(context),
      mimeType: CONTENT_MIME,
    });
    requireComplete(opened.result);
    plaintext = opened.plaintext;
  } catch (error) {
    if (isCryptoError(error)) {
      throw new SealedContentError(
        'decryption-failed',
        `openContent: content from ${context.senderId} does not open (${error.code})`,
      );
    }
    throw error;
  } finally {
    recordingKey.fill(0);
  }
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new SealedContentError('malformed', 'openContent: content is not JSON');
  }
  const parsed = roomContentSchema.safeParse(json);
  if (!parsed.success) {
    throw new SealedContentError('malformed', 'openContent: content has an unknown shape');
  }
  return parsed.data;
}
