import {
  bindGuestKey,
  signConsent,
  type ConsentStatement,
  type Identity,
  type Signed,
  type SigningKeyPair,
} from '@conclave/crypto';

/**
 * Who signs my consent statements. Members: their identity's Ed25519 key (others check it
 * against the key they verified for me). Guests have no identity (docs/crypto.md section 11):
 * an ephemeral Ed25519 key made for this visit, bound to the meeting with the guest link's
 * secret exactly like their X25519 key (`bindGuestKey`); members who hold the link check the
 * binding before they believe the statement.
 */
export interface ConsentSigner {
  sign(input: {
    meetingId: string;
    recordingId: string;
    decision: 'accept' | 'decline';
    /** My participant id: a member's user id, or the guest id the server gave me. */
    participantId: string;
  }): { statement: Signed<ConsentStatement>; guestBinding: string | null };
}

export function memberConsentSigner(userId: string, identity: Identity): ConsentSigner {
  return {
    sign: ({ meetingId, recordingId, decision, participantId }) => {
      if (participantId !== userId) {
        throw new Error('memberConsentSigner: the room knows me under another id');
      }
      return {
        statement: signConsent({ meetingId, recordingId, decision, userId, identity }),
        guestBinding: null,
      };
    },
  };
}

export function guestConsentSigner(keys: SigningKeyPair, linkSecret: string | null): ConsentSigner {
  return {
    sign: ({ meetingId, recordingId, decision, participantId }) => ({
      statement: signConsent({
        meetingId,
        recordingId,
        decision,
        userId: participantId,
        identity: { signingPublicKey: keys.publicKey, signingPrivateKey: keys.privateKey },
      }),
      guestBinding: linkSecret
        ? bindGuestKey({ linkSecret, meetingId, guestPublicKey: keys.publicKey })
        : null,
    }),
  };
}
