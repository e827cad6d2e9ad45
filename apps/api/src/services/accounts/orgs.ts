import type { Org as OrgView, OrgRole } from '@conclave/contracts';
import type { Org } from '../../db/generated/client';
import { inTransaction, type DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { requireOrgRole, ALL_ROLES, MANAGER_ROLES } from './authorization';

/** A new org with its creator as owner. */
export async function createOrg(
  db: DbOrTx,
  options: { name: string; ownerId: string },
): Promise<Org> {
  return inTransaction(db, async (tx) => {
    const org = await tx.org.create({ data: { name: options.name } });
    await tx.membership.create({ data: { orgId: org.id, userId: options.ownerId, role: 'owner' } });
    await recordAudit(tx, {
      orgId: org.id,
      actorUserId: options.ownerId,
      action: 'org.created',
      subject: { type: 'org', id: org.id },
      details: { name: org.name },
    });
    await recordAudit(tx, {
      orgId: org.id,
      actorUserId: options.ownerId,
      action: 'member.joined',
      subject: { type: 'user', id: options.ownerId },
      details: { role: 'owner', via: 'created the org' },
    });
    return org;
  });
}

/** An org as its member sees it: with their own role in it. */
function orgView(org: Org, role: OrgRole): OrgView {
  return { id: org.id, name: org.name, createdAt: org.createdAt.toISOString(), role };
}

export async function getOrg(db: DbOrTx, options: { orgId: string; userId: string }) {
  const membership = await requireOrgRole(db, { ...options, roles: ALL_ROLES });
  const org = await db.org.findUniqueOrThrow({ where: { id: options.orgId } });
  return orgView(org, membership.role);
}

export async function renameOrg(
  db: DbOrTx,
  options: { orgId: string; userId: string; name: string },
) {
  return inTransaction(db, async (tx) => {
    const membership = await requireOrgRole(tx, { ...options, roles: MANAGER_ROLES });
    const before = await tx.org.findUniqueOrThrow({ where: { id: options.orgId } });
    if (before.name === options.name) {
      throw new AppError('conflict', 'The organisation already has this name.');
    }
    const org = await tx.org.update({ where: { id: options.orgId }, data: { name: options.name } });
    await recordAudit(tx, {
      orgId: org.id,
      actorUserId: options.userId,
      action: 'org.renamed',
      subject: { type: 'org', id: org.id },
      details: { from: before.name, to: org.name },
    });
    return orgView(org, membership.role);
  });
}
