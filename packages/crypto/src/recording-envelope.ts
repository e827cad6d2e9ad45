import { fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { keyId, type Identity } from './identity';
import {
  RECORDING_FORMAT_VERSION,
  RECORDING_KEY_BYTES,
  type RecordingStats,
} from './recording-stream';
import {
  parseSignerRef,
  verifySigned,
  type Signed,
  type SignerRef,
  type SignerTrust,
} from './signed-statement';
import { signPayload } from './signing';
import { sodium } from './sodium';
import {
  requireBytes,
  requireObject,
  requireSafeCount,
  requireString,
  requireTimestamp,
} from './validate';

export type ConsentDecision = 'accept' | 'decline';

/** A participant's decision about one recording, signed with their identity key. */
export interface ConsentStatement {
  type: 'conclave.recording-consent';
  v: 1;
  meetingId: string;
  recordingId: string;
  decision: ConsentDecision;
  decidedAt: string;
  participant: SignerRef;
}

export interface RecordingRecipient {
  /** keyId of the recipient's X25519 public key. */
  keyId: string;
  /** base64url of crypto_box_seal(recordingKey, recipient X25519 public key). */
  sealedKey: string;
}

/** The envelope of a recording (DESIGN "Recording format"), signed by the recorder. */
export interface RecordingEnvelope {
  type: 'conclave.recording-envelope';
  v: typeof RECORDING_FORMAT_VERSION;
  recordingId: string;
  meetingId: string;
  recorder: SignerRef & { exchangeKeyId: string };
  mimeType: string;
  startedAt: string;
  recipients: RecordingRecipient[];
  consents: Signed<ConsentStatement>[];
}

/** The recorder's closing statement about what it produced. */
export interface RecordingSeal {
  type: 'conclave.recording-seal';
  v: typeof RECORDING_FORMAT_VERSION;
  recordingId: string;
  recorder: SignerRef;
  chunkCount: number;
  plaintextBytes: number;
  ciphertextBytes: number;
  plaintextSha256: string;
  ciphertextSha256: string;
  endedAt: string;
}

declare const verified: unique symbol;
/** An envelope whose signature and consents `verifyRecordingEnvelope` has checked. */
export type VerifiedRecordingEnvelope = RecordingEnvelope & { readonly [verified]: true };

type SigningIdentity = Pick<Identity, 'signingPublicKey' | 'signingPrivateKey'>;

function signerRef(userId: string, identity: SigningIdentity): SignerRef {
  return {
    userId,
    signingKeyId: keyId(identity.signingPublicKey),
    signingPublicKey: toBase64Url(identity.signingPublicKey),
  };
}

const SEALED_KEY_BYTES = RECORDING_KEY_BYTES + 48;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Signs a participant's accept/decline for a recording. `decidedAt` defaults to now. */
export function signConsent(input: {
  meetingId: string;
  recordingId: string;
  decision: ConsentDecision;
  userId: string;
  identity: SigningIdentity;
  decidedAt?: string;
}): Signed<ConsentStatement> {
  const operation = 'signConsent';
  const payload = parseConsent(operation, {
    type: 'conclave.recording-consent',
    v: 1,
    meetingId: input.meetingId,
    recordingId: input.recordingId,
    decision: input.decision,
    decidedAt: input.decidedAt ?? new Date().toISOString(),
    participant: signerRef(input.userId, input.identity),
  });
  return { payload, signature: signPayload(operation, payload, input.identity.signingPrivateKey) };
}

function parseConsent(operation: string, value: unknown): ConsentStatement {
  const record = requireObject(operation, 'consent', value);
  if (record.type !== 'conclave.recording-consent' || record.v !== 1) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'not a version 1 consent statement');
  }
  if (record.decision !== 'accept' && record.decision !== 'decline') {
    throw new CryptoError('INVALID_INPUT', operation, 'decision must be accept or decline');
  }
  return {
    type: 'conclave.recording-consent',
    v: 1,
    meetingId: requireString(operation, 'meetingId', record.meetingId, { maxLength: 256 }),
    recordingId: requireString(operation, 'recordingId', record.recordingId, { maxLength: 256 }),
    decision: record.decision,
    decidedAt: requireTimestamp(operation, 'decidedAt', record.decidedAt),
    participant: parseSignerRef(operation, 'participant', record.participant),
  };
}

