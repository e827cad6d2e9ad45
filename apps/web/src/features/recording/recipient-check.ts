import { constantTimeEqual, fromBase64Url, isCryptoError, keyId } from '@conclave/crypto';
import type { RequiredRecipient } from '@conclave/contracts';
import type { KnownParticipant } from './consent-trust';

/**
 * The API names who the recording key must be sealed to (the recorder, every host, and under
 * escrow the org's compliance keys). The recorder's browser does not take that list on faith:
 * its own key must be its own, and a host's key must be the one the room verified for that
 * host, or (for a host not in the room) the one this browser pinned. A key it cannot trust
 * stops the recording before anything is sealed to it, with a message naming the person.
 */

export type HostPinCheck = 'same' | 'new' | 'changed';

export interface RecipientCheckInput {
  required: readonly RequiredRecipient[];
  /** My user id and X25519 public key. */
  self: { userId: string; exchangePublicKey: Uint8Array };
  /** Who the room knows, by participant id (members: user id). */
  participant: (userId: string) => KnownParticipant | null;
  /** This browser's pins for a member not in the room ('new' pins it, trust on first use). */
  pinCheck: (userId: string, exchangePublicKey: Uint8Array) => HostPinCheck;
}

export type RecipientCheck =
  { ok: true; keys: Uint8Array[]; complianceKeys: number } | { ok: false; problem: string };

export function checkRequiredRecipientKeys(input: RecipientCheckInput): RecipientCheck {
  const keys: Uint8Array[] = [];
  let complianceKeys = 0;
  for (const recipient of input.required) {
    let key: Uint8Array;
    try {
      key = fromBase64Url(recipient.exchangePublicKey);
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      return { ok: false, problem: `The server sent a malformed key for a ${recipient.kind}.` };
    }
    if (key.length !== 32 || keyId(key) !== recipient.keyId) {
      return { ok: false, problem: `The server sent a malformed key for a ${recipient.kind}.` };
    }
    switch (recipient.kind) {
      case 'recorder':
        if (
          recipient.userId !== input.self.userId ||
          !constantTimeEqual(key, input.self.exchangePublicKey)
        ) {
          return {
            ok: false,
            problem:
              'The server asked to seal this recording to a recorder key that is not yours. ' +
              'Recording was not started.',
          };
        }
        break;
      case 'host': {
        const problem = checkHost(recipient.userId, key, input);
        if (problem) return { ok: false, problem };
        break;
      }
      case 'compliance':
        // The org's compliance keys are registered by its admins; the browser has nothing of
        // its own to compare them with, so the view shows how many there are.
        complianceKeys += 1;
        break;
    }
    keys.push(key);
  }
  return { ok: true, keys, complianceKeys };
}

function checkHost(
  userId: string | null,
  key: Uint8Array,
  input: RecipientCheckInput,
): string | null {
  if (!userId) return 'The server named a host recipient without saying who it is.';
  if (userId === input.self.userId) {
    return constantTimeEqual(key, input.self.exchangePublicKey)
      ? null
      : 'The server sent a key for you as host that is not yours. Recording was not started.';
  }
  const present = input.participant(userId);
  if (present) {
    if (!present.verified || !present.exchangePublicKey) {
      return (
        `${present.displayName}’s key could not be verified, so the recording cannot be sealed ` +
        'to them. Check their key (security code) first.'
      );
    }
    return constantTimeEqual(key, present.exchangePublicKey)
      ? null
      : `The server sent a different key for ${present.displayName} than the one this room ` +
          'verified. Recording was not started.';
  }
  if (input.pinCheck(userId, key) === 'changed') {
    return (
      `The key the server sent for host ${userId} differs from the one your browser pinned. ` +
      'Recording was not started; check their key in the key directory first.'
    );
  }
  return null;
}
