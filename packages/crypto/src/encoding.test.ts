import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import {
  constantTimeEqual,
  encodeContext,
  fromBase64Url,
  fromHex,
  toBase64Url,
  toHex,
} from './encoding';

describe('base64url', () => {
  it('matches RFC 4648 test vectors (base64url, no padding)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of cases) {
      expect(toBase64Url(new TextEncoder().encode(text))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64Url(encoded))).toBe(text);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('round-trips any bytes and agrees with Node Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = toBase64Url(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(encoded)).toEqual(bytes);
      }),
    );
  });

  it('rejects padding, the standard alphabet, bad lengths and non-canonical trailing bits', () => {
    for (const bad of ['Zg==', 'Zm9v+A', 'Zm9v/A', 'Z', 'Zh', ' Zg']) {
      expectCryptoError(() => fromBase64Url(bad), 'INVALID_ENCODING', 'fromBase64Url');
    }
  });
});

describe('hex', () => {
  it('round-trips and rejects upper case or odd lengths', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(fromHex(toHex(bytes))).toEqual(bytes);
      }),
    );
    expectCryptoError(() => fromHex('ABCD'), 'INVALID_ENCODING', 'fromHex');
    expectCryptoError(() => fromHex('abc'), 'INVALID_ENCODING', 'fromHex');
  });
});

describe('constantTimeEqual', () => {
  it('is equality of byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(constantTimeEqual(a, a.slice())).toBe(true);
      }),
    );
  });
});

describe('encodeContext', () => {
  it('is injective across field boundaries', () => {
    const a = encodeContext('d', ['ab', 'c']);
    const b = encodeContext('d', ['a', 'bc']);
    expect(toHex(a)).not.toBe(toHex(b));
    expect(toHex(encodeContext('d', [1]))).toBe('000000016400000001');
  });
});
