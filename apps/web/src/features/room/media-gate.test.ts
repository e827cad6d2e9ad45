import { describe, expect, it } from 'vitest';
import { darkMedia, describeDarkMedia, mediaVerdict, type RemoteMediaSource } from './media-gate';
import type { ParticipantView } from './room-session';

function participant(
  id: string,
  trust: ParticipantView['trust'],
  extra: Partial<ParticipantView> = {},
): ParticipantView {
  return {
    id,
    displayName: `Name of ${id}`,
    kind: 'member',
    role: 'participant',
    isSelf: false,
    trust,
    receivesMyKey: trust.verified,
    latestKeyIndex: null,
    handRaised: false,
    fingerprint: null,
    ...extra,
  };
}

const me = participant('me', { verified: true, basis: 'self' }, { isSelf: true });
const ana = participant('ana', { verified: true, basis: 'pinned' });
const ben = participant('ben', { verified: false, problem: 'key-changed' });
const guest = participant(
  'guest-1',
  { verified: false, problem: 'guest-binding-invalid' },
  { kind: 'guest' },
);
const participants = [me, ana, ben, guest];

function source(identity: string, tracksEncrypted = [true, true], name = ''): RemoteMediaSource {
  return { identity, name, tracksEncrypted };
}

describe('mediaVerdict (E2EE meeting)', () => {
  const e2ee = true;

  it('plays a trusted participant known from the control channel whose tracks are encrypted', () => {
    expect(mediaVerdict({ e2ee, source: source('ana'), participants })).toEqual({ play: true });
  });

  it('keeps a LiveKit participant the control channel does not know dark', () => {
    expect(mediaVerdict({ e2ee, source: source('mallory'), participants })).toEqual({
      play: false,
      reason: 'unknown',
    });
  });

  it('keeps a member whose key changed, and an unverified guest, dark', () => {
    expect(mediaVerdict({ e2ee, source: source('ben'), participants })).toEqual({
      play: false,
      reason: 'untrusted',
    });
    expect(mediaVerdict({ e2ee, source: source('guest-1'), participants })).toEqual({
      play: false,
      reason: 'untrusted',
    });
  });

  it('keeps a trusted participant dark as soon as the server reports one track unencrypted', () => {
    expect(mediaVerdict({ e2ee, source: source('ana', [true, false]), participants })).toEqual({
      play: false,
      reason: 'unencrypted',
    });
  });

  it('never plays media under my own identity from the server', () => {
    expect(mediaVerdict({ e2ee, source: source('me'), participants })).toEqual({
      play: false,
      reason: 'unknown',
    });
  });
});

describe('mediaVerdict (meeting without E2EE, as shown before joining)', () => {
  it('plays everyone', () => {
    expect(mediaVerdict({ e2ee: false, source: source('mallory', [false]), participants })).toEqual(
      {
        play: true,
      },
    );
  });
});

describe('darkMedia', () => {
  it('lists what stays dark with the room’s names, or LiveKit’s name for a stranger', () => {
    const dark = darkMedia({
      e2ee: true,
      sources: [source('ana'), source('ben'), source('mallory', [false], 'Ana Alder')],
      participants,
    });
    expect(dark).toEqual([
      { identity: 'ben', displayName: 'Name of ben', reason: 'untrusted' },
      { identity: 'mallory', displayName: 'Ana Alder', reason: 'unknown' },
    ]);
    expect(describeDarkMedia(dark[1]!)).toContain('“Ana Alder”, who is not a participant');
  });
});
