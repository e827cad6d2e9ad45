import type { DbOrTx } from '../../db/transaction';
import { loadOrgPolicy } from '../policies/store';

/**
 * The meeting settings that org policy governs (DESIGN.md, "Policies"): `e2ee` (`required` or
 * `default-on`) and `guests` (`forbidden` or `lobby`). A meeting may tighten them, never
 * loosen them. The org's policy lives in the policy store (services/policies, docs/policies.md);
 * this is its part that joining and scheduling need, read at the time of the request, so a
 * later policy change tightens existing meetings too. The recording settings and the whole
 * effective policy come from `getEffectiveMeetingPolicy` (services/policies/effective-policy.ts),
 * which applies the same rules.
 */
export interface OrgMeetingPolicy {
  e2ee: 'required' | 'default-on';
  guests: 'forbidden' | 'lobby';
}

export const DEFAULT_ORG_MEETING_POLICY: OrgMeetingPolicy = { e2ee: 'default-on', guests: 'lobby' };

export async function orgMeetingPolicy(db: DbOrTx, orgId: string): Promise<OrgMeetingPolicy> {
  const { policy } = await loadOrgPolicy(db, orgId);
  return {
    // A locked `default-on` means hosts may no longer turn encryption off: for a meeting that
    // is the same as `required` (docs/policies.md).
    e2ee: policy.e2ee.locked ? 'required' : policy.e2ee.value,
    guests: policy.guests.value,
  };
}

export interface MeetingSettings {
  e2ee: boolean;
  guests: 'forbidden' | 'lobby';
}

export interface PolicyIssue {
  field: 'e2ee' | 'guests';
  message: string;
}

/** What the meeting asks for, checked against the org's policy. */
export function checkMeetingSettings(
  policy: OrgMeetingPolicy,
  settings: MeetingSettings,
): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  if (!settings.e2ee && policy.e2ee === 'required') {
    issues.push({
      field: 'e2ee',
      message: 'your organisation requires end-to-end encryption for every meeting',
    });
  }
  if (settings.guests === 'lobby' && policy.guests === 'forbidden') {
    issues.push({
      field: 'guests',
      message: 'your organisation does not allow guests in meetings',
    });
  }
  return issues;
}

/** The settings that apply when someone joins (a later policy change tightens old meetings too). */
export function effectiveMeetingSettings(
  policy: OrgMeetingPolicy,
  settings: MeetingSettings,
): MeetingSettings {
  return {
    e2ee: settings.e2ee || policy.e2ee === 'required',
    guests: policy.guests === 'forbidden' ? 'forbidden' : settings.guests,
  };
}
