/**
 * The one error type of @conclave/crypto. `code` is stable and documented in the README; the
 * message starts with the name of the function that failed and never contains key material,
 * plaintext or secrets (only lengths, indices, key ids and field names).
 */
export const CRYPTO_ERROR_CODES = [
  'NOT_READY',
  'UNSUPPORTED_RUNTIME',
  'INVALID_INPUT',
  'INVALID_ENCODING',
  'UNSUPPORTED_VERSION',
  'WEAK_KDF_PARAMS',
  'INVALID_RECOVERY_CODE',
  'RECOVERY_CODE_CHECKSUM',
  'DECRYPTION_FAILED',
  'KEY_MISMATCH',
  'BAD_SIGNATURE',
  'UNKNOWN_SIGNER',
  'BINDING_MISMATCH',
  'MALFORMED_RECORD',
  'CHUNK_AUTH_FAILED',
  'UNEXPECTED_TAG',
  'TRAILING_DATA',
  'TRUNCATED',
  'WRITER_FINISHED',
  'READER_FINISHED',
  'NOT_A_RECIPIENT',
  'MISSING_RECIPIENTS',
  'CONSENT_MISMATCH',
  'SEAL_MISMATCH',
  'MANIFEST_MISMATCH',
  'NOT_CANONICAL',
  'TEST_ONLY',
] as const;

export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;
  /** The exported function or method that failed, e.g. `unwrapIdentity`. */
  readonly operation: string;

  constructor(code: CryptoErrorCode, operation: string, reason: string) {
    super(`${operation}: ${reason}`);
    this.code = code;
    this.operation = operation;
  }
}

export function isCryptoError(value: unknown, code?: CryptoErrorCode): value is CryptoError {
  return value instanceof CryptoError && (code === undefined || value.code === code);
}
