/**
 * The meeting settings that org policy governs (DESIGN.md, "Policies"): `e2ee` (`required` or
 * `default-on`) and `guests` (`forbidden` or `lobby`). A meeting may tighten them, never
 * loosen them. Conclave has no policy store yet (org policies are a later piece of work), so
 * every org has DESIGN.md's defaults here; when policies land, `orgMeetingPolicy` reads them
 * and nothing else changes.
 */
export interface OrgMeetingPolicy {
  e2ee: 'required' | 'default-on';
  guests: 'forbidden' | 'lobby';
}

export const DEFAULT_ORG_MEETING_POLICY: OrgMeetingPolicy = { e2ee: 'default-on', guests: 'lobby' };

export async function orgMeetingPolicy(_orgId: string): Promise<OrgMeetingPolicy> {
  return DEFAULT_ORG_MEETING_POLICY;
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
