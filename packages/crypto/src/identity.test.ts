import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_KDF_COST, expectCryptoError, expectNoSecretsIn } from '../test/helpers';
import { deriveAccountKeys, generateKdfParams } from './account';
import { fromBase64Url, toBase64Url, toHex } from './encoding';
import {
  generateExchangeKeyPair,
  generateIdentity,
  identityFingerprint,
  keyId,
  parsePublicIdentity,
  publicIdentity,
  unwrapIdentity,
  unwrapIdentityWithRecoveryCode,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
  type WrappedIdentity,
} from './identity';
import { generateRecoveryCode } from './recovery-code';
import { randomBytes, ready } from './sodium';
import sodium from 'libsodium-wrappers-sumo';

beforeAll(ready);

function flipBit(text: string, bit: number): string {
  const bytes = fromBase64Url(text);
  bytes[Math.floor(bit / 8) % bytes.length]! ^= 1 << (bit % 8);
  return toBase64Url(bytes);
}

describe('generateIdentity', () => {
  it('makes working Ed25519 and X25519 key pairs', () => {
    const id = generateIdentity();
    expect(id.signingPublicKey).toHaveLength(32);
    expect(id.signingPrivateKey).toHaveLength(64);
    expect(id.exchangePublicKey).toHaveLength(32);
    expect(id.exchangePrivateKey).toHaveLength(32);
    const sig = sodium.crypto_sign_detached('hello', id.signingPrivateKey);
    expect(sodium.crypto_sign_verify_detached(sig, 'hello', id.signingPublicKey)).toBe(true);
    expect(toHex(sodium.crypto_scalarmult_base(id.exchangePrivateKey))).toBe(
      toHex(id.exchangePublicKey),
    );
    const other = generateExchangeKeyPair();
    expect(toHex(sodium.crypto_scalarmult(id.exchangePrivateKey, other.publicKey))).toBe(
      toHex(sodium.crypto_scalarmult(other.privateKey, id.exchangePublicKey)),
    );
  });
});

describe('keyId and fingerprints', () => {
  it('keyId is base64url of BLAKE2b-128 of the public key (22 characters)', () => {
    const id = generateIdentity();
    const expected = toBase64Url(sodium.crypto_generichash(16, id.signingPublicKey, null));
    expect(keyId(id.signingPublicKey)).toBe(expected);
    expect(keyId(id.signingPublicKey)).toHaveLength(22);
  });

  it('publicIdentity is JSON-safe and parsePublicIdentity checks the key ids', () => {
    const pub = publicIdentity(generateIdentity());
    expect(parsePublicIdentity(JSON.parse(JSON.stringify(pub)))).toEqual(pub);
    expectCryptoError(
      () => parsePublicIdentity({ ...pub, signingKeyId: pub.exchangeKeyId }),
      'KEY_MISMATCH',
      'parsePublicIdentity',
    );
    expectCryptoError(
      () => parsePublicIdentity({ ...pub, exchangePublicKey: 'AAAA' }),
      'INVALID_INPUT',
    );
  });

  it('identityFingerprint is 8 groups of 5 digits and changes when either key changes', () => {
    const a = generateIdentity();
    const b = generateIdentity();
    const fa = identityFingerprint(a);
    expect(fa).toMatch(/^\d{5}( \d{5}){7}$/);
    expect(identityFingerprint(publicIdentity(a))).toBe(fa);
    expect(identityFingerprint({ ...a, exchangePublicKey: b.exchangePublicKey })).not.toBe(fa);
    expect(identityFingerprint({ ...a, signingPublicKey: b.signingPublicKey })).not.toBe(fa);
  });
});

describe('wrapIdentity / unwrapIdentity', () => {
  it('round-trips through JSON under the account wrap key', () => {
    const id = generateIdentity();
    const { wrapKey } = deriveAccountKeys('hunter2 but longer', generateKdfParams(FAST_KDF_COST));
    const wrapped = JSON.parse(JSON.stringify(wrapIdentity(id, wrapKey))) as WrappedIdentity;
    expect(wrapped.kind).toBe('password');
    const back = unwrapIdentity(wrapped, wrapKey);
    expect(toHex(back.signingPrivateKey)).toBe(toHex(id.signingPrivateKey));
    expect(toHex(back.exchangePrivateKey)).toBe(toHex(id.exchangePrivateKey));
  });

  it('fails with DECRYPTION_FAILED for a wrong key and never names key material', () => {
    const id = generateIdentity();
    const key = randomBytes(32);
    const wrapped = wrapIdentity(id, key);
    const wrong = randomBytes(32);
    const error = expectCryptoError(
      () => unwrapIdentity(wrapped, wrong),
      'DECRYPTION_FAILED',
      'unwrapIdentity',
    );
    expectNoSecretsIn(error, [
      toBase64Url(key),
      toBase64Url(wrong),
      toHex(key),
      wrapped.ciphertext,
    ]);
  });

  it('fails for any flipped bit in nonce, ciphertext or the bound public keys', () => {
    const id = generateIdentity();
    const other = generateIdentity();
    const key = randomBytes(32);
    const wrapped = wrapIdentity(id, key);
    fc.assert(
      fc.property(
        fc.constantFrom('nonce', 'ciphertext', 'signingPublicKey', 'exchangePublicKey'),
        fc.nat(),
        (field, bit) => {
          const tampered = { ...wrapped, [field]: flipBit(wrapped[field], bit) };
          expectCryptoError(
            () => unwrapIdentity(tampered, key),
            'DECRYPTION_FAILED',
            'unwrapIdentity',
          );
        },
      ),
      { numRuns: 200 },
    );
    // Pairing the ciphertext with somebody else's public keys is caught too.
    const swapped = { ...wrapped, signingPublicKey: toBase64Url(other.signingPublicKey) };
    expectCryptoError(() => unwrapIdentity(swapped, key), 'DECRYPTION_FAILED');
  });

  it('will not open a recovery blob with the password path or vice versa', () => {
    const id = generateIdentity();
    const code = generateRecoveryCode();
    const wrapped = wrapIdentityWithRecoveryCode(id, code);
    expectCryptoError(
      () => unwrapIdentity(wrapped, randomBytes(32)),
      'INVALID_INPUT',
      'unwrapIdentity',
    );
    expectCryptoError(
      () => unwrapIdentity({ ...wrapped, v: 2 as 1 }, randomBytes(32)),
      'UNSUPPORTED_VERSION',
    );
  });
});

describe('recovery-code wrapping', () => {
  it('round-trips with the code as typed, and tells a typo from a wrong code', () => {
    const id = generateIdentity();
    const code = generateRecoveryCode();
    const wrapped = wrapIdentityWithRecoveryCode(id, code);
    expect(wrapped.kind).toBe('recovery');
    const back = unwrapIdentityWithRecoveryCode(wrapped, code.toLowerCase().replace(/-/g, ' '));
    expect(toHex(back.signingPrivateKey)).toBe(toHex(id.signingPrivateKey));

    const typo = (code[0] === 'A' ? 'B' : 'A') + code.slice(1);
    const typoError = expectCryptoError(
      () => unwrapIdentityWithRecoveryCode(wrapped, typo),
      'RECOVERY_CODE_CHECKSUM',
      'unwrapIdentityWithRecoveryCode',
    );
    expectNoSecretsIn(typoError, [code, code.replace(/-/g, '')]);
    expectCryptoError(
      () => unwrapIdentityWithRecoveryCode(wrapped, generateRecoveryCode()),
      'DECRYPTION_FAILED',
      'unwrapIdentityWithRecoveryCode',
    );
  });
});