/**
 * Verifies a consent statement's signature under `trust`, and that it is about the given
 * meeting and recording when those are passed (CONSENT_MISMATCH otherwise).
 */
export function verifyConsent(
  signed: Signed<ConsentStatement>,
  trust: SignerTrust,
  expected: { meetingId?: string; recordingId?: string } = {},
): ConsentStatement {
  return verifyConsentAs('verifyConsent', signed, trust, expected);
}

function verifyConsentAs(
  operation: string,
  signed: Signed<ConsentStatement>,
  trust: SignerTrust,
  expected: { meetingId?: string; recordingId?: string },
): ConsentStatement {
  const { payload } = verifySigned<ConsentStatement>(
    operation,
    signed,
    (p) => parseConsent(operation, p).participant,
    trust,
  );
  const consent = parseConsent(operation, payload);
  if (expected.meetingId !== undefined && consent.meetingId !== expected.meetingId) {
    throw new CryptoError('CONSENT_MISMATCH', operation, 'consent is for another meeting');
  }
  if (expected.recordingId !== undefined && consent.recordingId !== expected.recordingId) {
    throw new CryptoError('CONSENT_MISMATCH', operation, 'consent is for another recording');
  }
  return consent;
}

/**
 * Makes the signed envelope: seals the recording key to each recipient X25519 key
 * (crypto_box_seal), always including the recorder's own key, de-duplicated by key id, and
 * embeds the signed consents (each checked to be about this meeting and recording and to carry
 * a valid signature by the key it names).
 */
export function createRecordingEnvelope(input: {
  recordingId: string;
  meetingId: string;
  recorderUserId: string;
  recorder: Identity;
  mimeType: string;
  startedAt: string;
  recordingKey: Uint8Array;
  recipientExchangeKeys: readonly Uint8Array[];
  consents: readonly Signed<ConsentStatement>[];
}): Signed<RecordingEnvelope> {
  const operation = 'createRecordingEnvelope';
  requireBytes(operation, 'recordingKey', input.recordingKey, RECORDING_KEY_BYTES);
  const s = sodium(operation);
  const recipients: RecordingRecipient[] = [];
  const seen = new Set<string>();
  for (const [i, key] of [
    input.recorder.exchangePublicKey,
    ...input.recipientExchangeKeys,
  ].entries()) {
    requireBytes(operation, `recipient key ${i}`, key, 32);
    const id = keyId(key);
    if (seen.has(id)) continue;
    seen.add(id);
    recipients.push({
      keyId: id,
      sealedKey: toBase64Url(s.crypto_box_seal(input.recordingKey, key)),
    });
  }
  const expected = { meetingId: input.meetingId, recordingId: input.recordingId };
  for (const consent of input.consents) {
    verifyConsentAs(operation, consent, { trustEmbeddedKeys: true }, expected);
  }
  const payload = parseEnvelope(operation, {
    type: 'conclave.recording-envelope',
    v: RECORDING_FORMAT_VERSION,
    recordingId: input.recordingId,
    meetingId: input.meetingId,
    recorder: {
      ...signerRef(input.recorderUserId, input.recorder),
      exchangeKeyId: keyId(input.recorder.exchangePublicKey),
    },
    mimeType: input.mimeType,
    startedAt: input.startedAt,
    recipients,
    consents: input.consents.map((c) => ({ payload: c.payload, signature: c.signature })),
  });
  return { payload, signature: signPayload(operation, payload, input.recorder.signingPrivateKey) };
}

