import { describe, expect, it } from 'vitest';
import { passcodeBits, passcodeWeakness } from './passcode';

describe('meeting passcode strength', () => {
  it('refuses passcodes of less than about 30 bits', () => {
    for (const weak of ['1234', '123456', '12345678', 'abcde', 'Ab1x', 'aaaaaaaaaa', '121212121']) {
      expect(passcodeWeakness(weak), weak).not.toBeNull();
    }
    expect(passcodeWeakness('12345678')).toMatch(/at least 9/);
  });

  it('accepts 9 digits, or 6 characters with letters', () => {
    for (const strong of ['491827365', 'kfmzqa', 'k7Fm2q', 'tide-lamp-9', 'Ölberg42']) {
      expect(passcodeWeakness(strong), strong).toBeNull();
    }
    expect(passcodeBits('491827365')).toBeGreaterThan(29.8);
  });
});
