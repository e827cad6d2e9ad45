import type { Member, OrgRole } from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { Membership, Prisma } from '../../db/generated/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { ALL_ROLES, MANAGER_ROLES, requireOrgRole } from './authorization';

/**
 * Members and roles of an org. Rules (docs/accounts.md has the matrix):
 * - owners and admins manage members; admins cannot touch owners or make anyone owner;
 * - an org always keeps at least one owner: demoting, removing or leaving as the last owner
 *   is refused (the org row is locked while memberships change, so two owners demoting each
 *   other at once cannot both succeed);
 * - anyone can leave; transferring ownership makes another member owner and the caller admin.
 */
async function lockOrg(tx: Prisma.TransactionClient, orgId: string): Promise<void> {
  await tx.$queryRaw`SELECT "id" FROM "orgs" WHERE "id" = ${orgId}::uuid FOR UPDATE`;
}

async function targetMembership(
  tx: Prisma.TransactionClient,
  orgId: string,
  userId: string,
): Promise<Membership & { user: { email: string } }> {
  const membership = await tx.membership.findUnique({
    where: { orgId_userId: { orgId, userId } },
    include: { user: { select: { email: true } } },
  });
  if (!membership) throw new AppError('not_found', 'There is no such member in this organisation.');
  return membership;
}

/** The acting manager and the membership they act on, with the org locked for the change. */
async function managerAndTarget(
  tx: Prisma.TransactionClient,
  options: { orgId: string; actorUserId: string; targetUserId: string },
) {
  const actor = await requireOrgRole(tx, {
    orgId: options.orgId,
    userId: options.actorUserId,
    roles: MANAGER_ROLES,
  });
  await lockOrg(tx, options.orgId);
  const target = await targetMembership(tx, options.orgId, options.targetUserId);
  return { actor, target };
}

/** Refuses `what` when it would take the org's last owner away. */
async function requireAnotherOwner(
  tx: Prisma.TransactionClient,
  orgId: string,
  membership: { userId: string; role: OrgRole },
  what: string,
): Promise<void> {
  if (membership.role !== 'owner') return;
  const others = await tx.membership.count({
    where: { orgId, role: 'owner', userId: { not: membership.userId } },
  });
  if (others === 0) {
    throw new AppError(
      'conflict',
      `${what}: an organisation must always have an owner. Make another member owner first (or transfer ownership).`,
    );
  }
}

export async function listMembers(
  db: Db,
  options: { orgId: string; userId: string },
): Promise<Member[]> {
  await requireOrgRole(db, { ...options, roles: ALL_ROLES });
  const memberships = await db.membership.findMany({
    where: { orgId: options.orgId },
    include: { user: { select: { email: true, displayName: true } } },
  });
  const rank: Record<OrgRole, number> = { owner: 0, admin: 1, compliance: 2, member: 3 };
  return memberships
    .sort(
      (a, b) =>
        rank[a.role] - rank[b.role] ||
        a.user.displayName.localeCompare(b.user.displayName) ||
        a.user.email.localeCompare(b.user.email),
    )
    .map((m) => ({
      userId: m.userId,
      email: m.user.email,
      displayName: m.user.displayName,
      role: m.role,
      joinedAt: m.createdAt.toISOString(),
    }));
}

export async function changeRole(
  db: Db,
  options: { orgId: string; actorUserId: string; targetUserId: string; role: OrgRole },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const { actor, target } = await managerAndTarget(tx, options);
    if (actor.role !== 'owner' && (target.role === 'owner' || options.role === 'owner')) {
      throw new AppError('forbidden', 'Only an owner can change who is an owner.');
    }
    if (target.role === options.role) return;
    await requireAnotherOwner(
      tx,
      options.orgId,
      target,
      'Cannot change the role of the last owner',
    );
    await tx.membership.update({
      where: { orgId_userId: { orgId: options.orgId, userId: target.userId } },
      data: { role: options.role },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'member.role_changed',
      subject: { type: 'user', id: target.userId },
      details: { email: target.user.email, from: target.role, to: options.role },
    });
  });
}

export async function removeMember(
  db: Db,
  options: { orgId: string; actorUserId: string; targetUserId: string },
): Promise<void> {
  if (options.actorUserId === options.targetUserId) {
    return leaveOrg(db, { orgId: options.orgId, userId: options.actorUserId });
  }
  await db.$transaction(async (tx) => {
    const { actor, target } = await managerAndTarget(tx, options);
    if (target.role === 'owner' && actor.role !== 'owner') {
      throw new AppError('forbidden', 'Only an owner can remove an owner.');
    }
    await requireAnotherOwner(tx, options.orgId, target, 'Cannot remove the last owner');
    await tx.membership.delete({
      where: { orgId_userId: { orgId: options.orgId, userId: target.userId } },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'member.removed',
      subject: { type: 'user', id: target.userId },
      details: { email: target.user.email, role: target.role },
    });
  });
}

export async function leaveOrg(db: Db, options: { orgId: string; userId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const membership = await requireOrgRole(tx, { ...options, roles: ALL_ROLES });
    await lockOrg(tx, options.orgId);
    await requireAnotherOwner(tx, options.orgId, membership, 'You cannot leave as the last owner');
    await tx.membership.delete({
      where: { orgId_userId: { orgId: options.orgId, userId: options.userId } },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.userId,
      action: 'member.left',
      subject: { type: 'user', id: options.userId },
      details: { role: membership.role },
    });
  });
}

export async function transferOwnership(
  db: Db,
  options: { orgId: string; actorUserId: string; targetUserId: string },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await requireOrgRole(tx, {
      orgId: options.orgId,
      userId: options.actorUserId,
      roles: ['owner'],
    });
    await lockOrg(tx, options.orgId);
    if (options.targetUserId === options.actorUserId) {
      throw new AppError('conflict', 'You already own this organisation: choose another member.');
    }
    const target = await targetMembership(tx, options.orgId, options.targetUserId);
    await tx.membership.update({
      where: { orgId_userId: { orgId: options.orgId, userId: target.userId } },
      data: { role: 'owner' },
    });
    await tx.membership.update({
      where: { orgId_userId: { orgId: options.orgId, userId: options.actorUserId } },
      data: { role: 'admin' },
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'org.ownership_transferred',
      subject: { type: 'user', id: target.userId },
      details: {
        to: target.user.email,
        previousRoleOfNewOwner: target.role,
        formerOwnerNowAdmin: true,
      },
    });
  });
}
