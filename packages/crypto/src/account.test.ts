import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_KDF_COST, expectCryptoError } from '../test/helpers';
import {
  DEFAULT_KDF_COST,
  KDF_LIMITS,
  deriveAccountKeys,
  fakeKdfParamsForEmail,
  fakeSaltForEmail,
  generateKdfParams,
  normalizeEmail,
  parseKdfParams,
} from './account';
import { fromBase64Url, toHex } from './encoding';
import { ready } from './sodium';

beforeAll(ready);

describe('generateKdfParams / parseKdfParams', () => {
  it('makes JSON-safe params with a fresh 16-byte salt and the default cost', () => {
    const a = generateKdfParams();
    const b = generateKdfParams();
    expect(a.alg).toBe('argon2id13');
    expect(a.opsLimit).toBe(DEFAULT_KDF_COST.opsLimit);
    expect(a.memLimit).toBe(DEFAULT_KDF_COST.memLimit);
    expect(fromBase64Url(a.salt)).toHaveLength(16);
    expect(a.salt).not.toBe(b.salt);
    expect(parseKdfParams(JSON.parse(JSON.stringify(a)))).toEqual(a);
  });

  it('refuses parameters below the floor, so a hostile server cannot make auth keys cheap to crack', () => {
    const params = generateKdfParams(FAST_KDF_COST);
    expectCryptoError(
      () => parseKdfParams({ ...params, memLimit: KDF_LIMITS.minMemLimit - 1 }),
      'WEAK_KDF_PARAMS',
      'parseKdfParams',
    );
    expectCryptoError(
      () => deriveAccountKeys('pw', { ...params, opsLimit: 1 }),
      'WEAK_KDF_PARAMS',
      'parseKdfParams',
    );
    expectCryptoError(
      () => generateKdfParams({ opsLimit: 1, memLimit: 8 << 20 }),
      'WEAK_KDF_PARAMS',
    );
  });

  it('refuses unknown algorithms, absurd costs and malformed salts', () => {
    const params = generateKdfParams(FAST_KDF_COST);
    expectCryptoError(() => parseKdfParams({ ...params, alg: 'argon2i13' }), 'UNSUPPORTED_VERSION');
    expectCryptoError(
      () => parseKdfParams({ ...params, memLimit: 4 * 1024 ** 3 }),
      'INVALID_INPUT',
    );
    expectCryptoError(() => parseKdfParams({ ...params, salt: 'AAAA' }), 'INVALID_INPUT');
    expectCryptoError(() => parseKdfParams({ ...params, salt: 'not base64!' }), 'INVALID_ENCODING');
    expectCryptoError(() => parseKdfParams(null), 'INVALID_INPUT');
  });
});

describe('deriveAccountKeys', () => {
  const params = { alg: 'argon2id13', ...FAST_KDF_COST, salt: 'c2FsdHNhbHRzYWx0c2FsdA' } as const;

  it('is deterministic for a password and params, and separates the auth key from the wrap key', () => {
    const a = deriveAccountKeys('correct horse battery staple', params);
    const b = deriveAccountKeys('correct horse battery staple', params);
    expect(toHex(a.authKey)).toBe(toHex(b.authKey));
    expect(toHex(a.wrapKey)).toBe(toHex(b.wrapKey));
    expect(a.authKey).toHaveLength(32);
    expect(a.wrapKey).toHaveLength(32);
    expect(toHex(a.authKey)).not.toBe(toHex(a.wrapKey));
  });

  it('gives different keys for a different password, salt or cost', () => {
    const base = toHex(deriveAccountKeys('pw-one', params).authKey);
    expect(toHex(deriveAccountKeys('pw-two', params).authKey)).not.toBe(base);
    expect(
      toHex(deriveAccountKeys('pw-one', { ...params, salt: 'c2FsdHNhbHRzYWx0c2FsdQ' }).authKey),
    ).not.toBe(base);
    expect(toHex(deriveAccountKeys('pw-one', { ...params, opsLimit: 3 }).authKey)).not.toBe(base);
  });

  it('treats NFC and NFD spellings of a password as the same password', () => {
    const nfc = 'caf\u00e9';
    const nfd = 'cafe\u0301';
    expect(toHex(deriveAccountKeys(nfc, params).wrapKey)).toBe(
      toHex(deriveAccountKeys(nfd, params).wrapKey),
    );
  });

  it('rejects an empty password', () => {
    expectCryptoError(() => deriveAccountKeys('', params), 'INVALID_INPUT', 'deriveAccountKeys');
  });
});

describe('fakeSaltForEmail', () => {
  const secret = new Uint8Array(32).fill(7);

  it('is stable per address, insensitive to case and surrounding spaces, and salt-shaped', () => {
    const salt = fakeSaltForEmail(secret, 'Alice@Example.org');
    expect(fakeSaltForEmail(secret, '  alice@example.org ')).toBe(salt);
    expect(fromBase64Url(salt)).toHaveLength(16);
    expect(normalizeEmail(' Alice@Example.ORG ')).toBe('alice@example.org');
    const params = fakeKdfParamsForEmail(secret, 'alice@example.org');
    expect(parseKdfParams(params)).toEqual({ alg: 'argon2id13', ...DEFAULT_KDF_COST, salt });
  });

  it('differs between addresses and between server secrets', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.emailAddress(), (a, b) => {
        fc.pre(normalizeEmail(a) !== normalizeEmail(b));
        expect(fakeSaltForEmail(secret, a)).not.toBe(fakeSaltForEmail(secret, b));
      }),
      { numRuns: 50 },
    );
    const other = new Uint8Array(32).fill(8);
    expect(fakeSaltForEmail(other, 'a@b.c')).not.toBe(fakeSaltForEmail(secret, 'a@b.c'));
  });

  it('requires a server secret of 16 to 64 bytes', () => {
    expectCryptoError(
      () => fakeSaltForEmail(new Uint8Array(8), 'a@b.c'),
      'INVALID_INPUT',
      'fakeSaltForEmail',
    );
  });
});
