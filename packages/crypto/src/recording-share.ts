import { fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { keyId, type Identity } from './identity';
import { RECORDING_KEY_BYTES } from './recording-stream';
import {
  parseSignerRef,
  verifySigned,
  type Signed,
  type SignerRef,
  type SignerTrust,
} from './signed-statement';
import { signPayload } from './signing';
import { sodium } from './sodium';
import { requireBytes, requireObject, requireString, requireTimestamp } from './validate';

/**
 * A recording shared after the fact: someone who holds the recording key (the recorder or a
 * host) seals it to one more member's X25519 key and signs the grant. The envelope stays as the
 * recorder signed it; grants sit beside it, each checkable on its own.
 */
export interface RecordingShare {
  type: 'conclave.recording-share';
  v: 1;
  recordingId: string;
  recipient: {
    userId: string;
    /** keyId of the recipient's X25519 public key. */
    keyId: string;
    /** base64url of crypto_box_seal(recordingKey, recipient X25519 public key). */
    sealedKey: string;
  };
  grantedBy: SignerRef;
  grantedAt: string;
}

const SEALED_KEY_BYTES = RECORDING_KEY_BYTES + 48;

function parseShare(operation: string, value: unknown): RecordingShare {
  const record = requireObject(operation, 'share', value);
  if (record.type !== 'conclave.recording-share' || record.v !== 1) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'not a version 1 recording share');
  }
  const recipient = requireObject(operation, 'recipient', record.recipient);
  const recipientKeyId = requireString(operation, 'recipient.keyId', recipient.keyId);
  if (fromBase64Url(recipientKeyId, operation, 'recipient.keyId').length !== 16) {
    throw new CryptoError('INVALID_INPUT', operation, 'recipient.keyId is not a key id');
  }
  const sealedKey = requireString(operation, 'recipient.sealedKey', recipient.sealedKey);
  if (fromBase64Url(sealedKey, operation, 'recipient.sealedKey').length !== SEALED_KEY_BYTES) {
    throw new CryptoError('INVALID_INPUT', operation, 'recipient.sealedKey has the wrong size');
  }
  return {
    type: 'conclave.recording-share',
    v: 1,
    recordingId: requireString(operation, 'recordingId', record.recordingId, { maxLength: 256 }),
    recipient: {
      userId: requireString(operation, 'recipient.userId', recipient.userId, { maxLength: 256 }),
      keyId: recipientKeyId,
      sealedKey,
    },
    grantedBy: parseSignerRef(operation, 'grantedBy', record.grantedBy),
    grantedAt: requireTimestamp(operation, 'grantedAt', record.grantedAt),
  };
}

/** Seals the recording key to a member's X25519 key and signs the grant. */
export function signRecordingShare(input: {
  recordingId: string;
  recordingKey: Uint8Array;
  recipientUserId: string;
  recipientExchangePublicKey: Uint8Array;
  grantedByUserId: string;
  identity: Pick<Identity, 'signingPublicKey' | 'signingPrivateKey'>;
  grantedAt?: string;
}): Signed<RecordingShare> {
  const operation = 'signRecordingShare';
  requireBytes(operation, 'recordingKey', input.recordingKey, RECORDING_KEY_BYTES);
  requireBytes(operation, 'recipientExchangePublicKey', input.recipientExchangePublicKey, 32);
  const sealed = sodium(operation).crypto_box_seal(
    input.recordingKey,
    input.recipientExchangePublicKey,
  );
  const payload = parseShare(operation, {
    type: 'conclave.recording-share',
    v: 1,
    recordingId: input.recordingId,
    recipient: {
      userId: input.recipientUserId,
      keyId: keyId(input.recipientExchangePublicKey),
      sealedKey: toBase64Url(sealed),
    },
    grantedBy: {
      userId: input.grantedByUserId,
      signingKeyId: keyId(input.identity.signingPublicKey),
      signingPublicKey: toBase64Url(input.identity.signingPublicKey),
    },
    grantedAt: input.grantedAt ?? new Date().toISOString(),
  });
  return { payload, signature: signPayload(operation, payload, input.identity.signingPrivateKey) };
}

/**
 * Verifies a grant's signature (the granter's key through `trust`) and, when given, that it is
 * for this recording (BINDING_MISMATCH otherwise). Whether the granter may share, and whether
 * the recipient key is that member's, are the caller's checks.
 */
export function verifyRecordingShare(
  signed: Signed<RecordingShare>,
  trust: SignerTrust,
  expected: { recordingId?: string } = {},
): RecordingShare {
  const operation = 'verifyRecordingShare';
  const { payload } = verifySigned<RecordingShare>(
    operation,
    signed,
    (p) => parseShare(operation, p).grantedBy,
    trust,
  );
  const share = parseShare(operation, payload);
  if (expected.recordingId !== undefined && share.recordingId !== expected.recordingId) {
    throw new CryptoError('BINDING_MISMATCH', operation, 'share is for another recording');
  }
  return share;
}

/** Opens the recording key from a verified grant with the recipient's X25519 key pair. */
export function openSharedRecordingKey(
  share: RecordingShare,
  exchangeKeyPair: { publicKey: Uint8Array; privateKey: Uint8Array },
): Uint8Array {
  const operation = 'openSharedRecordingKey';
  requireBytes(operation, 'publicKey', exchangeKeyPair.publicKey, 32);
  requireBytes(operation, 'privateKey', exchangeKeyPair.privateKey, 32);
  if (keyId(exchangeKeyPair.publicKey) !== share.recipient.keyId) {
    throw new CryptoError('NOT_A_RECIPIENT', operation, 'this grant is for another key');
  }
  let key: Uint8Array;
  try {
    key = sodium(operation).crypto_box_seal_open(
      fromBase64Url(share.recipient.sealedKey, operation, 'sealedKey'),
      exchangeKeyPair.publicKey,
      exchangeKeyPair.privateKey,
    );
  } catch {
    throw new CryptoError('DECRYPTION_FAILED', operation, 'the shared key does not open');
  }
  if (key.length !== RECORDING_KEY_BYTES) {
    key.fill(0);
    throw new CryptoError('DECRYPTION_FAILED', operation, 'the shared key has the wrong size');
  }
  return key;
}
