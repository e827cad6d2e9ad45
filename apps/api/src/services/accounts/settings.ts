import { signUpPolicySchema, type SignUpPolicy, type SignUpStatus } from '@conclave/contracts';
import { inTransaction, type DbOrTx } from '../../db/transaction';
import { recordAudit } from '../audit/record';

const SIGN_UP_POLICY_KEY = 'sign_up_policy';
export const DEFAULT_SIGN_UP_POLICY: SignUpPolicy = { mode: 'invitation', allowedDomains: [] };

/** Who may sign up without an invitation. Default: nobody (by invitation only). */
export async function getSignUpPolicy(db: DbOrTx): Promise<SignUpPolicy> {
  const row = await db.instanceSetting.findUnique({ where: { key: SIGN_UP_POLICY_KEY } });
  const parsed = signUpPolicySchema.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_SIGN_UP_POLICY;
}

export async function setSignUpPolicy(options: {
  db: DbOrTx;
  actorUserId: string;
  policy: SignUpPolicy;
}): Promise<SignUpPolicy> {
  const policy: SignUpPolicy = {
    mode: options.policy.mode,
    allowedDomains: [...new Set(options.policy.allowedDomains)].sort(),
  };
  await inTransaction(options.db, async (tx) => {
    await tx.instanceSetting.upsert({
      where: { key: SIGN_UP_POLICY_KEY },
      create: { key: SIGN_UP_POLICY_KEY, value: policy },
      update: { value: policy },
    });
    await recordAudit(tx, {
      orgId: null,
      actorUserId: options.actorUserId,
      action: 'instance.sign_up_policy_changed',
      subject: { type: 'instance', id: 'sign_up_policy' },
      details: { mode: policy.mode, allowedDomains: policy.allowedDomains },
    });
  });
  return policy;
}

/** Whether an address may use open sign-up under a policy. */
export function emailAllowedByPolicy(policy: SignUpPolicy, email: string): boolean {
  if (policy.mode !== 'open') return false;
  if (policy.allowedDomains.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return policy.allowedDomains.includes(domain);
}

export async function getSignUpStatus(db: DbOrTx): Promise<SignUpStatus> {
  const anyUser = await db.user.findFirst({ select: { id: true } });
  if (!anyUser) return { mode: 'first', allowedDomains: [] };
  const policy = await getSignUpPolicy(db);
  return { mode: policy.mode, allowedDomains: policy.mode === 'open' ? policy.allowedDomains : [] };
}
