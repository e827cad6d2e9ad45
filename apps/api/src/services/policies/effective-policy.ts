import {
  POLICY_ORDER,
  type EffectivePolicy,
  type MeetingPolicyOverrides,
  type OrgPolicy,
  type PolicySettingName,
  type PolicySource,
} from '@conclave/contracts';
import type { DbOrTx } from '../../db/transaction';
import { AppError } from '../../errors';
import { loadMeetingOverrides, loadOrgPolicy } from './store';

/**
 * The one place a meeting's effective policy is computed (docs/policies.md). It runs at read
 * time from the org's current policy, so a later org change tightens existing meetings too.
 *
 * Rules: every setting is the tighter of the org's value and the meeting's; a lock stops hosts
 * from changing a setting (checked when a meeting is saved, `checkMeetingPolicy`), and never
 * loosens a meeting that was tightened before the lock. "Tighter" per setting:
 * - `e2ee`: on is tighter than off; `required` forces it on; a locked `default-on` keeps it on
 *   (hosts may no longer turn it off).
 * - `guests`: forbidden < lobby. `recording.allowed`: off < hosts < everyone (fewer recorders).
 * - `recording.consent`: explicit < notify; `audioOnly`: required < allowed; `escrow`:
 *   compliance < none.
 * - `recording.retentionDays`: shorter is tighter (less is kept; null = kept for ever, the
 *   loosest). `recording.minRetentionDays`: longer is tighter (deletion refused for longer).
 *   When the two conflict (a meeting's minimum above the retention, possible only after a later
 *   org change), the org's values win: the retention is raised to at most the org's minimum and
 *   the minimum is capped by the retention, so neither ends looser than the org's.
 */

export interface MeetingSettingsForPolicy {
  e2ee: boolean;
  guests: 'forbidden' | 'lobby';
}

type Ordered = keyof typeof POLICY_ORDER;

/** The tighter of two values of an ordered setting. */
export function tighter<K extends Ordered>(
  name: K,
  a: (typeof POLICY_ORDER)[K][number],
  b: (typeof POLICY_ORDER)[K][number],
): (typeof POLICY_ORDER)[K][number] {
  const order = POLICY_ORDER[name] as readonly string[];
  return order.indexOf(a) <= order.indexOf(b) ? a : b;
}

/** True when `candidate` is looser than `reference` for an ordered setting. */
export function isLooser<K extends Ordered>(
  name: K,
  candidate: (typeof POLICY_ORDER)[K][number],
  reference: (typeof POLICY_ORDER)[K][number],
): boolean {
  const order = POLICY_ORDER[name] as readonly string[];
  return order.indexOf(candidate) > order.indexOf(reference);
}

/** Shorter retention is tighter; null (keep) is the loosest. */
export function tighterRetention(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** A longer minimum is tighter; null (no minimum) is the loosest. */
export function tighterMinRetention(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function sourceOf(locked: boolean, meetingTightened: boolean): PolicySource {
  if (meetingTightened) return 'meeting';
  return locked ? 'locked' : 'org';
}

export function computeEffectivePolicy(
  org: OrgPolicy,
  meetingOverrides: MeetingPolicyOverrides,
  meetingSettings: MeetingSettingsForPolicy,
): EffectivePolicy {
  const rec = org.recording;
  const over = meetingOverrides.recording ?? {};
  const sources = {} as Record<PolicySettingName, PolicySource>;

  const forcedOn = org.e2ee.value === 'required' || org.e2ee.locked;
  const e2ee = forcedOn || meetingSettings.e2ee;
  sources.e2ee = sourceOf(org.e2ee.locked, false);
  if (!e2ee) sources.e2ee = 'meeting';

  const guests = tighter('guests', org.guests.value, meetingSettings.guests);
  sources.guests = sourceOf(org.guests.locked, guests !== org.guests.value);

  const ordered = <K extends Ordered & `recording.${string}`>(
    name: K,
    orgValue: (typeof POLICY_ORDER)[K][number],
    locked: boolean,
    meetingValue: (typeof POLICY_ORDER)[K][number] | null | undefined,
  ) => {
    const value = meetingValue == null ? orgValue : tighter(name, orgValue, meetingValue);
    sources[name] = sourceOf(locked, value !== orgValue);
    return value;
  };
  const allowed = ordered('recording.allowed', rec.allowed.value, rec.allowed.locked, over.allowed);
  const consent = ordered('recording.consent', rec.consent.value, rec.consent.locked, over.consent);
  const audioOnly = ordered(
    'recording.audioOnly',
    rec.audioOnly.value,
    rec.audioOnly.locked,
    over.audioOnly,
  );
  const escrow = ordered('recording.escrow', rec.escrow.value, rec.escrow.locked, over.escrow);

  let retentionDays = tighterRetention(rec.retentionDays.value, over.retentionDays ?? null);
  let minRetentionDays = tighterMinRetention(
    rec.minRetentionDays.value,
    over.minRetentionDays ?? null,
  );
  if (retentionDays !== null && minRetentionDays !== null && minRetentionDays > retentionDays) {
    retentionDays = Math.max(retentionDays, rec.minRetentionDays.value ?? 0);
    minRetentionDays = Math.min(minRetentionDays, retentionDays);
  }
  sources['recording.retentionDays'] = sourceOf(
    rec.retentionDays.locked,
    retentionDays !== rec.retentionDays.value,
  );
  sources['recording.minRetentionDays'] = sourceOf(
    rec.minRetentionDays.locked,
    minRetentionDays !== rec.minRetentionDays.value,
  );

  return {
    e2ee,
    guests,
    recording: { allowed, consent, audioOnly, escrow, retentionDays, minRetentionDays },
    sources,
  };
}

/** The effective policy of a meeting as it stands now (404 when there is no such meeting). */
export async function getEffectiveMeetingPolicy(options: {
  db: DbOrTx;
  meetingId: string;
}): Promise<EffectivePolicy> {
  const meeting = await options.db.meeting.findUnique({
    where: { id: options.meetingId },
    select: { orgId: true, e2ee: true, guests: true },
  });
  if (!meeting) throw new AppError('not_found', 'There is no such meeting.');
  // One after the other: a transaction (and the embedded database) has one connection.
  const org = await loadOrgPolicy(options.db, meeting.orgId);
  const overrides = await loadMeetingOverrides(options.db, options.meetingId);
  return computeEffectivePolicy(org.policy, overrides, meeting);
}
