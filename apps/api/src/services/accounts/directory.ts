import type { DirectoryEntry, DirectoryKey } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { IdentityKey } from '../../db/generated/client';
import { AppError } from '../../errors';
import { ALL_ROLES, requireOrgRole } from './authorization';

/**
 * The org's key directory: each member's current public identity and every earlier one. The
 * server only relays public keys; clients pin what they saw and check every later answer
 * against their pins (apps/web/src/features/key-directory), so a swapped key shows up as a
 * warning rather than silently.
 */
function keyView(key: IdentityKey): DirectoryKey {
  return {
    signingPublicKey: key.signingPublicKey,
    exchangePublicKey: key.exchangePublicKey,
    signingKeyId: key.signingKeyId,
    exchangeKeyId: key.exchangeKeyId,
    reason: key.reason,
    createdAt: key.createdAt.toISOString(),
    replacedAt: key.replacedAt?.toISOString() ?? null,
  };
}

async function entries(db: Db, orgId: string, userId?: string): Promise<DirectoryEntry[]> {
  const memberships = await db.membership.findMany({
    where: { orgId, ...(userId ? { userId } : {}) },
    include: {
      user: {
        select: {
          email: true,
          displayName: true,
          identityKeys: { orderBy: { createdAt: 'desc' } },
        },
      },
    },
  });
  return memberships
    .map((m) => {
      const history = m.user.identityKeys.map(keyView);
      return {
        userId: m.userId,
        email: m.user.email,
        displayName: m.user.displayName,
        role: m.role,
        current: history.find((key) => key.replacedAt === null) ?? null,
        history,
      };
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.email.localeCompare(b.email));
}

export async function listDirectory(db: Db, options: { orgId: string; userId: string }) {
  await requireOrgRole(db, { ...options, roles: ALL_ROLES });
  return entries(db, options.orgId);
}

export async function directoryEntry(
  db: Db,
  options: { orgId: string; userId: string; memberUserId: string },
): Promise<DirectoryEntry> {
  await requireOrgRole(db, { orgId: options.orgId, userId: options.userId, roles: ALL_ROLES });
  const [entry] = await entries(db, options.orgId, options.memberUserId);
  if (!entry) throw new AppError('not_found', 'There is no such member in this organisation.');
  return entry;
}
