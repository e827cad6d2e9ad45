import type { MeetingPolicyOverrides, OrgPolicy } from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import { AppError, type FieldIssue } from '../../errors';
import { activeComplianceKeyCount, escrowWithoutKeysMessage } from './compliance-keys';
import { isLooser } from './effective-policy';
import { loadOrgPolicy } from './store';

/**
 * What a host asks for on a meeting, checked against the org's policy before anything is
 * written: a meeting may tighten an unlocked setting, never loosen one, and may not change a
 * locked one at all (keeping the value it already has is not a change). Each refusal names the
 * setting; the service turns them into one 422 problem.
 */

export interface MeetingPolicyState {
  e2ee: boolean;
  guests: 'forbidden' | 'lobby';
  overrides: MeetingPolicyOverrides;
}

const LOCKED = (setting: string) =>
  `${setting} is locked by your organisation's policy: meetings cannot change it`;

function looser(setting: string, orgValue: string | number | null): string {
  return `${setting} cannot be looser than your organisation's policy (${String(orgValue ?? 'keep')}); a meeting may only tighten it`;
}

type RecordingKey = keyof NonNullable<MeetingPolicyOverrides['recording']>;

/**
 * `current` is the meeting as stored (null when creating); `requested` is what it would be
 * after the change. Pure: the escrow key check is done by `meetingPolicyIssues`.
 */
export function checkMeetingPolicy(
  org: OrgPolicy,
  current: MeetingPolicyState | null,
  requested: MeetingPolicyState,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path: `body.${path}`, message });

  // e2ee: the org's default for a meeting is on, so a lock keeps it on.
  if (requested.e2ee !== current?.e2ee && !requested.e2ee) {
    if (org.e2ee.locked) add('e2ee', LOCKED('e2ee'));
    else if (org.e2ee.value === 'required')
      add('e2ee', 'your organisation requires end-to-end encryption for every meeting');
  }
  if (requested.guests !== current?.guests) {
    if (org.guests.locked && requested.guests !== org.guests.value) add('guests', LOCKED('guests'));
    else if (isLooser('guests', requested.guests, org.guests.value))
      add('guests', 'your organisation does not allow guests in meetings');
  }

  const rec = org.recording;
  const wanted = requested.overrides.recording ?? {};
  const had = current?.overrides.recording ?? {};
  const keys: RecordingKey[] = [
    'allowed',
    'consent',
    'audioOnly',
    'escrow',
    'retentionDays',
    'minRetentionDays',
  ];
  for (const key of keys) {
    const value = wanted[key] ?? null;
    const before = had[key] ?? null;
    const setting = `recording.${key}`;
    const path = `policy.recording.${key}`;
    if (value === before) continue;
    if (rec[key].locked) {
      add(path, LOCKED(setting));
      continue;
    }
    if (value === null) continue;
    const orgValue = rec[key].value;
    const isLooserValue =
      key === 'retentionDays'
        ? orgValue !== null && (value as number) > (orgValue as number)
        : key === 'minRetentionDays'
          ? orgValue !== null && (value as number) < (orgValue as number)
          : isLooser(`recording.${key}` as 'recording.allowed', value as 'off', orgValue as 'off');
    if (isLooserValue) add(path, looser(setting, orgValue));
  }

  const retentionChanged =
    (wanted.retentionDays ?? null) !== (had.retentionDays ?? null) ||
    (wanted.minRetentionDays ?? null) !== (had.minRetentionDays ?? null);
  const retention = wanted.retentionDays ?? rec.retentionDays.value;
  const minimum = wanted.minRetentionDays ?? rec.minRetentionDays.value;
  if (retentionChanged && retention !== null && minimum !== null && minimum > retention) {
    add(
      wanted.minRetentionDays != null
        ? 'policy.recording.minRetentionDays'
        : 'policy.recording.retentionDays',
      `recording.minRetentionDays (${minimum} days) cannot be longer than recording.retentionDays (${retention} days)`,
    );
  }
  return issues;
}

/** `checkMeetingPolicy` with the org's stored policy and its compliance keys. */
export async function meetingPolicyIssues(
  db: DbOrTx,
  options: { orgId: string; current: MeetingPolicyState | null; requested: MeetingPolicyState },
): Promise<FieldIssue[]> {
  const { policy } = await loadOrgPolicy(db, options.orgId);
  const issues = checkMeetingPolicy(policy, options.current, options.requested);
  const escrow = options.requested.overrides.recording?.escrow;
  const hadEscrow = options.current?.overrides.recording?.escrow;
  if (
    escrow === 'compliance' &&
    hadEscrow !== 'compliance' &&
    !policy.recording.escrow.locked &&
    (await activeComplianceKeyCount(db, options.orgId)) === 0
  ) {
    issues.push({ path: 'body.policy.recording.escrow', message: escrowWithoutKeysMessage() });
  }
  return issues;
}

/** The 422 problem for refused policy settings, naming each. */
export function policyRefused(issues: FieldIssue[]): AppError {
  return new AppError(
    'unprocessable',
    `The meeting's policy is not allowed: ${issues.map((i) => i.message).join('; ')}.`,
    { errors: issues },
  );
}
