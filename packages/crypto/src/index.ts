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
