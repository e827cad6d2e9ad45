import {
  signIdentityStatement,
  generateIdentity,
  generateKdfParams,
  generateRecoveryCode,
  parseKdfParams,
  publicIdentity,
  ready,
  toBase64Url,
  unwrapIdentity,
  unwrapIdentityWithRecoveryCode,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
  type Identity,
  type KdfParams,
  type PublicIdentity,
  type WrappedIdentity,
} from '@conclave/crypto';
import { recoveryProofStatement, type AccountKeys, type RecoveryStart } from '@conclave/contracts';
import { deriveKeysInWorker } from './derive';
import { browserKdfPins } from './kdf-pins';

/**
 * Everything the portal does with passwords and keys, in the browser: what is sent is the
 * auth key, public keys and wrapped (encrypted) private keys; the password, the wrap key,
 * the recovery code and the private keys stay here.
 */

export interface NewAccountKeys {
  identity: Identity;
  recoveryCode: string;
  /** What sign-up (or a reset) sends. */
  body: {
    kdfParams: KdfParams;
    authKey: string;
    publicIdentity: PublicIdentity;
    wrappedIdentity: WrappedIdentity;
    recoveryWrappedIdentity: WrappedIdentity;
  };
}

/** A new identity, wrapped under the password's wrap key and under a new recovery code. */
export async function makeNewAccountKeys(password: string): Promise<NewAccountKeys> {
  await ready();
  const kdfParams = generateKdfParams();
  const { authKey, wrapKey } = await deriveKeysInWorker(password, kdfParams);
  try {
    const identity = generateIdentity();
    const recoveryCode = generateRecoveryCode();
    return {
      identity,
      recoveryCode,
      body: {
        kdfParams,
        authKey: toBase64Url(authKey),
        publicIdentity: publicIdentity(identity),
        wrappedIdentity: wrapIdentity(identity, wrapKey),
        recoveryWrappedIdentity: wrapIdentityWithRecoveryCode(identity, recoveryCode),
      },
    };
  } finally {
    wrapKey.fill(0);
  }
}

/**
 * An existing account's parameters as the server serves them, checked against the floor and
 * against what this browser remembers for the account (kdf-pins.ts), before the password is
 * used: an auth key derived from weakened parameters would be sent to the server.
 */
function accountKdfParams(email: string, params: unknown): KdfParams {
  const parsed = parseKdfParams(params);
  browserKdfPins()?.check(email, parsed);
  return parsed;
}

/** The auth key for sign-in, from the pre-login parameters (floor and this browser's pin). */
export async function deriveForSignIn(password: string, params: unknown, email: string) {
  await ready();
  const checked = accountKdfParams(email, params);
  const keys = await deriveKeysInWorker(password, checked);
  return {
    authKey: toBase64Url(keys.authKey),
    wrapKey: keys.wrapKey,
    ms: keys.ms,
    kdfParams: checked,
  };
}

/** Opens the wrapped identity; the public keys must be the ones the directory lists. */
export function openIdentity(keys: AccountKeys, wrapKey: Uint8Array): Identity {
  const identity = unwrapIdentity(keys.wrappedIdentity, wrapKey);
  const mine = publicIdentity(identity);
  if (
    mine.signingPublicKey !== keys.publicIdentity.signingPublicKey ||
    mine.exchangePublicKey !== keys.publicIdentity.exchangePublicKey
  ) {
    throw new Error(
      'Your keys do not match the ones the server lists for you. Contact your admin.',
    );
  }
  return identity;
}

/** Unlock after a reload: derive from the stored parameters and open the identity. */
export async function unlockWithPassword(
  password: string,
  keys: AccountKeys,
  email: string,
): Promise<Identity> {
  await ready();
  const params = accountKdfParams(email, keys.kdfParams);
  const derived = await deriveKeysInWorker(password, params);
  try {
    const identity = openIdentity(keys, derived.wrapKey);
    // The identity opened: these parameters are the account's own.
    browserKdfPins()?.remember(email, params);
    return identity;
  } finally {
    derived.wrapKey.fill(0);
  }
}

/** Password change: the current auth key (re-authentication) and the identity re-wrapped. */
export async function makePasswordChange(
  currentPassword: string,
  newPassword: string,
  keys: AccountKeys,
  email: string,
) {
  await ready();
  const current = await deriveKeysInWorker(
    currentPassword,
    accountKdfParams(email, keys.kdfParams),
  );
  let identity: Identity;
  try {
    identity = openIdentity(keys, current.wrapKey);
  } finally {
    current.wrapKey.fill(0);
  }
  const kdfParams = generateKdfParams();
  const next = await deriveKeysInWorker(newPassword, kdfParams);
  try {
    return {
      identity,
      body: {
        currentAuthKey: toBase64Url(current.authKey),
        kdfParams,
        authKey: toBase64Url(next.authKey),
        wrappedIdentity: wrapIdentity(identity, next.wrapKey),
      },
    };
  } finally {
    next.wrapKey.fill(0);
  }
}

/** A new recovery code: the password re-authenticates and opens the identity to wrap it. */
export async function makeNewRecoveryCode(password: string, keys: AccountKeys, email: string) {
  await ready();
  const derived = await deriveKeysInWorker(password, accountKdfParams(email, keys.kdfParams));
  let identity: Identity;
  try {
    identity = openIdentity(keys, derived.wrapKey);
  } finally {
    derived.wrapKey.fill(0);
  }
  const recoveryCode = generateRecoveryCode();
  return {
    recoveryCode,
    body: {
      authKey: toBase64Url(derived.authKey),
      recoveryWrappedIdentity: wrapIdentityWithRecoveryCode(identity, recoveryCode),
    },
  };
}

/** Signs a statement with the identity's Ed25519 key (packages/crypto, over canonical JSON). */
export function signWithIdentity(identity: Identity, statement: unknown): string {
  return signIdentityStatement(identity, statement);
}

/**
 * Recovery: open the recovery-wrapped identity with the typed code (a typo is caught by the
 * code's check group before any decryption), then a new password, a new recovery code, and a
 * signature of the server's challenge that proves the code really opened the identity.
 */
export async function makeRecovery(
  start: RecoveryStart,
  typedCode: string,
  newPassword: string,
  token: string,
) {
  await ready();
  const identity = unwrapIdentityWithRecoveryCode(start.recoveryWrappedIdentity, typedCode);
  const mine = publicIdentity(identity);
  if (mine.signingPublicKey !== start.publicIdentity.signingPublicKey) {
    throw new Error('This recovery code opens different keys than your account has.');
  }
  const kdfParams = generateKdfParams();
  const derived = await deriveKeysInWorker(newPassword, kdfParams);
  const recoveryCode = generateRecoveryCode();
  try {
    const body = {
      token,
      kdfParams,
      authKey: toBase64Url(derived.authKey),
      wrappedIdentity: wrapIdentity(identity, derived.wrapKey),
      recoveryWrappedIdentity: wrapIdentityWithRecoveryCode(identity, recoveryCode),
    };
    const signature = signWithIdentity(
      identity,
      recoveryProofStatement({ ...body, userId: start.userId, challenge: start.challenge }),
    );
    return { identity, recoveryCode, body: { ...body, signature } };
  } finally {
    derived.wrapKey.fill(0);
  }
}
