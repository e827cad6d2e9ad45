import { randomBytes } from 'node:crypto';
import { normalizeEmail } from '@conclave/crypto';
import {
  recoveryProofStatement,
  type RecoveryCompleteRequest,
  type RecoveryStart,
  type ResetCompleteRequest,
  type WrappedIdentityBody,
} from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import { recordAudit, recordAuditInOrgs } from '../audit/record';
import type { Mailer } from '../mail/mailer';
import { adminResetMail, linkWithToken, recoveryMail } from '../mail/templates';
import { currentIdentity, userOrgIds } from './account-state';
import {
  createAccountToken,
  findUsableAccountToken,
  LINK_VALIDITY_MS,
  markAccountTokenUsed,
} from './account-tokens';
import { hashAuthKey } from './auth-key-hash';
import { MANAGER_ROLES, requireOrgRole } from './authorization';
import { publishIdentity } from './identity';
import { checkAuthKey, checkKdfParams, checkNewAccountKeys, checkWrappedIdentity } from './keys';
import { createSession, revokeOtherSessions } from './sessions';
import type { ClientInfo } from './sign-up';
import { verifyStatementSignature } from './signatures';

/**
 * "Forgot password", step 1: mails a single-use link when the address has an account. The
 * caller answers the same either way ("if an account exists, we sent a link").
 */
export async function requestRecovery(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  email: string;
}): Promise<void> {
  const email = normalizeEmail(options.email);
  const user = await options.db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) return;
  const { token } = await createAccountToken(options.db, {
    purpose: 'recovery',
    email,
    userId: user.id,
  });
  await options.mailer.send(
    recoveryMail({
      to: email,
      url: linkWithToken(options.publicUrl, '/recover', token),
      validForMs: LINK_VALIDITY_MS.recovery,
    }),
  );
}

/**
 * Step 2: with the e-mailed token, the recovery-wrapped identity (the browser opens it with
 * the recovery code) and a fresh challenge to sign with the identity's Ed25519 key.
 */
export async function startRecovery(options: { db: Db; token: string }): Promise<RecoveryStart> {
  const row = await findUsableAccountToken(options.db, options.token, 'recovery');
  if (!row.userId) throw new AppError('not_found', 'This password reset link is not valid.');
  const challenge = randomBytes(32).toString('base64url');
  await options.db.accountToken.update({ where: { id: row.id }, data: { challenge } });
  const user = await options.db.user.findUniqueOrThrow({ where: { id: row.userId } });
  return {
    userId: user.id,
    email: user.email,
    recoveryWrappedIdentity: user.recoveryWrappedIdentity as WrappedIdentityBody,
    publicIdentity: await currentIdentity(options.db, user.id),
    challenge,
  };
}

export { recoveryProofStatement };

/**
 * Step 3: a new password for the same identity. The browser sends new KDF parameters, auth
 * key, the identity re-wrapped under the new wrap key and under a new recovery code, and a
 * signature of the challenge (and of all of that) by the identity's signing key: proof that
 * the recovery code really opened the identity, without the server learning anything secret.
 * Every session ends; this browser gets a new one.
 */
export async function completeRecovery(options: {
  db: Db;
  input: RecoveryCompleteRequest;
  client: ClientInfo;
}) {
  const { db, input } = options;
  const row = await findUsableAccountToken(db, input.token, 'recovery');
  if (!row.userId || !row.challenge) {
    throw new AppError('conflict', 'Open the link again: the recovery was not started.');
  }
  const userId = row.userId;
  const identity = await currentIdentity(db, userId);
  const kdfParams = checkKdfParams(input.kdfParams);
  const authKey = checkAuthKey(input.authKey);
  checkWrappedIdentity(
    input.wrappedIdentity,
    { kind: 'password', identity },
    'body.wrappedIdentity',
  );
  checkWrappedIdentity(
    input.recoveryWrappedIdentity,
    { kind: 'recovery', identity },
    'body.recoveryWrappedIdentity',
  );
  const statement = recoveryProofStatement({ ...input, userId, challenge: row.challenge });
  if (!verifyStatementSignature(statement, input.signature, identity.signingPublicKey)) {
    throw new AppError(
      'forbidden',
      'The recovery could not be proven: the signature does not match your identity. Check the recovery code and try again.',
      { errors: [{ path: 'body.signature', message: 'does not verify with your identity key' }] },
    );
  }
  const authKeyHash = await hashAuthKey(authKey);
  return db.$transaction(async (tx) => {
    if (!(await markAccountTokenUsed(tx, row.id))) {
      throw new AppError('gone', 'This password reset link was already used.');
    }
    const user = await tx.user.update({
      where: { id: userId },
      data: {
        kdfParams: { ...kdfParams },
        authKeyHash,
        wrappedIdentity: { ...input.wrappedIdentity },
        recoveryWrappedIdentity: { ...input.recoveryWrappedIdentity },
        passwordChangedAt: new Date(),
      },
    });
    const ended = await revokeOtherSessions({ db: tx, userId });
    await recordAuditInOrgs(tx, await userOrgIds(tx, userId), {
      actorUserId: userId,
      actorLabel: user.email,
      action: 'account.recovered',
      subject: { type: 'user', id: userId },
      details: {
        identityKept: true,
        signingKeyId: identity.signingKeyId,
        sessionsEnded: ended.length,
      },
    });
    const session = await createSession({ db: tx, userId, ...options.client });
    return { userId, session, endedSessionIds: ended };
  });
}

