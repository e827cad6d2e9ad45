import type {
  AccountKeys,
  KdfParamsBody,
  OrgSummary,
  SessionUser,
  SignedIn,
  WrappedIdentityBody,
} from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import type { User } from '../../db/generated/client';
import { AppError } from '../../errors';

export function sessionUser(user: User): SessionUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    isInstanceAdmin: user.isInstanceAdmin,
  };
}

/** The orgs a user belongs to, by name. */
export async function userOrgs(db: DbOrTx, userId: string): Promise<OrgSummary[]> {
  const memberships = await db.membership.findMany({
    where: { userId },
    include: { org: { select: { id: true, name: true } } },
  });
  return memberships
    .map((m) => ({ id: m.org.id, name: m.org.name, role: m.role }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export async function userOrgIds(db: DbOrTx, userId: string): Promise<string[]> {
  const memberships = await db.membership.findMany({ where: { userId }, select: { orgId: true } });
  return memberships.map((m) => m.orgId);
}

/** The user's current public identity (the key directory's newest entry). */
export async function currentIdentity(db: DbOrTx, userId: string) {
  const key = await db.identityKey.findFirst({ where: { userId, replacedAt: null } });
  if (!key) throw new AppError('internal', `user ${userId} has no current identity key`);
  return {
    signingPublicKey: key.signingPublicKey,
    exchangePublicKey: key.exchangePublicKey,
    signingKeyId: key.signingKeyId,
    exchangeKeyId: key.exchangeKeyId,
  };
}

export async function accountKeys(db: DbOrTx, user: User): Promise<AccountKeys> {
  return {
    kdfParams: user.kdfParams as KdfParamsBody,
    wrappedIdentity: user.wrappedIdentity as WrappedIdentityBody,
    publicIdentity: await currentIdentity(db, user.id),
  };
}

/** What a signed-in browser needs: who it is, its orgs, and its wrapped keys to unlock. */
export async function signedInState(db: DbOrTx, userId: string): Promise<SignedIn> {
  const user = await db.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError('unauthenticated', 'Sign in to do this.');
  return {
    user: sessionUser(user),
    orgs: await userOrgs(db, userId),
    keys: await accountKeys(db, user),
  };
}
