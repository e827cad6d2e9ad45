import { CryptoError } from './errors';
import { utf8 } from './encoding';

export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialisation. Implemented here because the npm
 * `canonicalize` package needs Node 22. Object members are sorted by their UTF-16 code units,
 * numbers use ECMAScript's shortest round-trip form (what JSON.stringify emits for finite
 * numbers), strings use JSON.stringify's escaping (identical to RFC 8785 §3.2.2.2).
 *
 * Rejected, because RFC 8785 requires I-JSON (RFC 7493) input or because they have no JSON
 * form: non-finite numbers, lone surrogates, and anything that is not null, boolean, number,
 * string, array or plain object (Date, Uint8Array, Map, bigint, functions, undefined inside
 * arrays). Object members whose value is `undefined` are omitted, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, 'canonicalJson', '$', 0);
}

/** `canonicalJson` as UTF-8 bytes: what gets hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}

/**
 * Parses JSON text and returns it only if the text is already in canonical form (so the bytes
 * that were signed or hashed are the bytes that were read).
 */
export function parseCanonicalJson(text: string, operation = 'parseCanonicalJson'): JsonValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CryptoError('INVALID_ENCODING', operation, 'text is not valid JSON');
  }
  if (serialise(parsed, operation, '$', 0) !== text) {
    throw new CryptoError(
      'NOT_CANONICAL',
      operation,
      'JSON text is not in RFC 8785 canonical form',
    );
  }
  return parsed as JsonValue;
}

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serialiseString(value: string, operation: string, path: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `${path} contains a lone surrogate (not I-JSON)`,
    );
  }
  return JSON.stringify(value);
}

function serialise(value: unknown, operation: string, path: string, depth: number): string {
  if (depth > MAX_DEPTH) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `${path} nests deeper than ${MAX_DEPTH} levels`,
    );
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CryptoError('INVALID_INPUT', operation, `${path} is not a finite number`);
      }
      return JSON.stringify(value);
    case 'string':
      return serialiseString(value, operation, path);
    case 'object': {
      if (Array.isArray(value)) {
        const items = value.map((item: unknown, i) => {
          if (item === undefined) {
            throw new CryptoError('INVALID_INPUT', operation, `${path}[${i}] is undefined`);
          }
          return serialise(item, operation, `${path}[${i}]`, depth + 1);
        });
        return `[${items.join(',')}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new CryptoError('INVALID_INPUT', operation, `${path} is not a plain object`);
      }
      const record = value as Record<string, unknown>;
      // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 asks for.
      const keys = Object.keys(record).sort();
      const members: string[] = [];
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(
          `${serialiseString(key, operation, path)}:${serialise(member, operation, `${path}.${key}`, depth + 1)}`,
        );
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new CryptoError(
        'INVALID_INPUT',
        operation,
        `${path} has no JSON form (${typeof value})`,
      );
  }
}
