import {
  fromBase64Url,
  isCryptoError,
  parseKdfParams,
  parsePublicIdentity,
  type KdfParams,
  type PublicIdentity,
  type WrappedIdentity,
} from '@conclave/crypto';
import type { KdfParamsBody, PublicIdentityBody, WrappedIdentityBody } from '@conclave/contracts';
import { AppError } from '../../errors';

/**
 * Checks what a browser sends when it makes or replaces credentials, without learning
 * anything secret: the KDF parameters are within packages/crypto's accepted range, the public
 * identity's key ids match its keys, and both wrapped identities are of the right kind and
 * wrap the private halves of that same public identity (their public keys are bound into the
 * ciphertext's associated data, so a mismatch would fail to unwrap later).
 */
function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { errors: [{ path, message }] });
}

function decode(value: string, path: string): Uint8Array {
  try {
    return fromBase64Url(value);
  } catch (error) {
    if (isCryptoError(error)) throw invalid(path, 'must be base64url');
    throw error;
  }
}

export function checkKdfParams(value: KdfParamsBody, path = 'body.kdfParams'): KdfParams {
  try {
    return parseKdfParams(value);
  } catch (error) {
    if (isCryptoError(error)) throw invalid(path, error.message);
    throw error;
  }
}

export function checkAuthKey(value: string, path = 'body.authKey'): Uint8Array {
  const bytes = decode(value, path);
  if (bytes.length !== 32) throw invalid(path, 'must be 32 bytes');
  return bytes;
}

export function checkPublicIdentity(
  value: PublicIdentityBody,
  path = 'body.publicIdentity',
): PublicIdentity {
  try {
    return parsePublicIdentity(value);
  } catch (error) {
    if (isCryptoError(error)) throw invalid(path, error.message);
    throw error;
  }
}

export function checkWrappedIdentity(
  value: WrappedIdentityBody,
  expected: { kind: 'password' | 'recovery'; identity: PublicIdentity },
  path: string,
): WrappedIdentity {
  if (value.kind !== expected.kind)
    throw invalid(path, `must be a "${expected.kind}" wrapped identity`);
  if (
    value.signingPublicKey !== expected.identity.signingPublicKey ||
    value.exchangePublicKey !== expected.identity.exchangePublicKey
  ) {
    throw invalid(path, 'wraps a different identity than the account has');
  }
  const nonce = decode(value.nonce, `${path}.nonce`);
  if (nonce.length !== 24) throw invalid(`${path}.nonce`, 'must be 24 bytes');
  // 64 bytes of private keys + 16 bytes of Poly1305 tag.
  if (decode(value.ciphertext, `${path}.ciphertext`).length !== 80)
    throw invalid(`${path}.ciphertext`, 'must be 80 bytes');
  return value;
}

export interface NewAccountKeysInput {
  kdfParams: KdfParamsBody;
  authKey: string;
  publicIdentity: PublicIdentityBody;
  wrappedIdentity: WrappedIdentityBody;
  recoveryWrappedIdentity: WrappedIdentityBody;
}

export interface CheckedAccountKeys {
  kdfParams: KdfParams;
  authKey: Uint8Array;
  publicIdentity: PublicIdentity;
  wrappedIdentity: WrappedIdentity;
  recoveryWrappedIdentity: WrappedIdentity;
}

export function checkNewAccountKeys(input: NewAccountKeysInput): CheckedAccountKeys {
  const publicIdentity = checkPublicIdentity(input.publicIdentity);
  return {
    kdfParams: checkKdfParams(input.kdfParams),
    authKey: checkAuthKey(input.authKey),
    publicIdentity,
    wrappedIdentity: checkWrappedIdentity(
      input.wrappedIdentity,
      { kind: 'password', identity: publicIdentity },
      'body.wrappedIdentity',
    ),
    recoveryWrappedIdentity: checkWrappedIdentity(
      input.recoveryWrappedIdentity,
      { kind: 'recovery', identity: publicIdentity },
      'body.recoveryWrappedIdentity',
    ),
  };
}
