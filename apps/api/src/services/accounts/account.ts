import { fromBase64Url } from '@conclave/crypto';
import type { ChangePasswordRequest, WrappedIdentityBody } from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import { recordAuditInOrgs } from '../audit/record';
import { currentIdentity, userOrgIds } from './account-state';
import { hashAuthKey, verifyAuthKey } from './auth-key-hash';
import { checkAuthKey, checkKdfParams, checkWrappedIdentity } from './keys';
import { revokeOtherSessions } from './sessions';

/** Re-authentication for sensitive changes: the current auth key (the browser re-derives it). */
async function requireCurrentAuthKey(db: Db, userId: string, authKey: string, path: string) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  if (!(await verifyAuthKey(fromBase64Url(authKey), user.authKeyHash))) {
    throw new AppError('forbidden', 'The current password is not correct.', {
      errors: [{ path, message: 'the current password is not correct' }],
    });
  }
  return user;
}

export async function updateProfile(options: { db: Db; userId: string; displayName: string }) {
  await options.db.user.update({
    where: { id: options.userId },
    data: { displayName: options.displayName },
  });
}

/**
 * Password change: the browser unwrapped the identity with the old wrap key and re-wrapped it
 * under the new one; the server checks the old auth key, that the new wrapped identity is the
 * same identity, and stores the new parameters, hash and wrapped identity. Other sessions end;
 * their ids are returned so the caller can close what they had open.
 */
export async function changePassword(options: {
  db: Db;
  userId: string;
  sessionId: string;
  input: ChangePasswordRequest;
}): Promise<{ endedSessionIds: string[] }> {
  const { db, userId, input } = options;
  const user = await requireCurrentAuthKey(db, userId, input.currentAuthKey, 'body.currentAuthKey');
  const kdfParams = checkKdfParams(input.kdfParams);
  const authKey = checkAuthKey(input.authKey);
  const identity = await currentIdentity(db, userId);
  const wrapped = checkWrappedIdentity(
    input.wrappedIdentity,
    { kind: 'password', identity },
    'body.wrappedIdentity',
  );
  const authKeyHash = await hashAuthKey(authKey);
  return db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: userId },
      data: {
        kdfParams: { ...kdfParams },
        authKeyHash,
        wrappedIdentity: { ...wrapped },
        passwordChangedAt: new Date(),
      },
    });
    const ended = await revokeOtherSessions({
      db: tx,
      userId,
      exceptSessionId: options.sessionId,
    });
    await recordAuditInOrgs(tx, await userOrgIds(tx, userId), {
      actorUserId: userId,
      actorLabel: user.email,
      action: 'account.password_changed',
      subject: { type: 'user', id: userId },
      details: { otherSessionsEnded: ended.length },
    });
    return { endedSessionIds: ended };
  });
}

/** A new recovery code: the identity wrapped under its key replaces the old one. */
export async function replaceRecoveryCode(options: {
  db: Db;
  userId: string;
  authKey: string;
  recoveryWrappedIdentity: WrappedIdentityBody;
}): Promise<void> {
  const { db, userId } = options;
  const user = await requireCurrentAuthKey(db, userId, options.authKey, 'body.authKey');
  const identity = await currentIdentity(db, userId);
  const wrapped = checkWrappedIdentity(
    options.recoveryWrappedIdentity,
    { kind: 'recovery', identity },
    'body.recoveryWrappedIdentity',
  );
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: userId },
      data: { recoveryWrappedIdentity: { ...wrapped } },
    });
    await recordAuditInOrgs(tx, await userOrgIds(tx, userId), {
      actorUserId: userId,
      actorLabel: user.email,
      action: 'account.recovery_code_replaced',
      subject: { type: 'user', id: userId },
      details: {},
    });
  });
}
