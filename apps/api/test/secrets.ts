import sodium from 'libsodium-wrappers-sumo';
import {
  fromBase64Url,
  recoveryKeyFromCode,
  type Identity,
  type KdfParams,
} from '@conclave/crypto';

/**
 * Finding secrets where they must not be. A secret is searched in every form it could travel
 * in: raw bytes, lower and upper case hex, base64 (with and without padding) and base64url;
 * text secrets (passwords, recovery codes) also as their UTF-8 text.
 */
export interface Secret {
  name: string;
  bytes: Uint8Array;
}

export function forms(bytes: Uint8Array): string[] {
  const buffer = Buffer.from(bytes);
  const base64 = buffer.toString('base64');
  return [
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    base64,
    base64.replace(/=+$/, ''),
    buffer.toString('base64url'),
  ];
}

/** Which secrets (by name and form) occur in the haystacks. */
export function findSecrets(
  secrets: readonly Secret[],
  haystacks: readonly (string | Uint8Array)[],
): string[] {
  const found: string[] = [];
  const buffers = haystacks.map((h) =>
    typeof h === 'string' ? Buffer.from(h, 'utf8') : Buffer.from(h),
  );
  const texts = buffers.map((b) => b.toString('latin1'));
  for (const secret of secrets) {
    if (buffers.some((b) => b.indexOf(Buffer.from(secret.bytes)) !== -1))
      found.push(`${secret.name} (raw)`);
    for (const form of forms(secret.bytes)) {
      if (texts.some((t) => t.includes(form)))
        found.push(`${secret.name} (${form.slice(0, 8)}...)`);
    }
  }
  return found;
}

/** The Argon2id master key the browser derives (packages/crypto wipes it; recomputed here). */
export async function masterKey(password: string, params: KdfParams): Promise<Uint8Array> {
  await sodium.ready;
  return sodium.crypto_pwhash(
    32,
    password.normalize('NFC'),
    fromBase64Url(params.salt),
    params.opsLimit,
    params.memLimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
}

/** Every secret a browser holds for an account: none of it may reach the server. */
export async function clientSecrets(
  label: string,
  keys: {
    password: string;
    kdfParams: KdfParams;
    wrapKey: Uint8Array;
    identity: Identity;
    recoveryCode: string;
  },
): Promise<Secret[]> {
  return [
    { name: `${label} password`, bytes: Buffer.from(keys.password, 'utf8') },
    { name: `${label} master key`, bytes: await masterKey(keys.password, keys.kdfParams) },
    { name: `${label} wrap key`, bytes: keys.wrapKey },
    { name: `${label} signing private key`, bytes: keys.identity.signingPrivateKey },
    { name: `${label} signing seed`, bytes: keys.identity.signingPrivateKey.slice(0, 32) },
    { name: `${label} exchange private key`, bytes: keys.identity.exchangePrivateKey },
    { name: `${label} recovery code`, bytes: Buffer.from(keys.recoveryCode, 'utf8') },
    {
      name: `${label} recovery code (no dashes)`,
      bytes: Buffer.from(keys.recoveryCode.replaceAll('-', ''), 'utf8'),
    },
    { name: `${label} recovery key`, bytes: recoveryKeyFromCode(keys.recoveryCode) },
  ];
}
