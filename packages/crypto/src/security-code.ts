import { digitGroups } from './identity';
import { encodeContext } from './encoding';
import { CryptoError } from './errors';
import { sodium } from './sodium';
import { requireBytes, requireString } from './validate';

/**
 * The meeting security code: 40 digits in 8 groups of 5, the same on every client that sees
 * the same participants. Input: the meeting id and every participant's X25519 exchange public
 * key (members: their identity key; guests: their bound ephemeral key). The keys are treated
 * as a set: sorted bytewise and de-duplicated, so order and repeats do not matter.
 *
 * 40 digits (~133 bits) because a server that slips in a participant controls that key and
 * can grind it; it needs two views whose codes collide, a birthday search of ~2^66 attempts.
 * People usually read the first groups aloud; `groups` gives the split for display.
 */
export function computeSecurityCode(
  meetingId: string,
  participantPublicKeys: readonly Uint8Array[],
): { code: string; groups: string[] } {
  const operation = 'computeSecurityCode';
  requireString(operation, 'meetingId', meetingId, { maxLength: 256 });
  if (!Array.isArray(participantPublicKeys) || participantPublicKeys.length === 0) {
    throw new CryptoError('INVALID_INPUT', operation, 'at least one participant key is needed');
  }
  const keys = participantPublicKeys.map((key, i) => requireBytes(operation, `key ${i}`, key, 32));
  const sorted = [...keys].sort(compareBytes);
  const unique = sorted.filter((key, i) => i === 0 || compareBytes(key, sorted[i - 1]!) !== 0);
  const digest = sodium(operation).crypto_generichash(
    64,
    encodeContext('conclave/security-code/v1', [meetingId, unique.length, ...unique]),
    null,
  );
  const code = digitGroups(digest, 8);
  return { code, groups: code.split(' ') };
}

/** Lexicographic order of byte strings (public keys, so no need for constant time). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