function parseEnvelope(operation: string, value: unknown): RecordingEnvelope {
  const record = requireObject(operation, 'envelope', value);
  if (record.type !== 'conclave.recording-envelope' || record.v !== RECORDING_FORMAT_VERSION) {
    throw new CryptoError(
      'UNSUPPORTED_VERSION',
      operation,
      `not a version ${RECORDING_FORMAT_VERSION} recording envelope`,
    );
  }
  const recorderRecord = requireObject(operation, 'recorder', record.recorder);
  const recorder = {
    ...parseSignerRef(operation, 'recorder', recorderRecord),
    exchangeKeyId: requireString(operation, 'recorder.exchangeKeyId', recorderRecord.exchangeKeyId),
  };
  if (!Array.isArray(record.recipients) || record.recipients.length === 0) {
    throw new CryptoError('INVALID_INPUT', operation, 'recipients must be a non-empty array');
  }
  const seen = new Set<string>();
  const recipients = record.recipients.map((r: unknown, i): RecordingRecipient => {
    const entry = requireObject(operation, `recipients[${i}]`, r);
    const id = requireString(operation, `recipients[${i}].keyId`, entry.keyId);
    if (fromBase64Url(id, operation, `recipients[${i}].keyId`).length !== 16) {
      throw new CryptoError('INVALID_INPUT', operation, `recipients[${i}].keyId is not a key id`);
    }
    if (seen.has(id)) {
      throw new CryptoError('INVALID_INPUT', operation, `recipient ${id} appears twice`);
    }
    seen.add(id);
    const sealedKey = requireString(operation, `recipients[${i}].sealedKey`, entry.sealedKey);
    if (
      fromBase64Url(sealedKey, operation, `recipients[${i}].sealedKey`).length !== SEALED_KEY_BYTES
    ) {
      throw new CryptoError(
        'INVALID_INPUT',
        operation,
        `recipients[${i}].sealedKey has the wrong size`,
      );
    }
    return { keyId: id, sealedKey };
  });
  if (!Array.isArray(record.consents)) {
    throw new CryptoError('INVALID_INPUT', operation, 'consents must be an array');
  }
  const consents = record.consents.map((c: unknown, i) => {
    const entry = requireObject(operation, `consents[${i}]`, c);
    return {
      payload: parseConsent(operation, entry.payload),
      signature: requireString(operation, `consents[${i}].signature`, entry.signature),
    };
  });
  return {
    type: 'conclave.recording-envelope',
    v: RECORDING_FORMAT_VERSION,
    recordingId: requireString(operation, 'recordingId', record.recordingId, { maxLength: 256 }),
    meetingId: requireString(operation, 'meetingId', record.meetingId, { maxLength: 256 }),
    recorder,
    mimeType: requireString(operation, 'mimeType', record.mimeType, { maxLength: 256 }),
    startedAt: requireTimestamp(operation, 'startedAt', record.startedAt),
    recipients,
    consents,
  };
}

/**
 * Verifies the recorder's signature (key resolved through `trust`) and every consent in it
 * (each under `trust`, about this meeting and recording, one per participant). Returns the
 * envelope, typed as verified. Errors: BAD_SIGNATURE, UNKNOWN_SIGNER, KEY_MISMATCH,
 * CONSENT_MISMATCH, UNSUPPORTED_VERSION, INVALID_INPUT, INVALID_ENCODING.
 */
export function verifyRecordingEnvelope(
  signed: Signed<RecordingEnvelope>,
  trust: SignerTrust,
): VerifiedRecordingEnvelope {
  const operation = 'verifyRecordingEnvelope';
  const { payload } = verifySigned<RecordingEnvelope>(
    operation,
    signed,
    (p) => parseEnvelope(operation, p).recorder,
    trust,
  );
  const envelope = parseEnvelope(operation, payload);
  const participants = new Set<string>();
  for (const consent of envelope.consents) {
    const statement = verifyConsentAs(operation, consent, trust, {
      meetingId: envelope.meetingId,
      recordingId: envelope.recordingId,
    });
    if (participants.has(statement.participant.userId)) {
      throw new CryptoError(
        'CONSENT_MISMATCH',
        operation,
        `two consent statements from user ${statement.participant.userId}`,
      );
    }
    participants.add(statement.participant.userId);
  }
  return envelope as VerifiedRecordingEnvelope;
}

