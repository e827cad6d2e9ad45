import { generateIdentity, publicIdentity, ready } from '@conclave/crypto';
import { describe, expect, it } from 'vitest';
import { KeyPins, memoryPinStorage } from '../key-directory/pins';
import { directoryTrust } from './recording-trust';
import { shareCandidates } from './share-grant';
import { directoryEntry } from './testing';

await ready();

describe('shareCandidates', () => {
  const rita = directoryEntry('u-rita', 'Rita', generateIdentity());
  const hana = directoryEntry('u-hana', 'Hana', generateIdentity());
  const ben = directoryEntry('u-ben', 'Ben', generateIdentity());
  const cleo = directoryEntry('u-cleo', 'Cleo', generateIdentity());
  const keyless = { ...directoryEntry('u-dev', 'Dev', generateIdentity()), current: null };
  const detail = {
    recipients: [
      { keyId: 'k1', kind: 'recorder' as const, userId: 'u-rita', name: 'Rita' },
      { keyId: 'k2', kind: 'host' as const, userId: 'u-hana', name: 'Hana' },
      { keyId: 'k3', kind: 'compliance' as const, userId: null, name: null },
    ],
    shares: [],
  };

  it('offers members without a key to the recording, sorted, and says why one cannot get one', () => {
    const pins = new KeyPins(memoryPinStorage(), 'u-rita');
    pins.observe('u-cleo', publicIdentity(generateIdentity()));
    const members = [rita, hana, keyless, cleo, ben];
    const candidates = shareCandidates({
      members,
      detail,
      directory: directoryTrust(members, pins),
      me: 'u-rita',
    });
    expect(candidates.map((c) => [c.name, c.blocked])).toEqual([
      ['Ben', null],
      ['Cleo', expect.stringMatching(/key changed/)],
      ['Dev', 'has not set up keys yet'],
    ]);
  });

  it('leaves out members it was already shared with', () => {
    const members = [rita, hana, ben];
    const shared = {
      ...detail,
      shares: [
        {
          userId: 'u-ben',
          name: 'Ben',
          keyId: 'k4',
          grantedBy: { userId: 'u-rita', name: 'Rita' },
          grantedAt: '2026-12-01T10:00:00.000Z',
          grant: { payload: {}, signature: 'x' },
        },
      ],
    };
    expect(
      shareCandidates({
        members,
        detail: shared,
        directory: directoryTrust(members, null),
        me: 'u-rita',
      }),
    ).toEqual([]);
  });
});
