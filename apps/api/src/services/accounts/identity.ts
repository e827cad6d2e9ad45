import type { PublicIdentity } from '@conclave/crypto';
import type { Prisma } from '../../db/generated/client';
import { recordAudit } from '../audit/record';
import { userOrgIds } from './account-state';

export type IdentityChangeReason = 'sign_up' | 'admin_reset';

/**
 * Publishes a user's public identity in the key directory. A previous identity is kept in
 * the history (replacedAt set), and every org the user belongs to gets an audit entry, so a
 * key change is visible to admins as well as to the colleagues whose clients pinned the old key.
 */
export async function publishIdentity(
  tx: Prisma.TransactionClient,
  options: {
    userId: string;
    identity: PublicIdentity;
    reason: IdentityChangeReason;
    actorUserId: string | null;
    /** Orgs to record it in; default: all the user's orgs at this point. */
    orgIds?: readonly string[];
  },
): Promise<void> {
  const now = new Date();
  const previous = await tx.identityKey.findFirst({
    where: { userId: options.userId, replacedAt: null },
  });
  if (previous) {
    await tx.identityKey.update({ where: { id: previous.id }, data: { replacedAt: now } });
  }
  await tx.identityKey.create({
    data: {
      userId: options.userId,
      signingPublicKey: options.identity.signingPublicKey,
      exchangePublicKey: options.identity.exchangePublicKey,
      signingKeyId: options.identity.signingKeyId,
      exchangeKeyId: options.identity.exchangeKeyId,
      reason: options.reason,
      createdAt: now,
    },
  });
  const orgIds = options.orgIds ?? (await userOrgIds(tx, options.userId));
  for (const orgId of orgIds) {
    await recordAudit(tx, {
      orgId,
      actorUserId: options.actorUserId,
      action: previous ? 'key.changed' : 'key.published',
      subject: { type: 'user', id: options.userId },
      details: {
        reason: options.reason,
        signingKeyId: options.identity.signingKeyId,
        exchangeKeyId: options.identity.exchangeKeyId,
        ...(previous
          ? {
              previousSigningKeyId: previous.signingKeyId,
              previousExchangeKeyId: previous.exchangeKeyId,
            }
          : {}),
      },
    });
  }
}
