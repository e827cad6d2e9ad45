import { fromBase64Url, type SignerTrust } from '@conclave/crypto';
import type { DbOrTx } from '../../db/transaction';

/**
 * The key directory as packages/crypto's `SignerTrust`: every signing key the given users ever
 * had (with history, so statements signed before a key change still verify). Loaded up front
 * because verification is synchronous.
 */
export async function directoryTrust(db: DbOrTx, userIds: readonly string[]): Promise<SignerTrust> {
  const ids = [...new Set(userIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const rows = ids.length
    ? await db.identityKey.findMany({
        where: { userId: { in: ids } },
        select: { userId: true, signingKeyId: true, signingPublicKey: true },
      })
    : [];
  const keys = new Map(rows.map((r) => [`${r.userId}/${r.signingKeyId}`, r.signingPublicKey]));
  return {
    signingKeyFor: (userId, keyId) => {
      const key = keys.get(`${userId}/${keyId}`);
      return key === undefined
        ? undefined
        : fromBase64Url(key, 'directoryTrust', 'signingPublicKey');
    },
  };
}

/** The user ids a signed statement names (recorder, consenting participants). */
export function statedUserIds(payload: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const recorder = payload.recorder as { userId?: unknown } | undefined;
  if (typeof recorder?.userId === 'string') ids.push(recorder.userId);
  const consents = Array.isArray(payload.consents) ? payload.consents.slice(0, 500) : [];
  for (const consent of consents) {
    const participant = (consent as { payload?: { participant?: { userId?: unknown } } }).payload
      ?.participant;
    if (typeof participant?.userId === 'string') ids.push(participant.userId);
  }
  return ids;
}
