import { encodeContext, fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { recoveryKey } from './recovery-code';
import { sodium } from './sodium';
import { requireBytes, requireObject } from './validate';

export const EXCHANGE_KEY_BYTES = 32;
export const KEY_ID_BYTES = 16;

/** A user's identity: an Ed25519 signing key pair and an X25519 key pair. Holds secrets. */
export interface Identity {
  signingPublicKey: Uint8Array;
  /** libsodium's 64-byte Ed25519 secret key. */
  signingPrivateKey: Uint8Array;
  exchangePublicKey: Uint8Array;
  exchangePrivateKey: Uint8Array;
}

/** The published half of an identity, JSON-safe (key directory entry). */
export interface PublicIdentity {
  signingPublicKey: string;
  exchangePublicKey: string;
  signingKeyId: string;
  exchangeKeyId: string;
}

export interface ExchangeKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export type WrappedIdentityKind = 'password' | 'recovery';

/** The private halves sealed under a wrap key or a recovery key; stored on the server as JSON. */
export interface WrappedIdentity {
  v: 1;
  kind: WrappedIdentityKind;
  alg: 'xchacha20poly1305-ietf';
  signingPublicKey: string;
  exchangePublicKey: string;
  nonce: string;
  ciphertext: string;
}

/** base64url(BLAKE2b-128(public key)), as DESIGN fixes it. Works for any public key. */
export function keyId(publicKey: Uint8Array): string {
  requireBytes('keyId', 'publicKey', publicKey, 32);
  return toBase64Url(sodium('keyId').crypto_generichash(KEY_ID_BYTES, publicKey, null));
}

/** A new identity from the platform's CSPRNG. */
export function generateIdentity(): Identity {
  const s = sodium('generateIdentity');
  const seed = s.randombytes_buf(32);
  const exchangePrivateKey = s.randombytes_buf(EXCHANGE_KEY_BYTES);
  try {
    return identityFromSecrets(seed, exchangePrivateKey);
  } finally {
    seed.fill(0);
  }
}

function identityFromSecrets(seed: Uint8Array, exchangePrivateKey: Uint8Array): Identity {
  const s = sodium('identityFromSecrets');
  const signing = s.crypto_sign_seed_keypair(seed);
  return {
    signingPublicKey: signing.publicKey,
    signingPrivateKey: signing.privateKey,
    exchangePublicKey: s.crypto_scalarmult_base(exchangePrivateKey),
    exchangePrivateKey,
  };
}

/** A fresh X25519 key pair, e.g. a guest's ephemeral key. */
export function generateExchangeKeyPair(): ExchangeKeyPair {
  const s = sodium('generateExchangeKeyPair');
  const privateKey = s.randombytes_buf(EXCHANGE_KEY_BYTES);
  return { publicKey: s.crypto_scalarmult_base(privateKey), privateKey };
}

export function publicIdentity(identity: Identity): PublicIdentity {
  return {
    signingPublicKey: toBase64Url(identity.signingPublicKey),
    exchangePublicKey: toBase64Url(identity.exchangePublicKey),
    signingKeyId: keyId(identity.signingPublicKey),
    exchangeKeyId: keyId(identity.exchangePublicKey),
  };
}

/** Checks a directory entry received as JSON: key lengths and that the key ids match the keys. */
export function parsePublicIdentity(value: unknown): PublicIdentity {
  const operation = 'parsePublicIdentity';
  const record = requireObject(operation, 'identity', value);
  const signing = fromBase64Url(record.signingPublicKey as string, operation, 'signingPublicKey');
  const exchange = fromBase64Url(
    record.exchangePublicKey as string,
    operation,
    'exchangePublicKey',
  );
  if (signing.length !== 32 || exchange.length !== 32) {
    throw new CryptoError('INVALID_INPUT', operation, 'public keys must be 32 bytes');
  }
  const expected = {
    signingPublicKey: toBase64Url(signing),
    exchangePublicKey: toBase64Url(exchange),
    signingKeyId: keyId(signing),
    exchangeKeyId: keyId(exchange),
  };
  if (
    record.signingKeyId !== expected.signingKeyId ||
    record.exchangeKeyId !== expected.exchangeKeyId
  ) {
    throw new CryptoError('KEY_MISMATCH', operation, 'key ids do not match the public keys');
  }
  return expected;
}

/**
 * A fingerprint for people to compare: 40 digits in 8 groups of 5, from BLAKE2b-512 over both
 * public keys (each group is 5 hash bytes as a big-endian integer mod 100000, as Signal's
 * safety numbers do).
 */
export function identityFingerprint(identity: {
  signingPublicKey: Uint8Array | string;
  exchangePublicKey: Uint8Array | string;
}): string {
  const operation = 'identityFingerprint';
  const signing = asKey(operation, 'signingPublicKey', identity.signingPublicKey);
  const exchange = asKey(operation, 'exchangePublicKey', identity.exchangePublicKey);
  const digest = sodium(operation).crypto_generichash(
    64,
    encodeContext('conclave/identity-fingerprint/v1', [signing, exchange]),
    null,
  );
  return digitGroups(digest, 8);
}

/** Groups of 5 decimal digits, each from 5 bytes of `digest` (40-bit integer mod 100000). */
export function digitGroups(digest: Uint8Array, groups: number): string {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + digest[g * 5 + i]!;
    out.push(String(n % 100000).padStart(5, '0'));
  }
  return out.join(' ');
}

