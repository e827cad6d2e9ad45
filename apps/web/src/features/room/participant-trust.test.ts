import {
  bindGuestKey,
  generateExchangeKeyPair,
  generateIdentity,
  generateLinkSecret,
  publicIdentity,
  ready,
  toBase64Url,
  type PublicIdentity,
} from '@conclave/crypto';
import type { Participant } from '@conclave/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assessParticipant,
  describeTrust,
  type PinCheck,
  type PinStore,
} from './participant-trust';

const MEETING = '7d3c1f70-4a55-4c47-9d39-2f0a1b2c3d4e';

class MemoryPins implements PinStore {
  readonly pins = new Map<string, PublicIdentity>();
  check(userId: string, identity: PublicIdentity): PinCheck {
    const pinned = this.pins.get(userId);
    if (!pinned) return 'new';
    return pinned.exchangePublicKey === identity.exchangePublicKey &&
      pinned.signingPublicKey === identity.signingPublicKey
      ? 'same'
      : 'changed';
  }
  pin(userId: string, identity: PublicIdentity): void {
    this.pins.set(userId, identity);
  }
}

function member(id: string, identity: PublicIdentity | null): Participant {
  return {
    id,
    kind: 'member',
    displayName: id,
    role: 'participant',
    identity,
    guestKey: null,
    joinedAt: new Date(0).toISOString(),
  };
}

function guest(id: string, guestKey: Participant['guestKey']): Participant {
  return { ...member(id, null), kind: 'guest', guestKey };
}

describe('assessParticipant', () => {
  beforeAll(async () => {
    await ready();
  });

  it('trusts a member seen for the first time and asks to pin; then recognises the pin', () => {
    const pins = new MemoryPins();
    const identity = publicIdentity(generateIdentity());
    const first = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', identity),
      viewer: 'member',
      pins,
      linkSecret: null,
    });
    expect(first.trust).toEqual({ verified: true, basis: 'first-seen' });
    expect(first.pin).toBe(true);
    expect(toBase64Url(first.exchangePublicKey!)).toBe(identity.exchangePublicKey);
    pins.pin('u1', first.identity!);
    const again = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', identity),
      viewer: 'member',
      pins,
      linkSecret: null,
    });
    expect(again.trust).toEqual({ verified: true, basis: 'pinned' });
    expect(again.pin).toBe(false);
  });

  it('refuses a member whose key changed since it was pinned (a swapped key)', () => {
    const pins = new MemoryPins();
    pins.pin('u1', publicIdentity(generateIdentity()));
    const swapped = publicIdentity(generateIdentity());
    const result = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', swapped),
      viewer: 'member',
      pins,
      linkSecret: null,
    });
    expect(result.trust).toEqual({ verified: false, problem: 'key-changed' });
    expect(result.pin).toBe(false);
    // the key it claims still counts for the security code
    expect(toBase64Url(result.exchangePublicKey!)).toBe(swapped.exchangePublicKey);
    expect(describeTrust(result.trust)).toMatch(/key changed/);
  });

  it('refuses a known address under a fresh id, and says when fingerprints were compared', () => {
    const identity = publicIdentity(generateIdentity());
    const reused: PinStore = { check: () => 'address-reused', pin: () => undefined };
    const lookAlike = assessParticipant({
      meetingId: MEETING,
      participant: member('fresh-id', identity),
      viewer: 'member',
      pins: reused,
      linkSecret: null,
    });
    expect(lookAlike.trust).toEqual({ verified: false, problem: 'address-reused' });
    expect(lookAlike.pin).toBe(false);
    expect(describeTrust(lookAlike.trust)).toContain('belongs to another account');

    const compared: PinStore = {
      check: () => 'same',
      pin: () => undefined,
      isVerified: (userId, served) =>
        userId === 'cleo' && served.signingPublicKey === identity.signingPublicKey,
    };
    const cleo = assessParticipant({
      meetingId: MEETING,
      participant: member('cleo', identity),
      viewer: 'member',
      pins: compared,
      linkSecret: null,
    });
    expect(cleo.trust).toEqual({ verified: true, basis: 'fingerprint-compared' });
    expect(describeTrust(cleo.trust)).toBe('Verified: you compared fingerprints with them');
  });

  it('refuses members without an identity or with key ids that do not match', () => {
    const pins = new MemoryPins();
    const noIdentity = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', null),
      viewer: 'member',
      pins,
      linkSecret: null,
    });
    expect(noIdentity.trust).toEqual({ verified: false, problem: 'no-identity' });
    const identity = publicIdentity(generateIdentity());
    const other = publicIdentity(generateIdentity());
    const forged = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', { ...identity, exchangeKeyId: other.exchangeKeyId }),
      viewer: 'member',
      pins,
      linkSecret: null,
    });
    expect(forged.trust).toEqual({ verified: false, problem: 'malformed-key' });
  });

  it('verifies a guest by the link-secret MAC and refuses a wrong secret or no key', () => {
    const linkSecret = generateLinkSecret();
    const keys = generateExchangeKeyPair();
    const guestKey = {
      exchangePublicKey: toBase64Url(keys.publicKey),
      binding: bindGuestKey({ linkSecret, meetingId: MEETING, guestPublicKey: keys.publicKey }),
    };
    const assess = (participant: Participant, secret: string | null) =>
      assessParticipant({
        meetingId: MEETING,
        participant,
        viewer: 'member',
        pins: new MemoryPins(),
        linkSecret: secret,
      }).trust;
    expect(assess(guest('guest-1', guestKey), linkSecret)).toEqual({
      verified: true,
      basis: 'guest-link',
    });
    expect(assess(guest('guest-1', guestKey), generateLinkSecret())).toEqual({
      verified: false,
      problem: 'guest-binding-invalid',
    });
    expect(assess(guest('guest-1', guestKey), null)).toEqual({
      verified: false,
      problem: 'guest-link-unknown',
    });
    expect(assess(guest('guest-1', null), linkSecret)).toEqual({
      verified: false,
      problem: 'guest-no-key',
    });
    // a binding made for another meeting does not transfer
    const elsewhere = {
      ...guestKey,
      binding: bindGuestKey({
        linkSecret,
        meetingId: '00000000-0000-4000-8000-000000000000',
        guestPublicKey: keys.publicKey,
      }),
    };
    expect(assess(guest('guest-1', elsewhere), linkSecret)).toMatchObject({ verified: false });
  });

  it('lets a guest take members as the server reports them, and says so', () => {
    const identity = publicIdentity(generateIdentity());
    const result = assessParticipant({
      meetingId: MEETING,
      participant: member('u1', identity),
      viewer: 'guest',
      pins: null,
      linkSecret: generateLinkSecret(),
    });
    expect(result.trust).toEqual({ verified: true, basis: 'server-reported' });
    expect(describeTrust(result.trust)).toMatch(/security code/);
  });
});