/**
 * An org admin resets a member who lost both password and recovery code: the member gets a
 * link to set a new password and gets a new identity. Admins cannot reset owners (only
 * owners can), and nobody resets themselves this way (that is what recovery is for).
 */
export async function requestAdminReset(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  orgId: string;
  actorUserId: string;
  targetUserId: string;
}): Promise<void> {
  const { db } = options;
  const actor = await requireOrgRole(db, {
    orgId: options.orgId,
    userId: options.actorUserId,
    roles: MANAGER_ROLES,
  });
  const target = await db.membership.findUnique({
    where: { orgId_userId: { orgId: options.orgId, userId: options.targetUserId } },
    include: { user: true, org: true },
  });
  if (!target) throw new AppError('not_found', 'There is no such member in this organisation.');
  if (options.targetUserId === options.actorUserId) {
    throw new AppError(
      'conflict',
      'You cannot reset your own account here. Use "Forgot password" with your recovery code.',
    );
  }
  if (target.role === 'owner' && actor.role !== 'owner') {
    throw new AppError('forbidden', 'Only an owner can reset the account of an owner.');
  }
  const admin = await db.user.findUniqueOrThrow({ where: { id: options.actorUserId } });
  const { token, row } = await createAccountToken(db, {
    purpose: 'admin_reset',
    email: target.user.email,
    userId: target.userId,
    orgId: options.orgId,
    requestedById: options.actorUserId,
  });
  await recordAudit(db, {
    orgId: options.orgId,
    actorUserId: options.actorUserId,
    actorLabel: admin.email,
    action: 'account.reset_requested',
    subject: { type: 'user', id: target.userId },
    details: { email: target.user.email, linkId: row.id },
  });
  await options.mailer.send(
    adminResetMail({
      to: target.user.email,
      orgName: target.org.name,
      adminName: admin.displayName,
      url: linkWithToken(options.publicUrl, '/reset', token),
      validForMs: LINK_VALIDITY_MS.admin_reset,
    }),
  );
}

export async function startAdminReset(options: { db: Db; token: string }) {
  const row = await findUsableAccountToken(options.db, options.token, 'admin_reset');
  if (!row.userId || !row.orgId)
    throw new AppError('not_found', 'This account reset link is not valid.');
  const user = await options.db.user.findUniqueOrThrow({ where: { id: row.userId } });
  const org = await options.db.org.findUnique({ where: { id: row.orgId } });
  return { email: user.email, displayName: user.displayName, orgName: org?.name ?? '' };
}

/**
 * The member sets a new password and gets a new identity (made in the browser). The key
 * directory keeps the old public identity in its history, every org of the member records
 * the key change, and every session ends.
 */
export async function completeAdminReset(options: {
  db: Db;
  input: ResetCompleteRequest;
  client: ClientInfo;
}) {
  const { db, input } = options;
  const row = await findUsableAccountToken(db, input.token, 'admin_reset');
  if (!row.userId) throw new AppError('not_found', 'This account reset link is not valid.');
  const userId = row.userId;
  const keys = checkNewAccountKeys(input);
  const previous = await currentIdentity(db, userId);
  if (previous.signingPublicKey === keys.publicIdentity.signingPublicKey) {
    throw new AppError('validation_failed', 'body.publicIdentity: a reset needs a new identity', {
      errors: [{ path: 'body.publicIdentity', message: 'a reset needs a new identity' }],
    });
  }
  const authKeyHash = await hashAuthKey(keys.authKey);
  return db.$transaction(async (tx) => {
    if (!(await markAccountTokenUsed(tx, row.id))) {
      throw new AppError('gone', 'This account reset link was already used.');
    }
    const user = await tx.user.update({
      where: { id: userId },
      data: {
        kdfParams: { ...keys.kdfParams },
        authKeyHash,
        wrappedIdentity: { ...keys.wrappedIdentity },
        recoveryWrappedIdentity: { ...keys.recoveryWrappedIdentity },
        passwordChangedAt: new Date(),
      },
    });
    const orgIds = await userOrgIds(tx, userId);
    await publishIdentity(tx, {
      userId,
      identity: keys.publicIdentity,
      reason: 'admin_reset',
      actorUserId: userId,
      orgIds,
    });
    const ended = await revokeOtherSessions({ db: tx, userId });
    await recordAuditInOrgs(tx, orgIds, {
      actorUserId: userId,
      actorLabel: user.email,
      action: 'account.reset_completed',
      subject: { type: 'user', id: userId },
      details: {
        requestedBy: row.requestedById,
        requestedInOrg: row.orgId,
        sessionsEnded: ended.length,
      },
    });
    const session = await createSession({ db: tx, userId, ...options.client });
    return { userId, session, endedSessionIds: ended };
  });
}
