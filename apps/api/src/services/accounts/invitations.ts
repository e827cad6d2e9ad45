import { normalizeEmail } from '@conclave/crypto';
import type {
  Invitation as InvitationView,
  InvitationLookup,
  OrgRole,
  OrgSummary,
} from '@conclave/contracts';
import type { Db } from '../../db/client';
import type { DbOrTx } from '../../db/transaction';
import type { Invitation } from '../../db/generated/client';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import type { Mailer } from '../mail/mailer';
import { invitationMail, linkWithToken } from '../mail/templates';
import { MANAGER_ROLES, requireOrgRole } from './authorization';
import { consumeInvitation, findUsableInvitation } from './invitation-tokens';
import { hashToken, newToken } from './tokens';

/** Invitation links work for 7 days, once. */
export const INVITATION_VALIDITY_MS = 7 * 24 * 3600 * 1000;

function status(invitation: Invitation): InvitationView['status'] {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  if (invitation.expiresAt.getTime() <= Date.now()) return 'expired';
  return 'pending';
}

function view(
  invitation: Invitation & { invitedBy: { id: string; displayName: string } | null },
): InvitationView {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    status: status(invitation),
    createdAt: invitation.createdAt.toISOString(),
    sentAt: invitation.sentAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
    invitedBy: invitation.invitedBy
      ? { userId: invitation.invitedBy.id, displayName: invitation.invitedBy.displayName }
      : null,
  };
}

const withInviter = { invitedBy: { select: { id: true, displayName: true } } } as const;

export async function listInvitations(db: Db, options: { orgId: string; userId: string }) {
  await requireOrgRole(db, { ...options, roles: MANAGER_ROLES });
  const invitations = await db.invitation.findMany({
    where: { orgId: options.orgId },
    include: withInviter,
    orderBy: { createdAt: 'desc' },
    take: 500,
  });
  return invitations.map(view);
}

async function sendInvitationMail(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  invitation: Invitation;
  token: string;
  inviterId: string;
}): Promise<void> {
  const org = await options.db.org.findUniqueOrThrow({ where: { id: options.invitation.orgId } });
  const inviter = await options.db.user.findUnique({ where: { id: options.inviterId } });
  try {
    await options.mailer.send(
      invitationMail({
        to: options.invitation.email,
        orgName: org.name,
        inviterName: inviter?.displayName ?? null,
        role: options.invitation.role,
        url: linkWithToken(options.publicUrl, '/invite', options.token),
        validForMs: INVITATION_VALIDITY_MS,
      }),
    );
  } catch (error) {
    throw new AppError(
      'unavailable',
      `The invitation is saved, but the mail to ${options.invitation.email} could not be sent (${error instanceof Error ? error.message : String(error)}). Check the mail settings and use "Resend".`,
    );
  }
}

export async function createInvitation(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  orgId: string;
  actorUserId: string;
  email: string;
  role: OrgRole;
}): Promise<InvitationView> {
  const { db } = options;
  const email = normalizeEmail(options.email);
  const token = newToken();
  const invitation = await db.$transaction(async (tx) => {
    const actor = await requireOrgRole(tx, {
      orgId: options.orgId,
      userId: options.actorUserId,
      roles: MANAGER_ROLES,
    });
    if (options.role === 'owner' && actor.role !== 'owner') {
      throw new AppError('forbidden', 'Only an owner can invite someone as owner.');
    }
    const member = await tx.membership.findFirst({
      where: { orgId: options.orgId, user: { email } },
    });
    if (member)
      throw new AppError('conflict', `${email} is already a member of this organisation.`);
    const open = await tx.invitation.findFirst({
      where: { orgId: options.orgId, email, acceptedAt: null, revokedAt: null },
    });
    if (open && open.expiresAt.getTime() > Date.now()) {
      throw new AppError(
        'conflict',
        `${email} already has a pending invitation. Use "Resend" to send it again.`,
      );
    }
    if (open)
      await tx.invitation.update({ where: { id: open.id }, data: { revokedAt: new Date() } });
    const created = await tx.invitation.create({
      data: {
        orgId: options.orgId,
        email,
        role: options.role,
        tokenHash: hashToken(token),
        invitedById: options.actorUserId,
        expiresAt: new Date(Date.now() + INVITATION_VALIDITY_MS),
      },
      include: withInviter,
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'invitation.created',
      subject: { type: 'invitation', id: created.id },
      details: { email, role: options.role },
    });
    return created;
  });
  await sendInvitationMail({ ...options, invitation, token, inviterId: options.actorUserId });
  return view(invitation);
}

