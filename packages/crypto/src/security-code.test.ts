import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { generateExchangeKeyPair } from './identity';
import { computeSecurityCode } from './security-code';
import { ready } from './sodium';

await ready();

describe('computeSecurityCode', () => {
  const keys = Array.from({ length: 8 }, () => generateExchangeKeyPair().publicKey);

  it('is 8 groups of 5 digits', () => {
    const { code, groups } = computeSecurityCode('m', keys);
    expect(code).toMatch(/^\d{5}( \d{5}){7}$/);
    expect(groups).toEqual(code.split(' '));
  });

  it('does not depend on order or repeats', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(keys, { minLength: 1 }), fc.nat(), (subset, seed) => {
        const shuffled = [...subset].sort(
          () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 3) - 1,
        );
        expect(computeSecurityCode('m', [...shuffled, subset[0]!]).code).toBe(
          computeSecurityCode('m', subset).code,
        );
      }),
      { numRuns: 50 },
    );
  });

  it('changes when a participant is added or swapped, or the meeting differs', () => {
    const base = computeSecurityCode('m', keys.slice(0, 3)).code;
    expect(computeSecurityCode('m', keys.slice(0, 4)).code).not.toBe(base);
    expect(computeSecurityCode('m', [keys[0]!, keys[1]!, keys[5]!]).code).not.toBe(base);
    expect(computeSecurityCode('n', keys.slice(0, 3)).code).not.toBe(base);
  });

  it('needs at least one 32-byte key', () => {
    expectCryptoError(() => computeSecurityCode('m', []), 'INVALID_INPUT', 'computeSecurityCode');
    expectCryptoError(() => computeSecurityCode('m', [new Uint8Array(31)]), 'INVALID_INPUT');
  });
});
