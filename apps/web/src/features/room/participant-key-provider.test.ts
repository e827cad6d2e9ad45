import {
  createKeyMaterialFromBuffer,
  deriveKeys,
  KeyProviderEvent,
  type KeyInfo,
} from 'livekit-client';
import { describe, expect, it } from 'vitest';
import { KEYRING_SIZE, ParticipantKeyProvider } from './participant-key-provider';

const bytes = (byte: number) => new Uint8Array(32).fill(byte);

async function aesKeyFrom(material: CryptoKey, provider: ParticipantKeyProvider) {
  return (await deriveKeys(material, provider.getOptions())).encryptionKey;
}

/** Encrypts with the frame key livekit's worker would derive from `material`. */
async function roundTrip(
  provider: ParticipantKeyProvider,
  sealWith: CryptoKey,
  openWith: CryptoKey,
): Promise<boolean> {
  const iv = new Uint8Array(12);
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv },
    await aesKeyFrom(sealWith, provider),
    new Uint8Array([1, 2, 3]),
  );
  try {
    await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv },
      await aesKeyFrom(openWith, provider),
      sealed,
    );
    return true;
  } catch {
    return false;
  }
}

describe('ParticipantKeyProvider', () => {
  it('is a per-participant provider: no shared key, no ratcheting, a 256-slot ring', () => {
    const options = new ParticipantKeyProvider().getOptions();
    expect(options).toMatchObject({
      sharedKey: false,
      ratchetWindowSize: 0,
      keyringSize: KEYRING_SIZE,
    });
  });

  it('gives the worker each participant its own key at its own index', async () => {
    const provider = new ParticipantKeyProvider();
    const events: { info: KeyInfo; update: boolean }[] = [];
    provider.on(KeyProviderEvent.SetKey, (info, update) => events.push({ info, update }));
    await Promise.all([
      provider.setParticipantKey('alice', 3, bytes(1)),
      provider.setParticipantKey('bob', 9, bytes(2)),
    ]);
    expect(events.map((e) => [e.info.participantIdentity, e.info.keyIndex, e.update])).toEqual([
      ['alice', 3, true],
      ['bob', 9, true],
    ]);
    const [alice, bob] = events.map((e) => e.info.key);
    // The material is exactly the sender key's bytes: what alice's peers derive opens her frames.
    const aliceAgain = await createKeyMaterialFromBuffer(bytes(1).buffer);
    expect(await roundTrip(provider, alice!, aliceAgain)).toBe(true);
    expect(await roundTrip(provider, alice!, bob!)).toBe(false);
  });

  it('installs one participant’s keys in the order given, however long imports take', async () => {
    const provider = new ParticipantKeyProvider();
    const order: number[] = [];
    provider.on(KeyProviderEvent.SetKey, (info) => order.push(info.keyIndex!));
    const pending = [];
    for (let i = 0; i < 20; i++) pending.push(provider.setParticipantKey('alice', i, bytes(i)));
    await Promise.all(pending);
    expect(order).toEqual([...Array(20).keys()]);
  });

  it('re-posts after a reconnect only the latest keys, with my current index as current', async () => {
    const provider = new ParticipantKeyProvider();
    provider.setLocalIdentity('me');
    for (let i = 0; i < 6; i++) void provider.setParticipantKey('me', 100 + i, bytes(i + 1));
    void provider.setParticipantKey('bob', 103, bytes(50)); // same number as an old key of mine
    await provider.settled();
    expect(provider.getLatestManuallySetKeyIndex()).toBe(105);
    expect(provider.installedIndices()).toEqual({ me: [102, 103, 104, 105], bob: [103] });
    // What livekit's E2EEManager does on SignalConnected: only my current key is made current.
    const current = provider
      .getKeys()
      .filter((k) => k.participantIdentity === 'me')
      .filter((k) => k.keyIndex === provider.getLatestManuallySetKeyIndex());
    expect(current.map((k) => k.keyIndex)).toEqual([105]);
    provider.forgetParticipant('bob');
    expect(provider.getKeys().some((k) => k.participantIdentity === 'bob')).toBe(false);
  });

  it('refuses keys without an identity or with an impossible index', () => {
    const provider = new ParticipantKeyProvider();
    expect(() => provider.setParticipantKey('', 0, bytes(1))).toThrow(/identity/);
    expect(() => provider.setParticipantKey('a', -1, bytes(1))).toThrow(/uint32/);
  });
});
