import { encodeContext } from './encoding';
import { CryptoError } from './errors';
import { sodium } from './sodium';

/**
 * Recovery codes: 160 random bits written as 32 Crockford base32 characters, followed by a
 * 4-character check group, shown as 9 groups of 4 separated by dashes:
 *
 *   7M2Q-XK4D-... (8 data groups) ...-C9TW
 *
 * Crockford's alphabet leaves out I, L, O and U; on input I and L read as 1, O as 0, and case,
 * spaces, dashes, dots and underscores are ignored. The check group is 3 characters (15 bits)
 * of BLAKE2b-256 over the secret, then one Luhn mod 32 character over the 35 characters before
 * it. Luhn catches every single mistyped character and nearly every swap of neighbours for
 * certain; the hash catches other typos except with probability 2^-15 (such a code then fails
 * decryption instead). Either way a typo is caught before any decryption is tried.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SECRET_BYTES = 20;
const DATA_CHARS = 32;
const CHECK_CHARS = 4;
const TOTAL_CHARS = DATA_CHARS + CHECK_CHARS;
const GROUP = 4;

export const RECOVERY_CODE_LENGTH = TOTAL_CHARS;

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31]!;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]!;
  return out;
}

function decodeBase32(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of text) {
    acc = ((acc << 5) | ALPHABET.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

function checkGroup(operation: string, secret: Uint8Array, dataChars: string): string {
  const digest = sodium(operation).crypto_generichash(
    32,
    encodeContext('conclave/recovery-code-check/v1', [secret]),
    null,
  );
  const hashChars = encodeBase32(digest.subarray(0, 2)).slice(0, CHECK_CHARS - 1);
  return hashChars + ALPHABET[luhnMod32(dataChars + hashChars)]!;
}

/** Luhn mod N (N = 32): the check value that makes the weighted digit sum divisible by 32. */
function luhnMod32(chars: string): number {
  let factor = 2;
  let sum = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const addend = factor * ALPHABET.indexOf(chars[i]!);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return (32 - (sum % 32)) % 32;
}

function format(chars: string): string {
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP) groups.push(chars.slice(i, i + GROUP));
  return groups.join('-');
}

/** A new recovery code in display form (show it once at sign-up). */
export function generateRecoveryCode(): string {
  const secret = sodium('generateRecoveryCode').randombytes_buf(SECRET_BYTES);
  try {
    const data = encodeBase32(secret);
    return format(data + checkGroup('generateRecoveryCode', secret, data));
  } finally {
    secret.fill(0);
  }
}

/**
 * Normalises what a person typed and checks its length, characters and check group. Returns
 * the code in display form. Errors: INVALID_RECOVERY_CODE (wrong length or a character that is
 * never used) and RECOVERY_CODE_CHECKSUM (a typo). Messages name positions, never characters.
 */
export function parseRecoveryCode(input: string): string {
  return format(normalise('parseRecoveryCode', input));
}

function normalise(operation: string, input: string): string {
  if (typeof input !== 'string') {
    throw new CryptoError('INVALID_RECOVERY_CODE', operation, 'recovery code must be a string');
  }
  const compact = input
    .replace(/[\s\-_.]/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (compact.length !== TOTAL_CHARS) {
    throw new CryptoError(
      'INVALID_RECOVERY_CODE',
      operation,
      `a recovery code has ${TOTAL_CHARS} characters, got ${compact.length}`,
    );
  }
  for (let i = 0; i < compact.length; i++) {
    if (!ALPHABET.includes(compact[i]!)) {
      throw new CryptoError(
        'INVALID_RECOVERY_CODE',
        operation,
        `character ${i + 1} is not one a recovery code uses`,
      );
    }
  }
  const secret = decodeBase32(compact.slice(0, DATA_CHARS));
  try {
    if (checkGroup(operation, secret, compact.slice(0, DATA_CHARS)) !== compact.slice(DATA_CHARS)) {
      throw new CryptoError(
        'RECOVERY_CODE_CHECKSUM',
        operation,
        'the check group does not match: the code was mistyped',
      );
    }
  } finally {
    secret.fill(0);
  }
  return compact;
}

/**
 * The 32-byte key a recovery code stands for (keyed BLAKE2b-256 of the code's 160-bit
 * secret). The secret is high-entropy, so no slow hash is needed.
 */
export function recoveryKeyFromCode(input: string): Uint8Array {
  return recoveryKey('recoveryKeyFromCode', input);
}

export function recoveryKey(operation: string, input: string): Uint8Array {
  const compact = normalise(operation, input);
  const secret = decodeBase32(compact.slice(0, DATA_CHARS));
  try {
    return sodium(operation).crypto_generichash(
      32,
      encodeContext('conclave/recovery-wrap-key/v1', []),
      secret,
    );
  } finally {
    secret.fill(0);
  }
}
