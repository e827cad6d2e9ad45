import { encodeContext, fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { sodium } from './sodium';
import { requireBytes, requireObject, requireString, requireUint32 } from './validate';

export const SENDER_KEY_BYTES = 32;
export const LINK_SECRET_BYTES = 32;

/**
 * A sender key encrypted to one recipient, as relayed by the control channel (JSON). The
 * routing fields are in the clear for the relay; all of them are also bound inside the box.
 */
export interface SenderKeyMessage {
  v: 1;
  meetingId: string;
  senderId: string;
  recipientId: string;
  keyIndex: number;
  nonce: string;
  box: string;
}

export interface SenderKeyContext {
  meetingId: string;
  senderId: string;
  recipientId: string;
  /**
   * The sender's key generation: a uint32 that only ever grows for a sender within a meeting.
   * The room maps it to livekit-client's key ring slot (generation mod ring size) and ignores a
   * message whose generation is not above the last one it accepted from that sender, so an old
   * message cannot reinstall an old key when the ring wraps.
   */
  keyIndex: number;
}

/** A new random 32-byte media sender key. */
export function generateSenderKey(): Uint8Array {
  return sodium('generateSenderKey').randombytes_buf(SENDER_KEY_BYTES);
}

function bindingDigest(operation: string, context: SenderKeyContext): Uint8Array {
  return sodium(operation).crypto_generichash(
    32,
    encodeContext('conclave/sender-key/v1', [
      context.meetingId,
      context.senderId,
      context.recipientId,
      context.keyIndex,
    ]),
    null,
  );
}

function checkContext(operation: string, context: SenderKeyContext): void {
  requireString(operation, 'meetingId', context.meetingId, { maxLength: 256 });
  requireString(operation, 'senderId', context.senderId, { maxLength: 256 });
  requireString(operation, 'recipientId', context.recipientId, { maxLength: 256 });
  requireUint32(operation, 'keyIndex', context.keyIndex);
}

/**
 * Encrypts a sender key to one recipient with crypto_box (X25519 + XSalsa20-Poly1305),
 * authenticated by both identity keys. crypto_box has no associated data, so the box holds
 * BLAKE2b-256(meeting id, sender id, recipient id, key index) followed by the key; the
 * recipient recomputes the digest from what it expects and refuses anything else.
 */
export function encryptSenderKey(
  input: SenderKeyContext & {
    senderKey: Uint8Array;
    senderExchangePrivateKey: Uint8Array;
    recipientExchangePublicKey: Uint8Array;
  },
): SenderKeyMessage {
  const operation = 'encryptSenderKey';
  checkContext(operation, input);
  requireBytes(operation, 'senderKey', input.senderKey, SENDER_KEY_BYTES);
  requireBytes(operation, 'senderExchangePrivateKey', input.senderExchangePrivateKey, 32);
  requireBytes(operation, 'recipientExchangePublicKey', input.recipientExchangePublicKey, 32);
  const s = sodium(operation);
  const plaintext = new Uint8Array(32 + SENDER_KEY_BYTES);
  plaintext.set(bindingDigest(operation, input), 0);
  plaintext.set(input.senderKey, 32);
  const nonce = s.randombytes_buf(s.crypto_box_NONCEBYTES);
  try {
    const box = s.crypto_box_easy(
      plaintext,
      nonce,
      input.recipientExchangePublicKey,
      input.senderExchangePrivateKey,
    );
    return {
      v: 1,
      meetingId: input.meetingId,
      senderId: input.senderId,
      recipientId: input.recipientId,
      keyIndex: input.keyIndex,
      nonce: toBase64Url(nonce),
      box: toBase64Url(box),
    };
  } catch {
    throw new CryptoError('INVALID_INPUT', operation, 'the recipient public key was rejected');
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Encrypts one sender key to many recipients (a rekey). Same bindings as `encryptSenderKey`;
 * returns the messages in the order of `recipients`.
 */
export function encryptSenderKeyForRecipients(input: {
  meetingId: string;
  senderId: string;
  keyIndex: number;
  senderKey: Uint8Array;
  senderExchangePrivateKey: Uint8Array;
  recipients: readonly { recipientId: string; exchangePublicKey: Uint8Array }[];
}): SenderKeyMessage[] {
  return input.recipients.map((recipient) =>
    encryptSenderKey({
      meetingId: input.meetingId,
      senderId: input.senderId,
      recipientId: recipient.recipientId,
      keyIndex: input.keyIndex,
      senderKey: input.senderKey,
      senderExchangePrivateKey: input.senderExchangePrivateKey,
      recipientExchangePublicKey: recipient.exchangePublicKey,
    }),
  );
}

/**
 * Opens a sender key message addressed to me. `expected` is what the recipient knows without
 * trusting the relay: the meeting it is in, its own id, and the sender whose public key it
 * looked up. Errors: BINDING_MISMATCH (another meeting, recipient, sender or key index, naming
 * which), DECRYPTION_FAILED (wrong keys or altered box), INVALID_INPUT, UNSUPPORTED_VERSION.
 * Returns the key and the authenticated key index.
 */
export function decryptSenderKey(
  message: SenderKeyMessage,
  expected: {
    meetingId: string;
    senderId: string;
    recipientId: string;
    /** When set, the message must carry exactly this index. */
    keyIndex?: number;
    recipientExchangePrivateKey: Uint8Array;
    senderExchangePublicKey: Uint8Array;
  },
): { senderKey: Uint8Array; keyIndex: number } {
  const operation = 'decryptSenderKey';
  const record = requireObject(operation, 'message', message);
  if (record.v !== 1) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'unknown sender key message version');
  }
  checkContext(operation, message);
  requireBytes(operation, 'recipientExchangePrivateKey', expected.recipientExchangePrivateKey, 32);
  requireBytes(operation, 'senderExchangePublicKey', expected.senderExchangePublicKey, 32);
  for (const field of ['meetingId', 'senderId', 'recipientId'] as const) {
    if (message[field] !== expected[field]) {
      throw new CryptoError(
        'BINDING_MISMATCH',
        operation,
        `message is for another ${field.replace('Id', '')} (${field} does not match)`,
      );
    }
  }
  if (expected.keyIndex !== undefined && message.keyIndex !== expected.keyIndex) {
    throw new CryptoError('BINDING_MISMATCH', operation, 'message carries another key index');
  }
  const s = sodium(operation);
  const nonce = fromBase64Url(message.nonce, operation, 'nonce');
  const box = fromBase64Url(message.box, operation, 'box');
  if (nonce.length !== s.crypto_box_NONCEBYTES) {
    throw new CryptoError('INVALID_INPUT', operation, 'nonce has the wrong length');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = s.crypto_box_open_easy(
      box,
      nonce,
      expected.senderExchangePublicKey,
      expected.recipientExchangePrivateKey,
    );
  } catch {
    throw new CryptoError(
      'DECRYPTION_FAILED',
      operation,
      'box does not open with these keys (wrong sender or recipient key, or altered)',
    );
  }
  try {
    if (plaintext.length !== 32 + SENDER_KEY_BYTES) {
      throw new CryptoError('DECRYPTION_FAILED', operation, 'box has the wrong size');
    }
    if (!s.memcmp(plaintext.subarray(0, 32), bindingDigest(operation, message))) {
      throw new CryptoError(
        'BINDING_MISMATCH',
        operation,
        'box was made for another meeting, recipient or key index (replayed or relabelled)',
      );
    }
    return { senderKey: plaintext.slice(32), keyIndex: message.keyIndex };
  } finally {
    plaintext.fill(0);
  }
}

/** A random link secret for a guest link's URL fragment (base64url, 32 bytes). */
export function generateLinkSecret(): string {
  return toBase64Url(sodium('generateLinkSecret').randombytes_buf(LINK_SECRET_BYTES));
}

function guestMac(
  operation: string,
  linkSecret: string,
  meetingId: string,
  guestPublicKey: Uint8Array,
) {
  const secret = fromBase64Url(
    requireString(operation, 'linkSecret', linkSecret),
    operation,
    'linkSecret',
  );
  if (secret.length !== LINK_SECRET_BYTES) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `linkSecret must be ${LINK_SECRET_BYTES} bytes`,
    );
  }
  requireString(operation, 'meetingId', meetingId, { maxLength: 256 });
  requireBytes(operation, 'guestPublicKey', guestPublicKey, 32);
  try {
    return sodium(operation).crypto_generichash(
      32,
      encodeContext('conclave/guest-binding/v1', [meetingId, guestPublicKey]),
      secret,
    );
  } finally {
    secret.fill(0);
  }
}

