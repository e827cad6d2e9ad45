import { UUID_PATTERN, type OrgRole } from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import type { Membership } from '../../db/generated/client';
import { AppError } from '../../errors';

export const ALL_ROLES: readonly OrgRole[] = ['owner', 'admin', 'compliance', 'member'];
/** Who manages members, invitations and the org's settings. */
export const MANAGER_ROLES: readonly OrgRole[] = ['owner', 'admin'];
/** Who reads the audit log. */
export const AUDIT_READER_ROLES: readonly OrgRole[] = ['owner', 'admin', 'compliance'];

/**
 * The caller's membership of an org with one of `roles`. Org isolation: someone who is not a
 * member gets the same 404 as for an org that does not exist (a member of org A learns
 * nothing about org B, not even that an id exists); a member without the role gets 403.
 */
export async function requireOrgRole(
  db: DbOrTx,
  options: { orgId: string; userId: string; roles: readonly OrgRole[] },
): Promise<Membership> {
  const notFound = new AppError(
    'not_found',
    'There is no such organisation, or you are not a member of it.',
  );
  if (!UUID_PATTERN.test(options.orgId)) throw notFound;
  const membership = await db.membership.findUnique({
    where: { orgId_userId: { orgId: options.orgId, userId: options.userId } },
  });
  if (!membership) throw notFound;
  if (!options.roles.includes(membership.role)) {
    throw new AppError(
      'forbidden',
      `This needs the role ${describeRoles(options.roles)} in this organisation; yours is ${membership.role}.`,
    );
  }
  return membership;
}

function describeRoles(roles: readonly OrgRole[]): string {
  if (roles.length === 1) return roles[0] ?? '';
  return `${roles.slice(0, -1).join(', ')} or ${roles.at(-1) ?? ''}`;
}
