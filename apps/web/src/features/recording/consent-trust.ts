import {
  fromBase64Url,
  isCryptoError,
  keyId,
  verifyConsent,
  verifyGuestKeyBinding,
  type ConsentStatement,
  type Signed,
} from '@conclave/crypto';

/**
 * Whose consent this browser believes, and why: a statement counts only if it verifies under a
 * key the room itself trusts for that participant. Members: the identity signing key the room
 * checked against this browser's pins (participant-trust.ts). Guests: the Ed25519 key in the
 * statement, but only with a binding under the guest link's secret (`bindGuestKey`), which the
 * server never sees. The server's word that a consent was "stored" or "verified" counts for
 * nothing here.
 */

/** What the room knows of one participant, from its own checks. */
export interface KnownParticipant {
  id: string;
  kind: 'member' | 'guest';
  displayName: string;
  role: 'host' | 'participant';
  /** The room's trust check passed (pins for members, link MAC for guests). */
  verified: boolean;
  /** Members: their identity's Ed25519 public key as the room checked it. */
  signingPublicKey: Uint8Array | null;
  /** Members: their identity's X25519 public key as the room checked it. */
  exchangePublicKey: Uint8Array | null;
}

export interface ReceivedConsent {
  participantId: string;
  statement: Signed<ConsentStatement>;
  guestBinding: string | null;
}

export type ConsentCheck =
  { ok: true; decision: 'accept' | 'decline'; decidedAt: string } | { ok: false; reason: string };

export interface ConsentContext {
  meetingId: string;
  recordingId: string;
  /** The guest link's secret when this browser has it (needed to check guests). */
  linkSecret: string | null;
}

export function checkConsent(
  consent: ReceivedConsent,
  participant: KnownParticipant | null,
  context: ConsentContext,
): ConsentCheck {
  if (!participant) return { ok: false, reason: 'not in the room' };
  if (!participant.verified) return { ok: false, reason: 'their keys could not be verified' };
  const signer = consent.statement.payload?.participant;
  if (!signer || signer.userId !== participant.id) {
    return { ok: false, reason: 'the statement names someone else' };
  }
  let trusted: Uint8Array | null;
  if (participant.kind === 'member') {
    trusted = participant.signingPublicKey;
    if (!trusted) return { ok: false, reason: 'no identity key known' };
  } else {
    trusted = guestSigningKey(consent, context);
    if (!trusted) {
      return {
        ok: false,
        reason: context.linkSecret
          ? 'the guest’s signing key is not bound to this meeting’s link'
          : 'your browser does not have the guest link to check it',
      };
    }
  }
  const key = trusted;
  try {
    const statement = verifyConsent(
      consent.statement,
      {
        signingKeyFor: (userId, signingKeyId) =>
          userId === participant.id && keyId(key) === signingKeyId ? key : undefined,
      },
      { meetingId: context.meetingId, recordingId: context.recordingId },
    );
    return { ok: true, decision: statement.decision, decidedAt: statement.decidedAt };
  } catch (error) {
    if (!isCryptoError(error)) throw error;
    return { ok: false, reason: `the signature does not check out (${error.code})` };
  }
}

function guestSigningKey(consent: ReceivedConsent, context: ConsentContext): Uint8Array | null {
  if (!context.linkSecret || !consent.guestBinding) return null;
  try {
    const key = fromBase64Url(consent.statement.payload.participant.signingPublicKey);
    if (key.length !== 32) return null;
    verifyGuestKeyBinding({
      linkSecret: context.linkSecret,
      meetingId: context.meetingId,
      guestPublicKey: key,
      binding: consent.guestBinding,
    });
    return key;
  } catch (error) {
    if (isCryptoError(error)) return null;
    throw error;
  }
}
