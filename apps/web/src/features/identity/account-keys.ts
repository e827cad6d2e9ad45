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

/** The auth key for sign-in, from the pre-login parameters (checked against the floor). */
export async function deriveForSignIn(password: string, params: unknown) {
  await ready();
  const checked = parseKdfParams(params);
  const keys = await deriveKeysInWorker(password, checked);
  return { authKey: toBase64Url(keys.authKey), wrapKey: keys.wrapKey, ms: keys.ms };
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
export async function unlockWithPassword(password: string, keys: AccountKeys): Promise<Identity> {
  await ready();
  const derived = await deriveKeysInWorker(password, parseKdfParams(keys.kdfParams));
  try {
    return openIdentity(keys, derived.wrapKey);
  } finally {
    derived.wrapKey.fill(0);
  }
}

/** Password change: the current auth key (re-authentication) and the identity re-wrapped. */
export async function makePasswordChange(
  currentPassword: string,
  newPassword: string,
  keys: AccountKeys,
) {
  await ready();
  const current = await deriveKeysInWorker(currentPassword, parseKdfParams(keys.kdfParams));
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
export async function makeNewRecoveryCode(password: string, keys: AccountKeys) {
  await ready();
  const derived = await deriveKeysInWorker(password, parseKdfParams(keys.kdfParams));
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