function asKey(operation: string, name: string, key: Uint8Array | string): Uint8Array {
  const bytes = typeof key === 'string' ? fromBase64Url(key, operation, name) : key;
  return requireBytes(operation, name, bytes, 32);
}

function wrapAd(
  kind: WrappedIdentityKind,
  signingPublicKey: Uint8Array,
  exchangePublicKey: Uint8Array,
) {
  return encodeContext('conclave/identity-wrap/v1', [kind, signingPublicKey, exchangePublicKey]);
}

function wrap(
  operation: string,
  identity: Identity,
  key: Uint8Array,
  kind: WrappedIdentityKind,
): WrappedIdentity {
  requireBytes(operation, 'key', key, 32);
  requireBytes(operation, 'identity.signingPrivateKey', identity.signingPrivateKey, 64);
  requireBytes(operation, 'identity.exchangePrivateKey', identity.exchangePrivateKey, 32);
  const s = sodium(operation);
  const secrets = new Uint8Array(64);
  secrets.set(identity.signingPrivateKey.subarray(0, 32), 0);
  secrets.set(identity.exchangePrivateKey, 32);
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  try {
    const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(
      secrets,
      wrapAd(kind, identity.signingPublicKey, identity.exchangePublicKey),
      null,
      nonce,
      key,
    );
    return {
      v: 1,
      kind,
      alg: 'xchacha20poly1305-ietf',
      signingPublicKey: toBase64Url(identity.signingPublicKey),
      exchangePublicKey: toBase64Url(identity.exchangePublicKey),
      nonce: toBase64Url(nonce),
      ciphertext: toBase64Url(ciphertext),
    };
  } finally {
    secrets.fill(0);
  }
}

function unwrap(
  operation: string,
  wrapped: WrappedIdentity,
  key: Uint8Array,
  kind: WrappedIdentityKind,
): Identity {
  requireBytes(operation, 'key', key, 32);
  const record = requireObject(operation, 'wrapped', wrapped);
  if (record.v !== 1 || record.alg !== 'xchacha20poly1305-ietf') {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'unknown wrapped identity version');
  }
  if (record.kind !== kind) {
    throw new CryptoError('INVALID_INPUT', operation, `expected a "${kind}" wrapped identity`);
  }
  const s = sodium(operation);
  const signingPublicKey = asKey(operation, 'signingPublicKey', wrapped.signingPublicKey);
  const exchangePublicKey = asKey(operation, 'exchangePublicKey', wrapped.exchangePublicKey);
  const nonce = fromBase64Url(wrapped.nonce, operation, 'nonce');
  const ciphertext = fromBase64Url(wrapped.ciphertext, operation, 'ciphertext');
  if (nonce.length !== s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    throw new CryptoError('INVALID_INPUT', operation, 'nonce has the wrong length');
  }
  let secrets: Uint8Array;
  try {
    secrets = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      wrapAd(kind, signingPublicKey, exchangePublicKey),
      nonce,
      key,
    );
  } catch {
    throw new CryptoError(
      'DECRYPTION_FAILED',
      operation,
      kind === 'password'
        ? 'wrong wrap key (wrong password) or the wrapped identity was altered'
        : 'wrong recovery code or the wrapped identity was altered',
    );
  }
  try {
    if (secrets.length !== 64) {
      throw new CryptoError('INVALID_INPUT', operation, 'wrapped identity has the wrong size');
    }
    const identity = identityFromSecrets(secrets.subarray(0, 32), secrets.slice(32));
    if (
      !s.memcmp(identity.signingPublicKey, signingPublicKey) ||
      !s.memcmp(identity.exchangePublicKey, exchangePublicKey)
    ) {
      throw new CryptoError('KEY_MISMATCH', operation, 'private keys do not match the public keys');
    }
    return identity;
  } finally {
    secrets.fill(0);
  }
}

/** Seals the private halves under the account's wrap key (from `deriveAccountKeys`). */
export function wrapIdentity(identity: Identity, wrapKey: Uint8Array): WrappedIdentity {
  return wrap('wrapIdentity', identity, wrapKey, 'password');
}

/** Opens a password-wrapped identity. DECRYPTION_FAILED on a wrong key or altered blob. */
export function unwrapIdentity(wrapped: WrappedIdentity, wrapKey: Uint8Array): Identity {
  return unwrap('unwrapIdentity', wrapped, wrapKey, 'password');
}

/** Seals the private halves under the key a recovery code stands for. */
export function wrapIdentityWithRecoveryCode(
  identity: Identity,
  recoveryCode: string,
): WrappedIdentity {
  const key = recoveryKey('wrapIdentityWithRecoveryCode', recoveryCode);
  try {
    return wrap('wrapIdentityWithRecoveryCode', identity, key, 'recovery');
  } finally {
    key.fill(0);
  }
}

/**
 * Opens a recovery-wrapped identity with what the user typed. A typo fails with
 * RECOVERY_CODE_CHECKSUM before any decryption; a well-formed wrong code with DECRYPTION_FAILED.
 */
export function unwrapIdentityWithRecoveryCode(
  wrapped: WrappedIdentity,
  recoveryCode: string,
): Identity {
  const key = recoveryKey('unwrapIdentityWithRecoveryCode', recoveryCode);
  try {
    return unwrap('unwrapIdentityWithRecoveryCode', wrapped, key, 'recovery');
  } finally {
    key.fill(0);
  }
}
