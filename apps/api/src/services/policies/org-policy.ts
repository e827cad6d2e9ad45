import {
  DEFAULT_ORG_POLICY,
  POLICY_SETTINGS,
  type OrgPolicy,
  type OrgPolicyResponse,
  type PolicySettingName,
} from '@conclave/contracts';
import type { JsonObject } from '@conclave/crypto';
import { inTransaction, type DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { ALL_ROLES, MANAGER_ROLES, requireOrgRole } from '../accounts/authorization';
import { recordAudit } from '../audit/record';
import { activeComplianceKeyCount, escrowWithoutKeysMessage } from './compliance-keys';
import { loadOrgPolicy, storeOrgPolicy, type StoredOrgPolicy } from './store';

/**
 * Reading and changing an org's policy. Every member may read it (it decides what they may do
 * in meetings); owners and admins change it, and every change is an audit entry with the old
 * and new value and lock of each setting that changed.
 */

type Setting = { value: string | number | null; locked: boolean };

/** A setting of a policy by its dotted name (`recording.allowed`). */
export function policySetting(policy: OrgPolicy, name: PolicySettingName): Setting {
  if (name === 'e2ee' || name === 'guests') return policy[name];
  const key = name.slice('recording.'.length) as keyof OrgPolicy['recording'];
  return policy.recording[key];
}

export interface PolicyChange {
  setting: PolicySettingName;
  from: Setting;
  to: Setting;
}

export function policyChanges(before: OrgPolicy, after: OrgPolicy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  for (const setting of POLICY_SETTINGS) {
    const from = policySetting(before, setting);
    const to = policySetting(after, setting);
    if (from.value !== to.value || from.locked !== to.locked) {
      changes.push({ setting, from: { ...from }, to: { ...to } });
    }
  }
  return changes;
}

function response(orgId: string, stored: StoredOrgPolicy): OrgPolicyResponse {
  return {
    orgId,
    policy: stored.policy,
    updatedAt: stored.updatedAt?.toISOString() ?? null,
    defaults: DEFAULT_ORG_POLICY,
  };
}

export async function getOrgPolicy(
  db: DbOrTx,
  options: { orgId: string; userId: string },
): Promise<OrgPolicyResponse> {
  await requireOrgRole(db, { ...options, roles: ALL_ROLES });
  return response(options.orgId, await loadOrgPolicy(db, options.orgId));
}

export async function updateOrgPolicy(
  db: DbOrTx,
  options: { orgId: string; userId: string; policy: OrgPolicy },
): Promise<OrgPolicyResponse> {
  return inTransaction(db, async (tx) => {
    await requireOrgRole(tx, {
      orgId: options.orgId,
      userId: options.userId,
      roles: MANAGER_ROLES,
    });
    if (
      options.policy.recording.escrow.value === 'compliance' &&
      (await activeComplianceKeyCount(tx, options.orgId)) === 0
    ) {
      throw new AppError('unprocessable', escrowWithoutKeysMessage(), {
        errors: [{ path: 'body.recording.escrow.value', message: escrowWithoutKeysMessage() }],
      });
    }
    // Serialise concurrent saves of one org so each audit entry's "from" is what it replaced.
    await tx.$executeRaw`SELECT 1 FROM "orgs" WHERE "id" = ${options.orgId}::uuid FOR UPDATE`;
    const before = await loadOrgPolicy(tx, options.orgId);
    const changes = policyChanges(before.policy, options.policy);
    if (changes.length === 0) return response(options.orgId, before);
    const stored = await storeOrgPolicy(tx, {
      orgId: options.orgId,
      policy: options.policy,
      updatedById: options.userId,
    });
    await recordAudit(tx, {
      orgId: options.orgId,
      actorUserId: options.userId,
      action: 'org.policy_changed',
      subject: { type: 'org', id: options.orgId },
      details: { changes: changes as unknown as JsonObject[] },
    });
    return response(options.orgId, stored);
  });
}