/**
 * Throws MISSING_RECIPIENTS (naming the missing key ids) unless every required key id (the
 * recorder, the hosts, and under escrow every active compliance key) is a recipient.
 */
export function checkRequiredRecipients(
  envelope: RecordingEnvelope | Signed<RecordingEnvelope>,
  requiredKeyIds: readonly string[],
): void {
  const operation = 'checkRequiredRecipients';
  const payload = 'payload' in envelope ? envelope.payload : envelope;
  const present = new Set(payload.recipients.map((r) => r.keyId));
  const missing = [...new Set(requiredKeyIds)].filter((id) => !present.has(id));
  if (missing.length > 0) {
    throw new CryptoError(
      'MISSING_RECIPIENTS',
      operation,
      `envelope does not include required recipients ${missing.join(', ')}`,
    );
  }
}

/**
 * Unseals the recording key with my X25519 key pair. NOT_A_RECIPIENT if my key id is not in
 * the envelope, DECRYPTION_FAILED if the sealed key does not open.
 */
export function openRecordingKey(
  envelope: VerifiedRecordingEnvelope,
  exchangeKeyPair: { publicKey: Uint8Array; privateKey: Uint8Array },
): Uint8Array {
  const operation = 'openRecordingKey';
  requireBytes(operation, 'publicKey', exchangeKeyPair.publicKey, 32);
  requireBytes(operation, 'privateKey', exchangeKeyPair.privateKey, 32);
  const id = keyId(exchangeKeyPair.publicKey);
  const entry = envelope.recipients.find((r) => r.keyId === id);
  if (entry === undefined) {
    throw new CryptoError(
      'NOT_A_RECIPIENT',
      operation,
      `key ${id} is not a recipient of this recording`,
    );
  }
  let key: Uint8Array;
  try {
    key = sodium(operation).crypto_box_seal_open(
      fromBase64Url(entry.sealedKey, operation, 'sealedKey'),
      exchangeKeyPair.publicKey,
      exchangeKeyPair.privateKey,
    );
  } catch {
    throw new CryptoError('DECRYPTION_FAILED', operation, `sealed key for ${id} does not open`);
  }
  if (key.length !== RECORDING_KEY_BYTES) {
    key.fill(0);
    throw new CryptoError('DECRYPTION_FAILED', operation, 'sealed key has the wrong size');
  }
  return key;
}

/**
 * The recorder's signed seal, from the writer's final stats (which must include the digests,
 * i.e. the writer ran with sealHashes on).
 */
export function signRecordingSeal(input: {
  recordingId: string;
  recorderUserId: string;
  recorder: SigningIdentity;
  stats: RecordingStats;
  endedAt: string;
}): Signed<RecordingSeal> {
  const operation = 'signRecordingSeal';
  const payload = parseSeal(operation, {
    type: 'conclave.recording-seal',
    v: RECORDING_FORMAT_VERSION,
    recordingId: input.recordingId,
    recorder: signerRef(input.recorderUserId, input.recorder),
    chunkCount: input.stats.chunkCount,
    plaintextBytes: input.stats.plaintextBytes,
    ciphertextBytes: input.stats.ciphertextBytes,
    plaintextSha256: input.stats.plaintextSha256,
    ciphertextSha256: input.stats.ciphertextSha256,
    endedAt: input.endedAt,
  });
  return { payload, signature: signPayload(operation, payload, input.recorder.signingPrivateKey) };
}

