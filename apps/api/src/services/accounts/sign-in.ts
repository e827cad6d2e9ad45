import { fakeKdfParamsForEmail, fromBase64Url, normalizeEmail } from '@conclave/crypto';
import type { KdfParamsBody } from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import { recordAuditInOrgs } from '../audit/record';
import { userOrgIds } from './account-state';
import { verifyAgainstDummy, verifyAuthKey } from './auth-key-hash';
import { createSession, deleteSession } from './sessions';
import type { ClientInfo } from './sign-up';
import { serverKey } from './tokens';

/**
 * Pre-login: the salt and Argon2id parameters to derive the auth key with. For an address
 * without an account, stable fake parameters (keyed by a server secret), so the answer does
 * not tell who has an account.
 */
export async function preLogin(options: {
  db: Db;
  serverSecret: string;
  email: string;
}): Promise<{ kdfParams: KdfParamsBody }> {
  const email = normalizeEmail(options.email);
  const user = await options.db.user.findUnique({ where: { email }, select: { kdfParams: true } });
  if (user) return { kdfParams: user.kdfParams as KdfParamsBody };
  return {
    kdfParams: fakeKdfParamsForEmail(serverKey(options.serverSecret, 'fake-kdf-salt'), email),
  };
}

export const SIGN_IN_FAILED = 'The e-mail address or the password is not correct.';

/**
 * Checks the auth key against the stored slow hash. A wrong key and an unknown address give
 * the same problem after the same work (one user look-up and one scrypt run, against a dummy
 * hash for an unknown address); failures and successes of existing accounts go to the audit
 * log of each of the user's orgs. A failure's audit entries are written by `afterReply`, after
 * the answer: written before it, they made a wrong password for an existing account answer
 * later than an unknown address (docs/security.md, "Lower findings").
 */
export async function signIn(options: {
  db: Db;
  email: string;
  authKey: string;
  client: ClientInfo;
  afterReply: (name: string, task: () => Promise<unknown>) => void;
}): Promise<{ userId: string; session: { token: string; sessionId: string; expiresAt: Date } }> {
  const email = normalizeEmail(options.email);
  const authKey = fromBase64Url(options.authKey);
  const user = await options.db.user.findUnique({ where: { email } });
  if (!user) {
    await verifyAgainstDummy(authKey);
    throw new AppError('unauthenticated', SIGN_IN_FAILED);
  }
  const valid = await verifyAuthKey(authKey, user.authKeyHash);
  const details = {
    ...(options.client.ipAddress ? { ipAddress: options.client.ipAddress } : {}),
    ...(options.client.userAgent ? { userAgent: options.client.userAgent.slice(0, 200) } : {}),
  };
  if (!valid) {
    options.afterReply('audit a failed sign-in', async () => {
      const orgIds = await userOrgIds(options.db, user.id);
      await options.db.$transaction((tx) =>
        recordAuditInOrgs(tx, orgIds, {
          actorUserId: null,
          actorLabel: null,
          action: 'auth.sign_in_failed',
          subject: { type: 'user', id: user.id },
          details: { email: user.email, ...details },
        }),
      );
    });
    throw new AppError('unauthenticated', SIGN_IN_FAILED);
  }
  return options.db.$transaction(async (tx) => {
    const session = await createSession({ db: tx, userId: user.id, ...options.client });
    await recordAuditInOrgs(tx, await userOrgIds(tx, user.id), {
      actorUserId: user.id,
      actorLabel: user.email,
      action: 'auth.signed_in',
      subject: { type: 'session', id: session.sessionId },
      details,
    });
    return { userId: user.id, session };
  });
}

export async function signOut(options: { db: Db; sessionId: string }): Promise<void> {
  await deleteSession({ db: options.db, sessionId: options.sessionId });
}
