import type { Invitation, Prisma } from '../../db/generated/client';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { recordAudit } from '../audit/record';
import { hashToken } from './tokens';

/** An invitation link's token → the open invitation, or a problem saying what is wrong with it. */
export async function findUsableInvitation(db: DbOrTx, token: string): Promise<Invitation> {
  const invitation = await db.invitation.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!invitation) {
    throw new AppError(
      'not_found',
      'This invitation link is not valid. It may have been replaced by a newer mail: use the latest one, or ask for a new invitation.',
    );
  }
  if (invitation.acceptedAt) throw new AppError('gone', 'This invitation was already accepted.');
  if (invitation.revokedAt) throw new AppError('gone', 'This invitation was withdrawn.');
  if (invitation.expiresAt.getTime() <= Date.now()) {
    throw new AppError(
      'gone',
      'This invitation has expired. Ask an admin of the organisation to resend it.',
    );
  }
  return invitation;
}

/** Turns an invitation into a membership (the invitation is used up) and records it. */
export async function consumeInvitation(
  tx: Prisma.TransactionClient,
  invitation: Invitation,
  user: { id: string; email: string },
): Promise<void> {
  if (invitation.email !== user.email) {
    throw new AppError(
      'forbidden',
      `This invitation was sent to ${invitation.email}, and you are signed in as ${user.email}. Sign in with that address, or ask for an invitation to yours.`,
    );
  }
  const { count } = await tx.invitation.updateMany({
    where: { id: invitation.id, acceptedAt: null, revokedAt: null },
    data: { acceptedAt: new Date(), acceptedById: user.id },
  });
  if (count === 0) throw new AppError('gone', 'This invitation was already used.');
  const existing = await tx.membership.findUnique({
    where: { orgId_userId: { orgId: invitation.orgId, userId: user.id } },
  });
  if (existing) {
    throw new AppError('conflict', 'You are already a member of this organisation.');
  }
  await tx.membership.create({
    data: { orgId: invitation.orgId, userId: user.id, role: invitation.role },
  });
  await recordAudit(tx, {
    orgId: invitation.orgId,
    actorUserId: user.id,
    actorLabel: user.email,
    action: 'invitation.accepted',
    subject: { type: 'invitation', id: invitation.id },
    details: { email: invitation.email, role: invitation.role },
  });
  await recordAudit(tx, {
    orgId: invitation.orgId,
    actorUserId: user.id,
    actorLabel: user.email,
    action: 'member.joined',
    subject: { type: 'user', id: user.id },
    details: { role: invitation.role, via: 'invitation' },
  });
}
