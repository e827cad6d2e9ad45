import type { Identity, RecordingEnvelope } from '@conclave/crypto';
import type {
  DirectoryEntry,
  RecordingDetail,
  RecordingShareInfo,
  SignedStatementJson,
} from '@conclave/contracts';
import type { DirectoryTrust, SharedKey } from './recording-trust';

/** Sharing a recording with a member, framework-free (the panel renders it). */

/**
 * False until the API accepts share grants (POST /api/recordings/:id/recipients) and
 * packages/crypto signs them (signRecordingShare); the page hides the Share card until then.
 */
export const SHARING_AVAILABLE = false;

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
export function makeShareGrant(_input: {
  recordingId: string;
  recordingKey: Uint8Array;
  granterUserId: string;
  identity: Identity;
  recipientUserId: string;
  recipientExchangeKey: Uint8Array;
}): SignedStatementJson {
  // Waits for packages/crypto's signed share statement (being added with the recordings API).
  throw new Error('Sharing is not available in this version yet.');
}

export function sharedKeysFrom(
  _shares: readonly RecordingShareInfo[],
  _directory: DirectoryTrust,
  _envelope: RecordingEnvelope,
): SharedKey[] {
  return [];
}
