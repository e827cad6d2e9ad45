import { CryptoError } from './errors';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_LOOKUP[B64URL.charCodeAt(i)] = i;

/** RFC 4648 §5 base64url without padding: the form every byte value takes inside JSON here. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]!;
  }
  return out;
}

/**
 * Strict base64url decoding: no padding, no whitespace, no standard-alphabet characters, and
 * the unused low bits of the last character must be zero, so every byte string has exactly
 * one accepted spelling (signed JSON cannot be altered by re-spelling a value).
 */
export function fromBase64Url(
  text: string,
  operation = 'fromBase64Url',
  field = 'value',
): Uint8Array {
  if (typeof text !== 'string') {
    throw new CryptoError('INVALID_ENCODING', operation, `${field} must be a base64url string`);
  }
  if (text.length % 4 === 1) {
    throw new CryptoError(
      'INVALID_ENCODING',
      operation,
      `${field} has an impossible base64url length`,
    );
  }
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_LOOKUP[c]! : -1;
    if (v < 0) {
      throw new CryptoError(
        'INVALID_ENCODING',
        operation,
        `${field} is not base64url (character ${i})`,
      );
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) {
    throw new CryptoError('INVALID_ENCODING', operation, `${field} is not canonical base64url`);
  }
  return out;
}

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >>> 4]! + HEX[b & 15]!;
  return out;
}

export function fromHex(text: string, operation = 'fromHex', field = 'value'): Uint8Array {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new CryptoError('INVALID_ENCODING', operation, `${field} must be lowercase hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// TextEncoder and TextDecoder exist in every browser and in Node >= 11. src/ is type-checked
// without DOM or Node typings (tsconfig.std.json), so their shapes are spelled out here rather
// than pulled in with a whole platform's globals.
interface HostTextCodecs {
  TextEncoder: new () => { encode(input: string): Uint8Array };
  TextDecoder: new (
    label: string,
    options: { fatal: boolean },
  ) => { decode(input: Uint8Array): string };
}
const host = globalThis as unknown as HostTextCodecs;
const encoder = new host.TextEncoder();
const decoder = new host.TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array, operation = 'fromUtf8'): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new CryptoError('INVALID_ENCODING', operation, 'bytes are not valid UTF-8');
  }
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths (lengths are not
 * secret here: keys, MACs and hashes have fixed sizes).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) {
    throw new CryptoError(
      'INVALID_INPUT',
      'constantTimeEqual',
      'both arguments must be Uint8Array',
    );
  }
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * An unambiguous byte encoding of a context for hashing, MACs and associated data: a domain
 * label, then each field as a 4-byte big-endian length and its bytes (strings as UTF-8,
 * numbers as 4-byte big-endian unsigned integers with no length prefix).
 */
export function encodeContext(
  domain: string,
  fields: readonly (string | Uint8Array | number)[],
): Uint8Array {
  const parts: Uint8Array[] = [lengthPrefixed(utf8(domain))];
  for (const field of fields) {
    if (typeof field === 'number') parts.push(uint32be(field));
    else if (typeof field === 'string') parts.push(lengthPrefixed(utf8(field)));
    else parts.push(lengthPrefixed(field));
  }
  return concatBytes(parts);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, false);
  out.set(bytes, 4);
  return out;
}

export function uint32be(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new CryptoError('INVALID_INPUT', 'uint32be', 'value must be an unsigned 32-bit integer');
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}
