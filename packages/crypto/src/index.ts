/**
 * @conclave/crypto: every cryptographic operation of Conclave, the same code in browsers and
 * Node. Await `ready()` once; after that every function is synchronous unless its name or
 * README entry says it takes an async iterable.
 */
export { ready, isReady, randomBytes } from './sodium';
export { CryptoError, CRYPTO_ERROR_CODES, isCryptoError, type CryptoErrorCode } from './errors';
export {
  toBase64Url,
  fromBase64Url,
  toHex,
  fromHex,
  utf8,
  fromUtf8,
  concatBytes,
  constantTimeEqual,
} from './encoding';
export {
  canonicalJson,
  canonicalJsonBytes,
  parseCanonicalJson,
  type JsonValue,
  type JsonObject,
} from './canonical-json';
export {
  KDF_ALGORITHM,
  KDF_SALT_BYTES,
  DEFAULT_KDF_COST,
  KDF_LIMITS,
  generateKdfParams,
  parseKdfParams,
  deriveAccountKeys,
  normalizeEmail,
  fakeSaltForEmail,
  fakeKdfParamsForEmail,
  type KdfParams,
  type KdfCost,
  type AccountKeys,
} from './account';
export {
  keyId,
  generateIdentity,
  generateExchangeKeyPair,
  publicIdentity,
  parsePublicIdentity,
  identityFingerprint,
  wrapIdentity,
  unwrapIdentity,
  wrapIdentityWithRecoveryCode,
  unwrapIdentityWithRecoveryCode,
  type Identity,
  type PublicIdentity,
  type ExchangeKeyPair,
  type WrappedIdentity,
  type WrappedIdentityKind,
} from './identity';
export {
  RECOVERY_CODE_LENGTH,
  generateRecoveryCode,
  parseRecoveryCode,
  recoveryKeyFromCode,
} from './recovery-code';
export { generateSigningKeyPair, signingKeyPairFromSeed, type SigningKeyPair } from './signing';
export {
  SENDER_KEY_BYTES,
  generateSenderKey,
  encryptSenderKey,
  encryptSenderKeyForRecipients,
  decryptSenderKey,
  generateLinkSecret,
  bindGuestKey,
  verifyGuestKeyBinding,
  type SenderKeyMessage,
  type SenderKeyContext,
} from './sender-keys';
export { computeSecurityCode } from './security-code';
export { Sha256, sha256, sha256Hex, sha256Stream } from './sha256';
export {
  RECORDING_FORMAT_VERSION,
  MAX_CHUNK_BYTES,
  RECORDING_KEY_BYTES,
  STREAM_HEADER_BYTES,
  CHUNK_OVERHEAD_BYTES,
  generateRecordingKey,
  recordingAssociatedData,
  RecordingWriter,
  RecordingReader,
  encryptRecordingBytes,
  decryptRecordingBytes,
  readRecording,
  requireComplete,
  type RecordingStats,
  type RecordingStreamOptions,
  type RecordingWriterOptions,
  type RecordingReaderOptions,
  type RecordingReadResult,
} from './recording-stream';
export {
  signConsent,
  verifyConsent,
  createRecordingEnvelope,
  verifyRecordingEnvelope,
  checkRequiredRecipients,
  openRecordingKey,
  signRecordingSeal,
  verifyRecordingSeal,
  checkRecordingAgainstSeal,
  type ConsentDecision,
  type ConsentStatement,
  type RecordingRecipient,
  type RecordingEnvelope,
  type VerifiedRecordingEnvelope,
  type RecordingSeal,
} from './recording-envelope';
export {
  signRecordingShare,
  verifyRecordingShare,
  openSharedRecordingKey,
  type RecordingShare,
} from './recording-share';
export {
  signIdentityStatement,
  verifyIdentityStatement,
  type Signed,
  type SignerRef,
  type SignerTrust,
} from './signed-statement';
export {
  AUDIT_GENESIS_HASH,
  AUDIT_HASH_VERSION,
  auditEntryHash,
  createAuditEntry,
  verifyAuditChain,
  signAuditCheckpoint,
  verifyAuditCheckpoint,
  type AuditEntryFields,
  type AuditEntry,
  type AuditHead,
  type AuditChainFailure,
  type AuditChainResult,
  type AuditCheckpoint,
  type SignedAuditCheckpoint,
} from './audit';
export {
  signExportManifest,
  verifyExportManifest,
  checkExportItem,
  type ExportManifest,
  type ExportManifestItem,
} from './export-manifest';
