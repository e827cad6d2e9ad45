import { canonicalJsonBytes } from './canonical-json';
import { fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { sodium } from './sodium';
import { requireBytes } from './validate';

export const SIGNING_PUBLIC_KEY_BYTES = 32;
export const SIGNING_PRIVATE_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

export interface SigningKeyPair {
  publicKey: Uint8Array;
  /** libsodium's 64-byte Ed25519 secret key (seed || public key). */
  privateKey: Uint8Array;
}

/** A new Ed25519 key pair, e.g. the server's audit checkpoint or export key. */
export function generateSigningKeyPair(): SigningKeyPair {
  const seed = sodium('generateSigningKeyPair').randombytes_buf(32);
  try {
    return signingKeyPairFromSeed(seed);
  } finally {
    seed.fill(0);
  }
}

/** The Ed25519 key pair for a 32-byte seed (how a server key is stored in configuration). */
export function signingKeyPairFromSeed(seed: Uint8Array): SigningKeyPair {
  requireBytes('signingKeyPairFromSeed', 'seed', seed, 32);
  const { publicKey, privateKey } = sodium('signingKeyPairFromSeed').crypto_sign_seed_keypair(seed);
  return { publicKey, privateKey };
}

/**
 * Signs the RFC 8785 canonical form of a JSON payload. Every signed payload in Conclave carries
 * a distinct `type` member, so a signature over one kind of statement cannot be presented as
 * another, and anyone can check it with a stock Ed25519 tool over the canonical bytes.
 */
export function signPayload(operation: string, payload: unknown, privateKey: Uint8Array): string {
  requireBytes(operation, 'signing private key', privateKey, SIGNING_PRIVATE_KEY_BYTES);
  const message = canonicalJsonBytes(payload);
  return toBase64Url(sodium(operation).crypto_sign_detached(message, privateKey));
}

export function verifyPayload(
  operation: string,
  payload: unknown,
  signature: unknown,
  publicKey: Uint8Array,
): void {
  requireBytes(operation, 'signing public key', publicKey, SIGNING_PUBLIC_KEY_BYTES);
  const signatureBytes = fromBase64Url(signature as string, operation, 'signature');
  if (signatureBytes.length !== SIGNATURE_BYTES) {
    throw new CryptoError('BAD_SIGNATURE', operation, 'signature has the wrong length');
  }
  const message = canonicalJsonBytes(payload);
  let valid = false;
  try {
    valid = sodium(operation).crypto_sign_verify_detached(signatureBytes, message, publicKey);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new CryptoError('BAD_SIGNATURE', operation, 'signature does not verify');
  }
}

/** Signs raw bytes (e.g. the exact bytes of manifest.json). */
export function signBytes(
  operation: string,
  message: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  requireBytes(operation, 'signing private key', privateKey, SIGNING_PRIVATE_KEY_BYTES);
  return sodium(operation).crypto_sign_detached(message, privateKey);
}

export function verifyBytes(
  operation: string,
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: Uint8Array,
): void {
  requireBytes(operation, 'signing public key', publicKey, SIGNING_PUBLIC_KEY_BYTES);
  requireBytes(operation, 'signature', signature);
  let valid = false;
  if (signature.length === SIGNATURE_BYTES) {
    try {
      valid = sodium(operation).crypto_sign_verify_detached(signature, message, publicKey);
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new CryptoError('BAD_SIGNATURE', operation, 'signature does not verify');
  }
}