function parseSeal(operation: string, value: unknown): RecordingSeal {
  const record = requireObject(operation, 'seal', value);
  if (record.type !== 'conclave.recording-seal' || record.v !== RECORDING_FORMAT_VERSION) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'not a version 1 recording seal');
  }
  for (const field of ['plaintextSha256', 'ciphertextSha256'] as const) {
    if (typeof record[field] !== 'string' || !SHA256_HEX.test(record[field])) {
      throw new CryptoError('INVALID_INPUT', operation, `${field} must be a lowercase hex SHA-256`);
    }
  }
  return {
    type: 'conclave.recording-seal',
    v: RECORDING_FORMAT_VERSION,
    recordingId: requireString(operation, 'recordingId', record.recordingId, { maxLength: 256 }),
    recorder: parseSignerRef(operation, 'recorder', record.recorder),
    chunkCount: requireSafeCount(operation, 'chunkCount', record.chunkCount),
    plaintextBytes: requireSafeCount(operation, 'plaintextBytes', record.plaintextBytes),
    ciphertextBytes: requireSafeCount(operation, 'ciphertextBytes', record.ciphertextBytes),
    plaintextSha256: record.plaintextSha256 as string,
    ciphertextSha256: record.ciphertextSha256 as string,
    endedAt: requireTimestamp(operation, 'endedAt', record.endedAt),
  };
}

/**
 * Verifies a seal's signature under `trust`. With `envelope`, also that the seal is for that
 * recording and signed by its recorder (SEAL_MISMATCH otherwise).
 */
export function verifyRecordingSeal(
  signed: Signed<RecordingSeal>,
  trust: SignerTrust,
  envelope?: RecordingEnvelope,
): RecordingSeal {
  const operation = 'verifyRecordingSeal';
  const { payload } = verifySigned<RecordingSeal>(
    operation,
    signed,
    (p) => parseSeal(operation, p).recorder,
    trust,
  );
  const seal = parseSeal(operation, payload);
  if (envelope !== undefined) {
    if (seal.recordingId !== envelope.recordingId) {
      throw new CryptoError('SEAL_MISMATCH', operation, 'seal is for another recording');
    }
    if (
      seal.recorder.userId !== envelope.recorder.userId ||
      seal.recorder.signingKeyId !== envelope.recorder.signingKeyId
    ) {
      throw new CryptoError('SEAL_MISMATCH', operation, 'seal is not signed by the recorder');
    }
  }
  return seal;
}

/**
 * Compares what a reader (or a native hash on the server) found with what the seal states:
 * completeness, chunk count, byte counts and every digest present in `found`. A digest the
 * seal states but `found` lacks is an INVALID_INPUT (read with `hashes: 'all'` or pass
 * `ignoreMissingDigests`). SEAL_MISMATCH names the first field that differs.
 */
export function checkRecordingAgainstSeal(
  seal: RecordingSeal,
  found: RecordingStats & { complete?: boolean },
  options: { ignoreMissingDigests?: boolean } = {},
): void {
  const operation = 'checkRecordingAgainstSeal';
  if (found.complete === false) {
    throw new CryptoError(
      'SEAL_MISMATCH',
      operation,
      `recording is truncated: ${found.chunkCount} of ${seal.chunkCount} chunks`,
    );
  }
  for (const field of ['chunkCount', 'plaintextBytes', 'ciphertextBytes'] as const) {
    if (found[field] !== seal[field]) {
      throw new CryptoError(
        'SEAL_MISMATCH',
        operation,
        `${field} is ${found[field]}, the seal says ${seal[field]}`,
      );
    }
  }
  for (const field of ['plaintextSha256', 'ciphertextSha256'] as const) {
    const value = found[field];
    if (value === undefined) {
      if (options.ignoreMissingDigests === true) continue;
      throw new CryptoError('INVALID_INPUT', operation, `${field} was not computed`);
    }
    if (value !== seal[field]) {
      throw new CryptoError('SEAL_MISMATCH', operation, `${field} differs from the seal`);
    }
  }
}
