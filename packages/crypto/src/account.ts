import { encodeContext, fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { sodium } from './sodium';
import { requireBytes, requireObject, requireString } from './validate';

const MiB = 1024 * 1024;

/** The only algorithm accepted: Argon2id v1.3 as libsodium's `crypto_pwhash_ALG_ARGON2ID13`. */
export const KDF_ALGORITHM = 'argon2id13';
export const KDF_SALT_BYTES = 16;
export const ACCOUNT_KEY_BYTES = 32;

/**
 * Stored per user and returned by the pre-login call. `memLimit` is in bytes (libsodium's
 * unit), `salt` is base64url of 16 bytes. JSON-safe as it is.
 */
export interface KdfParams {
  alg: typeof KDF_ALGORITHM;
  opsLimit: number;
  memLimit: number;
  salt: string;
}

export interface KdfCost {
  opsLimit: number;
  memLimit: number;
}

/**
 * Default cost for new accounts: 128 MiB, 5 passes. Measured on the project's 2-core machine
 * at about 0.5 s per derivation in Chromium and in Node (docs/crypto.md has the figures).
 */
export const DEFAULT_KDF_COST: Readonly<KdfCost> = Object.freeze({
  opsLimit: 5,
  memLimit: 128 * MiB,
});

/**
 * What a client accepts from the server. The floor matters: the auth key is sent to the
 * server, so a malicious server that handed out cheap parameters could brute-force passwords
 * from auth keys; the floor is OWASP's minimum for Argon2id (19 MiB, 2 passes). The ceiling
 * keeps a hostile server from making a browser allocate gigabytes.
 */
export const KDF_LIMITS = Object.freeze({
  minOpsLimit: 2,
  maxOpsLimit: 20,
  minMemLimit: 19 * MiB,
  maxMemLimit: 1024 * MiB,
});

export interface AccountKeys {
  /** Sent to the server (base64url) at sign-in; the server stores only a slow hash of it. */
  authKey: Uint8Array;
  /** Wraps the identity's private keys; never leaves the client. */
  wrapKey: Uint8Array;
}

/** Fresh parameters for a new account (random salt, default or given cost). */
export function generateKdfParams(cost: KdfCost = DEFAULT_KDF_COST): KdfParams {
  checkCost('generateKdfParams', cost.opsLimit, cost.memLimit);
  const salt = sodium('generateKdfParams').randombytes_buf(KDF_SALT_BYTES);
  return {
    alg: KDF_ALGORITHM,
    opsLimit: cost.opsLimit,
    memLimit: cost.memLimit,
    salt: toBase64Url(salt),
  };
}

/** Validates parameters received as JSON (e.g. from the pre-login call) and returns them typed. */
export function parseKdfParams(value: unknown): KdfParams {
  const operation = 'parseKdfParams';
  const record = requireObject(operation, 'params', value);
  if (record.alg !== KDF_ALGORITHM) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, `alg must be "${KDF_ALGORITHM}"`);
  }
  const { opsLimit, memLimit } = record;
  if (typeof opsLimit !== 'number' || typeof memLimit !== 'number') {
    throw new CryptoError('INVALID_INPUT', operation, 'opsLimit and memLimit must be numbers');
  }
  checkCost(operation, opsLimit, memLimit);
  const salt = requireString(operation, 'salt', record.salt);
  if (fromBase64Url(salt, operation, 'salt').length !== KDF_SALT_BYTES) {
    throw new CryptoError('INVALID_INPUT', operation, `salt must be ${KDF_SALT_BYTES} bytes`);
  }
  return { alg: KDF_ALGORITHM, opsLimit, memLimit, salt };
}

function checkCost(operation: string, opsLimit: number, memLimit: number): void {
  if (!Number.isInteger(opsLimit) || !Number.isInteger(memLimit)) {
    throw new CryptoError('INVALID_INPUT', operation, 'opsLimit and memLimit must be integers');
  }
  if (opsLimit < KDF_LIMITS.minOpsLimit || memLimit < KDF_LIMITS.minMemLimit) {
    throw new CryptoError(
      'WEAK_KDF_PARAMS',
      operation,
      `parameters below the floor (opsLimit >= ${KDF_LIMITS.minOpsLimit}, memLimit >= ${KDF_LIMITS.minMemLimit} bytes)`,
    );
  }
  if (opsLimit > KDF_LIMITS.maxOpsLimit || memLimit > KDF_LIMITS.maxMemLimit) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `parameters above the ceiling (opsLimit <= ${KDF_LIMITS.maxOpsLimit}, memLimit <= ${KDF_LIMITS.maxMemLimit} bytes)`,
    );
  }
}

/**
 * Password + parameters -> { authKey, wrapKey }. Synchronous and slow by design (one Argon2id
 * run, ~0.5 s with the defaults); a browser may call it from a Worker to keep the page
 * responsive. The password is NFC-normalised so the same password typed on different systems
 * gives the same keys. The Argon2id master key is split with crypto_kdf (BLAKE2b) under two
 * distinct contexts, so neither key reveals the other; the master key is wiped afterwards.
 */
export function deriveAccountKeys(password: string, params: KdfParams): AccountKeys {
  const operation = 'deriveAccountKeys';
  requireString(operation, 'password', password);
  const checked = parseKdfParams(params);
  const s = sodium(operation);
  const salt = fromBase64Url(checked.salt, operation, 'salt');
  const master = s.crypto_pwhash(
    ACCOUNT_KEY_BYTES,
    password.normalize('NFC'),
    salt,
    checked.opsLimit,
    checked.memLimit,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
  try {
    return {
      authKey: s.crypto_kdf_derive_from_key(ACCOUNT_KEY_BYTES, 1, 'cnv-auth', master),
      wrapKey: s.crypto_kdf_derive_from_key(ACCOUNT_KEY_BYTES, 1, 'cnv-wrap', master),
    };
  } finally {
    master.fill(0);
  }
}

/** Trimmed, NFC, lower case: the form used wherever an e-mail address feeds a hash. */
export function normalizeEmail(email: string): string {
  return requireString('normalizeEmail', 'email', email).trim().normalize('NFC').toLowerCase();
}

/**
 * A stable fake salt (base64url, 16 bytes) for an e-mail address without an account, so the
 * pre-login call answers the same way for every address: BLAKE2b-128 keyed with a server
 * secret (16-64 bytes, kept private) over the normalised address.
 */
export function fakeSaltForEmail(serverSecret: Uint8Array, email: string): string {
  const operation = 'fakeSaltForEmail';
  requireBytes(operation, 'serverSecret', serverSecret);
  if (serverSecret.length < 16 || serverSecret.length > 64) {
    throw new CryptoError('INVALID_INPUT', operation, 'serverSecret must be 16 to 64 bytes');
  }
  const message = encodeContext('conclave/fake-kdf-salt/v1', [normalizeEmail(email)]);
  return toBase64Url(sodium(operation).crypto_generichash(KDF_SALT_BYTES, message, serverSecret));
}

/** Full fake parameters (current default cost) for an unknown e-mail address. */
export function fakeKdfParamsForEmail(
  serverSecret: Uint8Array,
  email: string,
  cost: KdfCost = DEFAULT_KDF_COST,
): KdfParams {
  return {
    alg: KDF_ALGORITHM,
    opsLimit: cost.opsLimit,
    memLimit: cost.memLimit,
    salt: fakeSaltForEmail(serverSecret, email),
  };
}