/**
 * Binds a guest's ephemeral X25519 public key to a meeting with the link secret the guest got
 * from the URL fragment: keyed BLAKE2b-256 (a MAC) over the meeting id and the key. The
 * server never sees the secret, so it cannot make a binding for a key of its own.
 */
export function bindGuestKey(input: {
  linkSecret: string;
  meetingId: string;
  guestPublicKey: Uint8Array;
}): string {
  return toBase64Url(
    guestMac('bindGuestKey', input.linkSecret, input.meetingId, input.guestPublicKey),
  );
}

/** Checks a guest binding in constant time. Throws BINDING_MISMATCH when it does not hold. */
export function verifyGuestKeyBinding(input: {
  linkSecret: string;
  meetingId: string;
  guestPublicKey: Uint8Array;
  binding: string;
}): void {
  const operation = 'verifyGuestKeyBinding';
  const expected = guestMac(operation, input.linkSecret, input.meetingId, input.guestPublicKey);
  const given = fromBase64Url(
    requireString(operation, 'binding', input.binding),
    operation,
    'binding',
  );
  if (given.length !== expected.length || !sodium(operation).memcmp(given, expected)) {
    throw new CryptoError(
      'BINDING_MISMATCH',
      operation,
      'guest key is not bound to this meeting with this link secret',
    );
  }
}
