import {
  signRecordingShare,
  verifyRecordingShare,
  type Identity,
  type RecordingEnvelope,
  type RecordingShare,
  type Signed,
} from '@conclave/crypto';
import type {
  DirectoryEntry,
  RecordingDetail,
  RecordingShareInfo,
  SignedStatementJson,
} from '@conclave/contracts';
import type { DirectoryTrust, SharedKey } from './recording-trust';

/** Sharing a recording with a member, framework-free (the panel renders it). */

export interface ShareCandidate {
  userId: string;
  name: string;
  email: string;
  /** Why this member cannot be given a key now; null when they can. */
  blocked: string | null;
}

/** Members who do not hold a key to the recording yet, each with whether they can get one. */
export function shareCandidates(input: {
  members: readonly DirectoryEntry[];
  detail: Pick<RecordingDetail, 'recipients' | 'shares'>;
  directory: DirectoryTrust;
  me: string;
}): ShareCandidate[] {
  const holders = new Set<string>([
    input.me,
    ...input.detail.recipients.flatMap((r) => (r.userId ? [r.userId] : [])),
    ...input.detail.shares.map((s) => s.userId),
  ]);
  return input.members
    .filter((m) => !holders.has(m.userId))
    .map((m) => {
      const signer = input.directory.signer(m.userId);
      let blocked: string | null = null;
      if (!m.current) blocked = 'has not set up keys yet';
      else if (signer?.keyChanged) {
        blocked =
          'their key changed since this browser pinned it; confirm the new key on the Key directory page first';
      }
      return { userId: m.userId, name: m.displayName, email: m.email, blocked };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The signed grant: the recording key sealed to the member's current exchange key (from the
 * key directory, pins respected by the caller), signed with my identity key.
 */
export function makeShareGrant(input: {
  recordingId: string;
  recordingKey: Uint8Array;
  granterUserId: string;
  identity: Identity;
  recipientUserId: string;
  recipientExchangeKey: Uint8Array;
}): SignedStatementJson {
  const grant = signRecordingShare({
    recordingId: input.recordingId,
    recordingKey: input.recordingKey,
    grantedByUserId: input.granterUserId,
    identity: input.identity,
    recipientUserId: input.recipientUserId,
    recipientExchangePublicKey: input.recipientExchangeKey,
  });
  return grant as unknown as SignedStatementJson;
}

/**
 * The shares whose grant verifies (signed by a member under the key directory, for this
 * recording), as sealed keys; a grant that does not verify is left out, so it cannot open.
 */
export function sharedKeysFrom(
  shares: readonly RecordingShareInfo[],
  directory: DirectoryTrust,
  envelope: RecordingEnvelope,
): SharedKey[] {
  const keys: SharedKey[] = [];
  for (const share of shares) {
    try {
      const grant = verifyRecordingShare(
        share.grant as unknown as Signed<RecordingShare>,
        directory.trust,
        { recordingId: envelope.recordingId },
      );
      keys.push({ keyId: grant.recipient.keyId, share: grant });
    } catch {
      // not usable: a forged or foreign grant
    }
  }
  return keys;
}
