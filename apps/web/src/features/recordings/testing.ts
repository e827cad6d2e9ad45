import { publicIdentity, type Identity } from '@conclave/crypto';
import type { DirectoryEntry } from '@conclave/contracts';

/** Test helper: a key directory entry for a member holding `identity`. */
export function directoryEntry(
  userId: string,
  displayName: string,
  identity: Identity,
): DirectoryEntry {
  const key = {
    ...publicIdentity(identity),
    reason: 'sign_up',
    createdAt: '2026-01-01T00:00:00.000Z',
    replacedAt: null,
  };
  return {
    userId,
    email: `${userId}@example.org`,
    displayName,
    role: 'member',
    current: key,
    history: [key],
  };
}
