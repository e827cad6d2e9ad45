import { normalizeEmail } from '@conclave/crypto';
import type { SignUpRequest } from '@conclave/contracts';
import type { Db } from '../../db/client';
import { AppError } from '../../errors';
import type { Mailer } from '../mail/mailer';
import { accountExistsMail, linkWithToken, signUpMail } from '../mail/templates';
import {
  createAccountToken,
  findUsableAccountToken,
  LINK_VALIDITY_MS,
  markAccountTokenUsed,
} from './account-tokens';
import { hashAuthKey } from './auth-key-hash';
import { publishIdentity } from './identity';
import { consumeInvitation, findUsableInvitation } from './invitation-tokens';
import { checkNewAccountKeys } from './keys';
import { createOrg } from './orgs';
import { createSession } from './sessions';
import { emailAllowedByPolicy, getSignUpPolicy } from './settings';

/** Serialises sign-ups, so two "first" sign-ups cannot both become the instance admin. */
const SIGN_UP_LOCK = 727073690;

export interface ClientInfo {
  userAgent?: string | undefined;
  ipAddress?: string | undefined;
}

/**
 * Creates an account from what the browser made (KDF parameters, auth key, public identity,
 * wrapped identities). Who may:
 * - the very first person on an empty installation: creates the first org, its owner and the
 *   instance admin (needs `orgName`);
 * - someone with an invitation link (the invitation's address);
 * - someone with a sign-up link, which open sign-up mails to an allowed address (proving it).
 * Signs the new account in.
 */
export async function signUp(options: {
  db: Db;
  input: SignUpRequest;
  client: ClientInfo;
}): Promise<{ userId: string; session: { token: string; sessionId: string; expiresAt: Date } }> {
  const { db, input } = options;
  const keys = checkNewAccountKeys(input);
  const email = normalizeEmail(input.email);
  const authKeyHash = await hashAuthKey(keys.authKey);

  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SIGN_UP_LOCK})`;
      const first = (await tx.user.findFirst({ select: { id: true } })) === null;

      const createUser = async (isInstanceAdmin: boolean) => {
        if (await tx.user.findUnique({ where: { email }, select: { id: true } })) {
          throw new AppError(
            'conflict',
            'There is already an account for this e-mail address. Sign in instead (or use "Forgot password").',
          );
        }
        return tx.user.create({
          data: {
            email,
            displayName: input.displayName,
            isInstanceAdmin,
            kdfParams: { ...keys.kdfParams },
            authKeyHash,
            wrappedIdentity: { ...keys.wrappedIdentity },
            recoveryWrappedIdentity: { ...keys.recoveryWrappedIdentity },
          },
        });
      };

      let userId: string;
      if (first) {
        if (!input.orgName) {
          throw new AppError(
            'validation_failed',
            'body.orgName: you are the first person on this server: name your organisation',
            { errors: [{ path: 'body.orgName', message: 'name your organisation' }] },
          );
        }
        const user = await createUser(true);
        await createOrg(tx, { name: input.orgName, ownerId: user.id });
        userId = user.id;
      } else if (input.invitationToken) {
        const invitation = await findUsableInvitation(tx, input.invitationToken);
        if (invitation.email !== email) {
          throw new AppError(
            'forbidden',
            `This invitation was sent to ${invitation.email}: sign up with that address.`,
          );
        }
        const user = await createUser(false);
        await consumeInvitation(tx, invitation, user);
        userId = user.id;
      } else if (input.signUpToken) {
        const link = await findUsableAccountToken(tx, input.signUpToken, 'sign_up');
        if (link.email !== email) {
          throw new AppError(
            'forbidden',
            `This sign-up link was sent to ${link.email}: sign up with that address.`,
          );
        }
        if (!emailAllowedByPolicy(await getSignUpPolicy(tx), email)) {
          throw new AppError('forbidden', 'Sign-up on this server is now by invitation only.');
        }
        const user = await createUser(false);
        if (!(await markAccountTokenUsed(tx, link.id))) {
          throw new AppError('gone', 'This sign-up link was already used.');
        }
        userId = user.id;
      } else {
        throw new AppError(
          'forbidden',
          'Sign-up on this server needs an invitation (or a sign-up link sent by e-mail when sign-up is open).',
        );
      }

      await publishIdentity(tx, {
        userId,
        identity: keys.publicIdentity,
        reason: 'sign_up',
        actorUserId: userId,
      });
      const session = await createSession({ db: tx, userId, ...options.client });
      return { userId, session };
    },
    { timeout: 20_000, maxWait: 20_000 },
  );
}

/**
 * Open sign-up, step 1: mails a sign-up link to an allowed address (or, when the address
 * already has an account, a mail saying so). The answer is the same either way, so it does
 * not reveal who has an account.
 */
export async function requestSignUpLink(options: {
  db: Db;
  mailer: Mailer;
  publicUrl: string;
  email: string;
}): Promise<void> {
  const email = normalizeEmail(options.email);
  const policy = await getSignUpPolicy(options.db);
  if (!emailAllowedByPolicy(policy, email)) {
    throw new AppError(
      'forbidden',
      policy.mode === 'open'
        ? `Sign-up on this server is open to addresses at ${policy.allowedDomains.join(', ')} only. Ask an admin for an invitation.`
        : 'Sign-up on this server is by invitation only. Ask an admin of your organisation to invite you.',
    );
  }
  const existing = await options.db.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) {
    await options.mailer.send(
      accountExistsMail({ to: email, signInUrl: `${options.publicUrl}/sign-in` }),
    );
    return;
  }
  const { token } = await createAccountToken(options.db, { purpose: 'sign_up', email });
  await options.mailer.send(
    signUpMail({
      to: email,
      url: linkWithToken(options.publicUrl, '/sign-up', token),
      validForMs: LINK_VALIDITY_MS.sign_up,
    }),
  );
}

/** Open sign-up, step 2: the address a sign-up link is for (the page fills it in). */
export async function lookUpSignUpLink(db: Db, token: string): Promise<{ email: string }> {
  const link = await findUsableAccountToken(db, token, 'sign_up');
  return { email: link.email };
}
