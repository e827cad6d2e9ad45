import { afterEach, describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { toHex } from './encoding';
import { generateIdentity } from './identity';
import { randomBytes, ready } from './sodium';
import { isTestEnvironment, withDeterministicRandom } from './testing';

await ready();

describe('withDeterministicRandom (test-only entry)', () => {
  const saved = process.env.VITEST;
  afterEach(() => {
    process.env.VITEST = saved;
    delete (globalThis as { __CONCLAVE_CRYPTO_TEST__?: unknown }).__CONCLAVE_CRYPTO_TEST__;
  });

  it('refuses to run outside tests', () => {
    delete process.env.VITEST;
    expect(isTestEnvironment()).toBe(false);
    expectCryptoError(
      () => withDeterministicRandom('s', () => randomBytes(8)),
      'TEST_ONLY',
      'withDeterministicRandom',
    );
    (globalThis as { __CONCLAVE_CRYPTO_TEST__?: unknown }).__CONCLAVE_CRYPTO_TEST__ = true;
    expect(withDeterministicRandom('s', () => randomBytes(8))).toHaveLength(8);
  });

  it('makes libsodium-internal randomness reproducible, then restores the real source', () => {
    const a = withDeterministicRandom('seed-1', () => generateIdentity());
    const b = withDeterministicRandom('seed-1', () => generateIdentity());
    const c = withDeterministicRandom('seed-2', () => generateIdentity());
    expect(toHex(a.signingPrivateKey)).toBe(toHex(b.signingPrivateKey));
    expect(toHex(a.exchangePrivateKey)).toBe(toHex(b.exchangePrivateKey));
    expect(toHex(a.signingPrivateKey)).not.toBe(toHex(c.signingPrivateKey));
    expect(toHex(generateIdentity().signingPrivateKey)).not.toBe(toHex(a.signingPrivateKey));
    expect(toHex(randomBytes(16))).not.toBe(toHex(randomBytes(16)));
  });

  it('refuses nesting and async callbacks', () => {
    expectCryptoError(
      () => withDeterministicRandom('a', () => withDeterministicRandom('b', () => 1)),
      'INVALID_INPUT',
    );
    expectCryptoError(
      () => withDeterministicRandom('a', () => Promise.resolve(1)),
      'INVALID_INPUT',
    );
    expect(toHex(randomBytes(16))).not.toBe(toHex(randomBytes(16)));
  });
});
