import { generateKdfParams, KDF_LIMITS, ready, type KdfParams } from '@conclave/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareKdfParams, isKdfParamsRefused, KdfPins, type KdfPinStorage } from './kdf-pins';

function memoryStorage(): KdfPinStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

let account: KdfParams;
beforeAll(async () => {
  await ready();
  account = generateKdfParams();
});

function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (isKdfParamsRefused(error)) return error;
    throw error;
  }
  throw new Error('expected the parameters to be refused');
}

describe('compareKdfParams', () => {
  it('tells new, same, stronger, weaker and re-salted parameters apart', () => {
    expect(compareKdfParams(undefined, account).status).toBe('new');
    expect(compareKdfParams(account, { ...account }).status).toBe('same');
    expect(compareKdfParams(account, { ...account, opsLimit: account.opsLimit + 1 }).status).toBe(
      'stronger',
    );
    expect(compareKdfParams(account, { ...account, opsLimit: account.opsLimit - 1 }).status).toBe(
      'weaker',
    );
    expect(compareKdfParams(account, { ...account, memLimit: account.memLimit / 2 }).status).toBe(
      'weaker',
    );
    expect(compareKdfParams(account, { ...account, salt: generateKdfParams().salt }).status).toBe(
      'salt-changed',
    );
  });
});

describe('KdfPins', () => {
  it('remembers an account’s parameters by its normalised address and accepts them again', () => {
    const pins = new KdfPins(memoryStorage());
    expect(pins.check('Ana@Example.test', account).status).toBe('new');
    pins.remember('Ana@Example.test', account);
    expect(pins.check(' ana@example.TEST ', account).status).toBe('same');
    expect(pins.check('ben@example.test', account).status).toBe('new');
  });

  it('refuses floor-cost parameters for a known account, whatever else is served', () => {
    const pins = new KdfPins(memoryStorage());
    pins.remember('ana@example.test', account);
    const floor = generateKdfParams({
      opsLimit: KDF_LIMITS.minOpsLimit,
      memLimit: KDF_LIMITS.minMemLimit,
    });
    const error = refusal(() => pins.check('ana@example.test', floor));
    expect(error.reason).toBe('weaker');
    expect(error.message).toContain('weaker key derivation than before');
    expect(error.message).toContain('Your password was not used or sent');
    // Same salt, lower memory: still weaker.
    const sameSalt = { ...account, memLimit: KDF_LIMITS.minMemLimit };
    expect(refusal(() => pins.check('ana@example.test', sameSalt)).reason).toBe('weaker');
  });

  it('refuses a fixed or changed salt until the person says they changed the password elsewhere', () => {
    const pins = new KdfPins(memoryStorage());
    pins.remember('ana@example.test', account);
    const fixedSalt = { ...account, salt: 'A'.repeat(account.salt.length) };
    const error = refusal(() => pins.check('ana@example.test', fixedSalt));
    expect(error.reason).toBe('salt-changed');
    expect(error.message).toContain('changed your password or recovered your account');
    pins.forget('ana@example.test');
    expect(pins.check('ana@example.test', fixedSalt).status).toBe('new');
  });

  it('ignores a corrupted entry instead of trusting it', () => {
    const storage = memoryStorage();
    const pins = new KdfPins(storage);
    storage.setItem('conclave:kdf-params:ana@example.test', '{"alg":"argon2id13","opsLimit":1}');
    expect(pins.pinned('ana@example.test')).toBeUndefined();
  });
});
