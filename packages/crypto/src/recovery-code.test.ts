import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test/helpers';
import { toHex } from './encoding';
import {
  RECOVERY_CODE_LENGTH,
  generateRecoveryCode,
  parseRecoveryCode,
  recoveryKeyFromCode,
} from './recovery-code';
import { ready } from './sodium';

beforeAll(ready);

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('recovery codes', () => {
  it('are 9 dash-separated groups of 4 Crockford base32 characters, all different', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const code = generateRecoveryCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){8}$/);
      expect(code.replace(/-/g, '')).toHaveLength(RECOVERY_CODE_LENGTH);
      expect(parseRecoveryCode(code)).toBe(code);
      codes.add(code);
    }
    expect(codes.size).toBe(50);
  });

  it('accept what people type: lower case, spaces, missing dashes, O for 0, I and L for 1', () => {
    const code = generateRecoveryCode();
    const typed = code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(parseRecoveryCode(`  ${typed}  `)).toBe(code);
    expect(parseRecoveryCode(code.replace(/-/g, ''))).toBe(code);
    expect(toHex(recoveryKeyFromCode(typed))).toBe(toHex(recoveryKeyFromCode(code)));
  });

  it('catch every single mistyped character before any decryption', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: RECOVERY_CODE_LENGTH - 1 }),
        fc.integer({ min: 1, max: 31 }),
        (position, shift) => {
          const compact = generateRecoveryCode().replace(/-/g, '');
          const original = ALPHABET.indexOf(compact[position]!);
          const typo = ALPHABET[(original + shift) % 32]!;
          const mistyped = compact.slice(0, position) + typo + compact.slice(position + 1);
          expectCryptoError(
            () => parseRecoveryCode(mistyped),
            'RECOVERY_CODE_CHECKSUM',
            'parseRecoveryCode',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('catch swapped neighbouring characters', () => {
    let caught = 0;
    let tried = 0;
    for (let i = 0; i < 40; i++) {
      const compact = generateRecoveryCode().replace(/-/g, '');
      for (let p = 0; p + 1 < compact.length; p++) {
        if (compact[p] === compact[p + 1]) continue;
        const swapped = compact.slice(0, p) + compact[p + 1]! + compact[p]! + compact.slice(p + 2);
        tried++;
        try {
          parseRecoveryCode(swapped);
        } catch {
          caught++;
        }
      }
    }
    // Luhn misses only a few specific pairs; the hash part catches those but for 2^-15.
    expect(caught).toBe(tried);
  });

  it('reject wrong lengths and characters that codes never use, naming positions not characters', () => {
    const code = generateRecoveryCode();
    expectCryptoError(
      () => parseRecoveryCode(code.slice(0, -1)),
      'INVALID_RECOVERY_CODE',
      'parseRecoveryCode',
    );
    expectCryptoError(() => parseRecoveryCode(`${code}A`), 'INVALID_RECOVERY_CODE');
    const withU = `U${code.slice(1)}`;
    const error = expectCryptoError(() => parseRecoveryCode(withU), 'INVALID_RECOVERY_CODE');
    expect(error.message).toContain('character 1');
    expect(error.message).not.toContain(code.slice(1, 5));
  });
});