async function openInvitation(db: DbOrTx, orgId: string, invitationId: string) {
  const invitation = await db.invitation.findFirst({ where: { id: invitationId, orgId } });
  if (!invitation)
    throw new AppError('not_found', 'There is no such invitation in this organisation.');
  if (invitation.acceptedAt)
    throw new AppError('conflict', 'This invitation was already accepted.');
  if (invitation.revokedAt) throw new AppError('conflict', 'This invitation was withdrawn.');
  return invitation;
}

/** Sends the invitation again with a new link (the old link stops working) and a new expiry. */
export async function resendInvitation(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  orgId: string;
  actorUserId: string;
  invitationId: string;
}): Promise<InvitationView> {
  const { db } = options;
  await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.actorUserId,
    roles: MANAGER_ROLES,
  });
  const token = newToken();
  const invitation = await db.$transaction(async (tx) => {
    const open = await openInvitation(tx, options.orgId, options.invitationId);
    const updated = await tx.invitation.update({
      where: { id: open.id },
      data: {
        tokenHash: hashToken(token),
        sentAt: new Date(),
        expiresAt: new Date(Date.now() + INVITATION_VALIDITY_MS),
      },
      include: withInviter,
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'invitation.resent',
      subject: { type: 'invitation', id: open.id },
      details: { email: open.email, role: open.role },
    });
    return updated;
  });
  await sendInvitationMail({ ...options, invitation, token, inviterId: options.actorUserId });
  return view(invitation);
}

export async function revokeInvitation(options: {
  db: Db;
  orgId: string;
  actorUserId: string;
  invitationId: string;
}): Promise<void> {
  const { db } = options;
  await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.actorUserId,
    roles: MANAGER_ROLES,
  });
  const open = await openInvitation(db, options.orgId, options.invitationId);
  await db.$transaction(async (tx) => {
    await tx.invitation.update({ where: { id: open.id }, data: { revokedAt: new Date() } });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.actorUserId,
      action: 'invitation.revoked',
      subject: { type: 'invitation', id: open.id },
      details: { email: open.email, role: open.role },
    });
  });
}

/** What an invitation link is for (the accept page shows it before anything happens). */
export async function lookUpInvitation(db: Db, token: string): Promise<InvitationLookup> {
  const invitation = await findUsableInvitation(db, token);
  const org = await db.org.findUniqueOrThrow({ where: { id: invitation.orgId } });
  const inviter = invitation.invitedById
    ? await db.user.findUnique({ where: { id: invitation.invitedById } })
    : null;
  const account = await db.user.findUnique({
    where: { email: invitation.email },
    select: { id: true },
  });
  return {
    orgName: org.name,
    email: invitation.email,
    role: invitation.role,
    invitedByName: inviter?.displayName ?? null,
    expiresAt: invitation.expiresAt.toISOString(),
    accountExists: account !== null,
  };
}

/** A signed-in user accepts an invitation sent to their address. */
export async function acceptInvitation(options: {
  db: Db;
  token: string;
  user: { id: string; email: string };
}): Promise<OrgSummary> {
  return options.db.$transaction(async (tx) => {
    const invitation = await findUsableInvitation(tx, options.token);
    await consumeInvitation(tx, invitation, options.user);
    const org = await tx.org.findUniqueOrThrow({ where: { id: invitation.orgId } });
    return { id: org.id, name: org.name, role: invitation.role };
  });
}
