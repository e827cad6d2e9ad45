import {
  fromBase64Url,
  isCryptoError,
  parsePublicIdentity,
  verifyGuestKeyBinding,
  type PublicIdentity,
} from '@conclave/crypto';
import type { Participant } from '@conclave/contracts';

/** What this browser's pins say about a member's identity (the key directory feature's check). */
export type PinCheck = 'new' | 'same' | 'changed' | 'address-reused';

/**
 * The pins of colleagues' public keys kept by the signed-in user's browser. The room asks it
 * about every member it meets and pins identities it sees for the first time.
 */
export interface PinStore {
  check(userId: string, identity: PublicIdentity): PinCheck;
  pin(userId: string, identity: PublicIdentity): void;
  /** Whether the user compared fingerprints with this colleague for exactly this key. */
  isVerified?(userId: string, identity: PublicIdentity): boolean;
}

export type TrustBasis =
  /** It is me. */
  | 'self'
  /** A member whose identity matches what this browser pinned before. */
  | 'pinned'
  /** Pinned, and the user compared fingerprints with them (marked verified). */
  | 'fingerprint-compared'
  /** A member this browser had never seen: the identity is pinned now (trust on first use). */
  | 'first-seen'
  /** A guest whose ephemeral key carries a valid MAC under the guest link's secret. */
  | 'guest-link'
  /**
   * Seen by a guest: a guest has no pins and no directory of its own, so it takes members'
   * keys as the server reports them; the security code is how a guest checks them.
   */
  | 'server-reported';

export type TrustProblem =
  /** A member's key differs from the one this browser pinned: possibly a swapped key. */
  | 'key-changed'
  /** A known colleague's e-mail address under another account: possibly a look-alike. */
  | 'address-reused'
  /** A member without a usable identity in the key directory. */
  | 'no-identity'
  /** Key ids that do not match the keys, or keys of the wrong size. */
  | 'malformed-key'
  /** A guest that sent no key, so nobody can bind it to the link. */
  | 'guest-no-key'
  /** A guest whose binding does not verify with the link secret. */
  | 'guest-binding-invalid'
  /** A guest, but this browser does not know the link secret to check it. */
  | 'guest-link-unknown';

export type Trust =
  { verified: true; basis: TrustBasis } | { verified: false; problem: TrustProblem };

export interface Assessment {
  trust: Trust;
  /** The X25519 key the participant is known by here (the security code uses it). */
  exchangePublicKey: Uint8Array | null;
  /** The member's identity as served, when it parsed. */
  identity: PublicIdentity | null;
  /** The caller should pin this identity (first sighting). */
  pin: boolean;
}

export interface AssessOptions {
  meetingId: string;
  participant: Participant;
  /** Who is looking: members check pins; guests can only check other guests. */
  viewer: 'member' | 'guest';
  pins: PinStore | null;
  /** The guest link's secret, when this browser knows it. */
  linkSecret: string | null;
}

/**
 * Whether a participant's keys check out from this browser's point of view, and so whether it
 * may receive my sender keys. Members: the identity the server serves from the key directory,
 * checked against this browser's pins (a changed key is never trusted silently). Guests: the
 * ephemeral key must carry the link-secret MAC, which the server cannot forge.
 */
export function assessParticipant(options: AssessOptions): Assessment {
  const { participant } = options;
  if (participant.kind === 'guest') return assessGuest(options);

  const identity = parseIdentity(participant.identity);
  if (identity === 'missing') return unverified('no-identity');
  if (identity === 'malformed') return unverified('malformed-key');
  const exchangePublicKey = fromBase64Url(identity.exchangePublicKey);
  if (options.viewer === 'guest' || !options.pins) {
    return {
      trust: { verified: true, basis: 'server-reported' },
      exchangePublicKey,
      identity,
      pin: false,
    };
  }
  const check = options.pins.check(participant.id, identity);
  if (check === 'changed' || check === 'address-reused') {
    return {
      trust: { verified: false, problem: check === 'changed' ? 'key-changed' : 'address-reused' },
      exchangePublicKey,
      identity,
      pin: false,
    };
  }
  return {
    trust: {
      verified: true,
      basis:
        check === 'new'
          ? 'first-seen'
          : options.pins.isVerified?.(participant.id, identity)
            ? 'fingerprint-compared'
            : 'pinned',
    },
    exchangePublicKey,
    identity,
    pin: check === 'new',
  };
}

function assessGuest(options: AssessOptions): Assessment {
  const guestKey = options.participant.guestKey;
  if (!guestKey) return unverified('guest-no-key');
  let exchangePublicKey: Uint8Array;
  try {
    exchangePublicKey = fromBase64Url(guestKey.exchangePublicKey);
    if (exchangePublicKey.length !== 32) return unverified('malformed-key');
  } catch {
    return unverified('malformed-key');
  }
  if (!options.linkSecret) {
    return {
      trust: { verified: false, problem: 'guest-link-unknown' },
      exchangePublicKey,
      identity: null,
      pin: false,
    };
  }
  try {
    verifyGuestKeyBinding({
      linkSecret: options.linkSecret,
      meetingId: options.meetingId,
      guestPublicKey: exchangePublicKey,
      binding: guestKey.binding,
    });
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return {
      trust: { verified: false, problem: 'guest-binding-invalid' },
      exchangePublicKey,
      identity: null,
      pin: false,
    };
  }
  return {
    trust: { verified: true, basis: 'guest-link' },
    exchangePublicKey,
    identity: null,
    pin: false,
  };
}

function parseIdentity(
  identity: Participant['identity'],
): PublicIdentity | 'missing' | 'malformed' {
  if (!identity) return 'missing';
  try {
    return parsePublicIdentity(identity);
  } catch (error) {
    if (isCryptoError(error)) return 'malformed';
    throw error;
  }
}

function unverified(problem: TrustProblem): Assessment {
  return {
    trust: { verified: false, problem },
    exchangePublicKey: null,
    identity: null,
    pin: false,
  };
}

/** Words for the participant list and the verification dialog. */
export function describeTrust(trust: Trust): string {
  if (trust.verified) {
    switch (trust.basis) {
      case 'self':
        return 'You';
      case 'pinned':
        return 'Verified: same key as before';
      case 'fingerprint-compared':
        return 'Verified: you compared fingerprints with them';
      case 'first-seen':
        return 'Verified: key from the directory, first seen now';
      case 'guest-link':
        return 'Verified guest: joined with the meeting link';
      case 'server-reported':
        return 'Key as reported by the server: compare the security code';
    }
  }
  switch (trust.problem) {
    case 'key-changed':
      return 'Unverified: this person’s key changed since you last met';
    case 'address-reused':
      return 'Unverified: their e-mail address belongs to another account you met before';
    case 'no-identity':
      return 'Unverified: no key in the directory';
    case 'malformed-key':
      return 'Unverified: the server sent an invalid key';
    case 'guest-no-key':
      return 'Unverified guest: sent no key';
    case 'guest-binding-invalid':
      return 'Unverified guest: not joined with this meeting’s link';
    case 'guest-link-unknown':
      return 'Unverified guest: your browser does not have the guest link to check';
  }
}
