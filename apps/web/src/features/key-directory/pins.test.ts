import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity, ready, toBase64Url } from '@conclave/crypto';
import { describeChange, KeyPins, localStoragePinStorage, memoryPinStorage } from './pins';

beforeAll(async () => {
  await ready();
});

const someone = () => publicIdentity(generateIdentity());

describe('key pins', () => {
  it('pins a key on first sight, then reports it as the same', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const alice = someone();
    expect(pins.observe('alice', alice).status).toBe('new');
    expect(pins.observe('alice', alice)).toMatchObject({ status: 'same', pin: alice });
    expect(pins.pinOf('alice')).toMatchObject(alice);
  });

  it('reports a changed key, keeps the old pin until the change is accepted', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const before = someone();
    const after = someone();
    pins.observe('bob', before);
    const check = pins.observe('bob', after);
    expect(check.status).toBe('changed');
    expect(pins.pinOf('bob')).toMatchObject(before);
    expect(pins.observe('bob', after).status).toBe('changed');
    if (check.status !== 'changed') throw new Error('unreachable');
    const change = describeChange(check);
    expect(change.oldFingerprint).toMatch(/^(\d{5} ){7}\d{5}$/);
    expect(change.oldFingerprint).not.toBe(change.newFingerprint);
    expect(change.explanation).toMatch(/admin reset/);
    pins.accept('bob', after);
    expect(pins.observe('bob', after).status).toBe('same');
  });

  it('treats a change of either key as a change', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const original = someone();
    pins.observe('carol', original);
    const other = someone();
    const swappedExchange = {
      ...original,
      exchangePublicKey: other.exchangePublicKey,
      exchangeKeyId: other.exchangeKeyId,
    };
    expect(pins.check('carol', swappedExchange).status).toBe('changed');
  });

  it('refuses keys whose ids do not match, without pinning them', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const forged = { ...someone(), signingKeyId: toBase64Url(new Uint8Array(16)) };
    expect(() => pins.observe('dave', forged)).toThrow(/KEY_MISMATCH|key ids/);
    expect(pins.pinOf('dave')).toBeUndefined();
  });

  it('keeps pins per signed-in user', () => {
    const storage = memoryPinStorage();
    const mine = new KeyPins(storage, 'me');
    const theirs = new KeyPins(storage, 'someone-else');
    mine.observe('erin', someone());
    expect(theirs.pinOf('erin')).toBeUndefined();
    expect(theirs.observe('erin', someone()).status).toBe('new');
  });

  it('stores pins in a Storage and survives bad data in it', () => {
    const backing = new Map<string, string>();
    const storage = {
      getItem: (k: string) => backing.get(k) ?? null,
      setItem: (k: string, v: string) => void backing.set(k, v),
    } as unknown as Storage;
    const pins = new KeyPins(localStoragePinStorage(storage), 'me');
    const frank = someone();
    pins.observe('frank', frank);
    expect(new KeyPins(localStoragePinStorage(storage), 'me').check('frank', frank).status).toBe(
      'same',
    );
    backing.set('conclave:key-pins:me', '{not json');
    expect(new KeyPins(localStoragePinStorage(storage), 'me').check('frank', frank).status).toBe(
      'new',
    );
  });
});

describe('key pins by e-mail address, and verified colleagues', () => {
  it('warns when a known address appears under a fresh user id, and never pins it silently', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const ana = someone();
    expect(pins.observe('ana-id', ana, 'Ana@Example.test').status).toBe('new');
    const lookAlike = someone();
    const check = pins.observe('fresh-id', lookAlike, 'ana@example.test');
    expect(check).toMatchObject({ status: 'address-reused', pinnedUserId: 'ana-id' });
    expect(pins.pinOf('fresh-id')).toBeUndefined();
    // Even with Ana's own key, a new id for her address is not silently trusted.
    expect(pins.observe('fresh-id', ana, 'ana@example.test').status).toBe('address-reused');
    // Accepting (after checking with her) moves the address to the new account.
    pins.accept('fresh-id', lookAlike, 'ana@example.test');
    expect(pins.pinOf('ana-id')).toBeUndefined();
    expect(pins.observe('fresh-id', lookAlike, 'ana@example.test').status).toBe('same');
  });

  it('learns the address of a colleague pinned before addresses were recorded', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const ben = someone();
    pins.observe('ben-id', ben);
    expect(pins.observe('ben-id', ben, 'ben@example.test').status).toBe('same');
    expect(pins.pinOf('ben-id')?.email).toBe('ben@example.test');
    expect(pins.observe('other-id', someone(), 'ben@example.test').status).toBe('address-reused');
  });

  it('marks a colleague verified for the pinned key only; a new key drops the mark', () => {
    const pins = new KeyPins(memoryPinStorage(), 'viewer');
    const cleo = someone();
    pins.observe('cleo-id', cleo, 'cleo@example.test');
    expect(pins.isVerified('cleo-id', cleo)).toBe(false);
    pins.markVerified('cleo-id');
    expect(pins.isVerified('cleo-id', cleo)).toBe(true);
    const next = someone();
    expect(pins.isVerified('cleo-id', next)).toBe(false);
    pins.accept('cleo-id', next);
    expect(pins.isVerified('cleo-id', next)).toBe(false);
    expect(pins.pinOf('cleo-id')?.email).toBe('cleo@example.test');
    expect(() => pins.markVerified('nobody')).toThrow(/nothing is pinned/);
  });
});
