import type { AccountToken, AccountTokenPurpose } from '../../db/generated/client';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { hashToken, newToken } from './tokens';

/** How long e-mailed links work. */
export const LINK_VALIDITY_MS: Record<AccountTokenPurpose, number> = {
  sign_up: 24 * 3600 * 1000,
  recovery: 2 * 3600 * 1000,
  admin_reset: 72 * 3600 * 1000,
};

/** A new single-use link token; earlier unused links of the same purpose for the address stop working. */
export async function createAccountToken(
  db: DbOrTx,
  options: {
    purpose: AccountTokenPurpose;
    email: string;
    userId?: string;
    orgId?: string;
    requestedById?: string;
  },
): Promise<{ token: string; row: AccountToken }> {
  await db.accountToken.updateMany({
    where: { purpose: options.purpose, email: options.email, usedAt: null },
    data: { expiresAt: new Date() },
  });
  const token = newToken();
  const row = await db.accountToken.create({
    data: {
      purpose: options.purpose,
      email: options.email,
      userId: options.userId ?? null,
      orgId: options.orgId ?? null,
      requestedById: options.requestedById ?? null,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + LINK_VALIDITY_MS[options.purpose]),
    },
  });
  return { token, row };
}

const WHAT: Record<AccountTokenPurpose, string> = {
  sign_up: 'sign-up link',
  recovery: 'password reset link',
  admin_reset: 'account reset link',
};

export async function findUsableAccountToken(
  db: DbOrTx,
  token: string,
  purpose: AccountTokenPurpose,
): Promise<AccountToken> {
  const row = await db.accountToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.purpose !== purpose) {
    throw new AppError(
      'not_found',
      `This ${WHAT[purpose]} is not valid. Use the newest mail, or ask for a new link.`,
    );
  }
  if (row.usedAt) throw new AppError('gone', `This ${WHAT[purpose]} was already used.`);
  if (row.expiresAt.getTime() <= Date.now()) {
    throw new AppError(
      'gone',
      `This ${WHAT[purpose]} has expired or was replaced. Ask for a new one.`,
    );
  }
  return row;
}

/** Uses a token up; false when a concurrent request used it first. */
export async function markAccountTokenUsed(db: DbOrTx, id: string): Promise<boolean> {
  const { count } = await db.accountToken.updateMany({
    where: { id, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  return count === 1;
}
