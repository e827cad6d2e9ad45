import {
  fromBase64Url,
  isCryptoError,
  openRecordingKey,
  openSharedRecordingKey,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  type Identity,
  type RecordingEnvelope,
  type RecordingSeal,
  type RecordingShare,
  type Signed,
  type SignerTrust,
  type VerifiedRecordingEnvelope,
} from '@conclave/crypto';
import type { DirectoryEntry } from '@conclave/contracts';
import type { KeyPins } from '../key-directory/pins';

/**
 * Whom the library believes, decided in the browser: signers are resolved from the org's key
 * directory (every key a member has had, so recordings made before a key reset still verify),
 * checked against this browser's pins. When a member's served key differs from the pinned one
 * (a possible swap by the server), only the pinned key is trusted for that member until the
 * user accepts the change on the key directory page.
 *
 * Guests have no directory entry: their consent statements are checked against the key they
 * carry (integrity, not identity) and counted as guests; a recorder is always a member.
 */
export interface Signer {
  userId: string;
  name: string;
  keyChanged: boolean;
}

export interface DirectoryTrust {
  trust: SignerTrust;
  signer(userId: string): Signer | undefined;
  /** The member's current exchange key, if it may be used (not a changed, unaccepted key). */
  exchangeKeyOf(userId: string): { keyId: string; publicKey: Uint8Array } | undefined;
}

export function directoryTrust(
  entries: readonly DirectoryEntry[],
  pins: KeyPins | null,
  guestKeys: ReadonlyMap<string, Uint8Array> = new Map(),
): DirectoryTrust {
  const byUser = new Map<string, { entry: DirectoryEntry; changed: boolean }>();
  for (const entry of entries) {
    let changed = false;
    if (pins && entry.current) {
      try {
        changed = pins.observe(entry.userId, entry.current).status === 'changed';
      } catch {
        changed = true;
      }
    }
    byUser.set(entry.userId, { entry, changed });
  }
  return {
    trust: {
      signingKeyFor(userId, signingKeyId) {
        const found = byUser.get(userId);
        if (!found) return guestKeys.get(`${userId}/${signingKeyId}`);
        if (found.changed) {
          const pin = pins?.pinOf(userId);
          return pin && pin.signingKeyId === signingKeyId
            ? fromBase64Url(pin.signingPublicKey)
            : undefined;
        }
        const key = found.entry.history.find((k) => k.signingKeyId === signingKeyId);
        return key ? fromBase64Url(key.signingPublicKey) : undefined;
      },
    },
    signer(userId) {
      const found = byUser.get(userId);
      return found
        ? { userId, name: found.entry.displayName, keyChanged: found.changed }
        : undefined;
    },
    exchangeKeyOf(userId) {
      const found = byUser.get(userId);
      if (!found?.entry.current || found.changed) return undefined;
      return {
        keyId: found.entry.current.exchangeKeyId,
        publicKey: fromBase64Url(found.entry.current.exchangePublicKey),
      };
    },
  };
}

/**
 * Guests' consent keys, taken from the statements themselves (only for participants who are
 * not members: a member's statement must verify under the directory).
 */
export function guestConsentKeys(
  envelope: Signed<RecordingEnvelope>,
  memberIds: ReadonlySet<string>,
): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>();
  const consents = Array.isArray(envelope.payload?.consents) ? envelope.payload.consents : [];
  for (const consent of consents.slice(0, 1000)) {
    const participant = consent?.payload?.participant;
    if (!participant || memberIds.has(participant.userId)) continue;
    try {
      keys.set(
        `${participant.userId}/${participant.signingKeyId}`,
        fromBase64Url(participant.signingPublicKey),
      );
    } catch {
      // a malformed key fails verification later, with its own message
    }
  }
  return keys;
}

export type SealCheck =
  | { status: 'none' }
  | { status: 'valid'; seal: RecordingSeal }
  | { status: 'invalid'; message: string };

export interface OpenedEnvelope {
  envelope: VerifiedRecordingEnvelope;
  recorder: Signer;
  acceptedConsents: number;
  declinedConsents: number;
  seal: SealCheck;
}

/** Verifies envelope and seal. Throws (CryptoError) when the envelope does not verify. */
export function checkEnvelope(input: {
  envelope: Signed<RecordingEnvelope>;
  seal: Signed<RecordingSeal> | null;
  recordingId: string;
  directory: DirectoryTrust;
}): OpenedEnvelope {
  const envelope = verifyRecordingEnvelope(input.envelope, input.directory.trust);
  if (envelope.recordingId !== input.recordingId) {
    throw new Error('The envelope belongs to another recording.');
  }
  const recorder = input.directory.signer(envelope.recorder.userId);
  if (!recorder) {
    throw new Error('The recorder is not a member of this organisation’s key directory.');
  }
  let seal: SealCheck = { status: 'none' };
  if (input.seal) {
    try {
      seal = {
        status: 'valid',
        seal: verifyRecordingSeal(input.seal, input.directory.trust, envelope),
      };
    } catch (caught) {
      seal = { status: 'invalid', message: caught instanceof Error ? caught.message : 'invalid' };
    }
  }
  const accepted = envelope.consents.filter((c) => c.payload.decision === 'accept').length;
  return {
    envelope,
    recorder,
    acceptedConsents: accepted,
    declinedConsents: envelope.consents.length - accepted,
    seal,
  };
}

/** A verified share grant: my sealed copy of the recording key outside the envelope. */
export interface SharedKey {
  keyId: string;
  share: RecordingShare;
}

/**
 * The recording key, unsealed with my own X25519 key: from the envelope when I am one of its
 * recipients, else from a verified share granted to my key. Throws a person-readable Error
 * otherwise.
 */
export function unsealRecordingKey(input: {
  envelope: VerifiedRecordingEnvelope;
  identity: Pick<Identity, 'exchangePublicKey' | 'exchangePrivateKey'>;
  myKeyId: string;
  shares: readonly SharedKey[];
}): Uint8Array {
  const pair = {
    publicKey: input.identity.exchangePublicKey,
    privateKey: input.identity.exchangePrivateKey,
  };
  try {
    return openRecordingKey(input.envelope, pair);
  } catch (caught) {
    if (!isCryptoError(caught, 'NOT_A_RECIPIENT')) throw caught;
  }
  const mine = input.shares.find((s) => s.keyId === input.myKeyId);
  if (!mine) {
    throw new Error(
      'This recording is not sealed to your current key. Ask the recorder or a host to share it with you again (after a key reset, older shares no longer open).',
    );
  }
  return openSharedRecordingKey(mine.share, pair);
}
