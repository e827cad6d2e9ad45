import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { canonicalJson, parseCanonicalJson } from './canonical-json';

/** JSON values as JSON.parse produces them (no -0: JSON cannot tell it from 0 after parsing). */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed + 1));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    entries.sort((a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 17 + seed) % 5));
    return Object.fromEntries(entries.reverse().map(([k, v]) => [k, shuffleKeys(v, seed + 3)]));
  }
  return value;
}

describe('canonicalJson (RFC 8785)', () => {
  it('parses back to the same value and is idempotent', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(parseCanonicalJson(text)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on member order', () => {
    fc.assert(
      fc.property(json, fc.nat(), (value, seed) => {
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(canonicalJson(value));
      }),
      { numRuns: 200 },
    );
  });

  it('sorts by UTF-16 code units and leaves strings unnormalised', () => {
    expect(
      canonicalJson({ b: 1, a: 2, B: 3, '\u00e9': 4, e: 5, '\ud83d\ude00': 6, '\ufb33': 7 }),
    ).toBe('{"B":3,"a":2,"b":1,"e":5,"\u00e9":4,"\ud83d\ude00":6,"\ufb33":7}');
    expect(canonicalJson('e\u0301')).toBe('"e\u0301"');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('refuses values without an I-JSON form', () => {
    const bad: unknown[] = [
      NaN,
      Infinity,
      '\ud800',
      { ['\udc00']: 1 },
      new Date(0),
      new Uint8Array(1),
      [undefined],
      10n,
      () => 1,
      new Map(),
    ];
    for (const value of bad)
      expectCryptoError(() => canonicalJson(value), 'INVALID_INPUT', 'canonicalJson');
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expectCryptoError(() => canonicalJson(deep), 'INVALID_INPUT');
  });

  it('parseCanonicalJson refuses JSON that is not canonical', () => {
    expectCryptoError(
      () => parseCanonicalJson('{"b":1,"a":2}'),
      'NOT_CANONICAL',
      'parseCanonicalJson',
    );
    expectCryptoError(() => parseCanonicalJson('{"a": 1}'), 'NOT_CANONICAL');
    expectCryptoError(() => parseCanonicalJson('[1.0]'), 'NOT_CANONICAL');
    expectCryptoError(() => parseCanonicalJson('{'), 'INVALID_ENCODING');
  });
});
