import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { canonicalJsonBytes } from './canonical-json';
import { toBase64Url } from './encoding';
import { generateIdentity, publicIdentity } from './identity';
import { signIdentityStatement, verifyIdentityStatement } from './signed-statement';
import { ready } from './sodium';
import sodium from 'libsodium-wrappers-sumo';

beforeAll(ready);

describe('identity statements', () => {
  it('round-trips, and is plain Ed25519 over the canonical JSON', () => {
    const identity = generateIdentity();
    const statement = { type: 'conclave.test', b: 2, a: [1, 'x'] };
    const signature = signIdentityStatement(identity, statement);
    const { signingPublicKey } = publicIdentity(identity);
    verifyIdentityStatement(
      { a: [1, 'x'], b: 2, type: 'conclave.test' },
      signature,
      signingPublicKey,
    );
    const raw = sodium.crypto_sign_detached(
      canonicalJsonBytes(statement),
      identity.signingPrivateKey,
    );
    expect(signature).toBe(toBase64Url(raw));
  });

  it('fails with BAD_SIGNATURE for another statement, another key or a flipped signature bit', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(511), (a, b, bit) => {
        fc.pre(a !== b);
        const identity = generateIdentity();
        const other = publicIdentity(generateIdentity());
        const mine = publicIdentity(identity);
        const signature = signIdentityStatement(identity, { type: 't', value: a });
        expectCryptoError(
          () => verifyIdentityStatement({ type: 't', value: b }, signature, mine.signingPublicKey),
          'BAD_SIGNATURE',
        );
        expectCryptoError(
          () => verifyIdentityStatement({ type: 't', value: a }, signature, other.signingPublicKey),
          'BAD_SIGNATURE',
        );
        const bytes = Buffer.from(signature, 'base64url');
        bytes[Math.floor(bit / 8)]! ^= 1 << (bit % 8);
        expectCryptoError(
          () =>
            verifyIdentityStatement(
              { type: 't', value: a },
              bytes.toString('base64url'),
              mine.signingPublicKey,
            ),
          'BAD_SIGNATURE',
        );
      }),
      { numRuns: 25 },
    );
  });

  it('rejects malformed keys and signatures with a clear code', () => {
    const identity = generateIdentity();
    const signature = signIdentityStatement(identity, { type: 't' });
    expectCryptoError(
      () => verifyIdentityStatement({ type: 't' }, signature, 'not base64url!'),
      'INVALID_ENCODING',
    );
    expectCryptoError(
      () =>
        verifyIdentityStatement({ type: 't' }, 'AAAA', publicIdentity(identity).signingPublicKey),
      'BAD_SIGNATURE',
    );
  });
});
