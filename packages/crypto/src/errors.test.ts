import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { deriveAccountKeys } from './account';
import { CRYPTO_ERROR_CODES, CryptoError, isCryptoError } from './errors';
import { generateIdentity } from './identity';
import { ready } from './sodium';

describe('CryptoError', () => {
  it('NOT_READY before ready() resolves, then works', async () => {
    expectCryptoError(() => generateIdentity(), 'NOT_READY', 'generateIdentity');
    expectCryptoError(
      () =>
        deriveAccountKeys('pw', {
          alg: 'argon2id13',
          opsLimit: 2,
          memLimit: 19 << 20,
          salt: 'AAAAAAAAAAAAAAAAAAAAAA',
        }),
      'NOT_READY',
    );
    await ready();
    expect(generateIdentity().signingPublicKey).toHaveLength(32);
  });

  it('carries a documented code, the operation, and a prefixed message', () => {
    const error = new CryptoError('BAD_SIGNATURE', 'verifyThing', 'signature does not verify');
    expect(error.message).toBe('verifyThing: signature does not verify');
    expect(error.name).toBe('CryptoError');
    expect(isCryptoError(error, 'BAD_SIGNATURE')).toBe(true);
    expect(isCryptoError(new Error('x'))).toBe(false);
    expect(new Set(CRYPTO_ERROR_CODES).size).toBe(CRYPTO_ERROR_CODES.length);
  });
});
