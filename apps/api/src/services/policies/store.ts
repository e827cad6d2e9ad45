import {
  DEFAULT_ORG_POLICY,
  meetingPolicyOverridesSchema,
  orgPolicySchema,
  type MeetingPolicyOverrides,
  type OrgPolicy,
} from '@conclave/contracts';
import type { JsonObject } from '@conclave/crypto';
import type { DbOrTx } from '../../db/transaction';
import type {
  MeetingPolicy as MeetingPolicyRow,
  OrgPolicy as OrgPolicyRow,
} from '../../db/generated/client';

/**
 * Persistence of policies (prisma/schema/policies.prisma): rows to the contracts' shapes and
 * back. An org without a row has DESIGN.md's defaults; a meeting without a row follows its org.
 */

export interface StoredOrgPolicy {
  policy: OrgPolicy;
  /** null: the org never saved a policy (it has the defaults). */
  updatedAt: Date | null;
}

function orgPolicyFromRow(row: OrgPolicyRow): OrgPolicy {
  // The CHECK constraints admit only valid values; parsing narrows the TEXT columns' types.
  return orgPolicySchema.parse({
    e2ee: { value: row.e2ee, locked: row.e2eeLocked },
    guests: { value: row.guests, locked: row.guestsLocked },
    recording: {
      allowed: { value: row.recordingAllowed, locked: row.recordingAllowedLocked },
      consent: { value: row.recordingConsent, locked: row.recordingConsentLocked },
      audioOnly: { value: row.recordingAudioOnly, locked: row.recordingAudioOnlyLocked },
      escrow: { value: row.recordingEscrow, locked: row.recordingEscrowLocked },
      retentionDays: {
        value: row.recordingRetentionDays,
        locked: row.recordingRetentionDaysLocked,
      },
      minRetentionDays: {
        value: row.recordingMinRetentionDays,
        locked: row.recordingMinRetentionDaysLocked,
      },
    },
  });
}

function orgPolicyColumns(policy: OrgPolicy) {
  const r = policy.recording;
  return {
    e2ee: policy.e2ee.value,
    e2eeLocked: policy.e2ee.locked,
    guests: policy.guests.value,
    guestsLocked: policy.guests.locked,
    recordingAllowed: r.allowed.value,
    recordingAllowedLocked: r.allowed.locked,
    recordingConsent: r.consent.value,
    recordingConsentLocked: r.consent.locked,
    recordingAudioOnly: r.audioOnly.value,
    recordingAudioOnlyLocked: r.audioOnly.locked,
    recordingEscrow: r.escrow.value,
    recordingEscrowLocked: r.escrow.locked,
    recordingRetentionDays: r.retentionDays.value,
    recordingRetentionDaysLocked: r.retentionDays.locked,
    recordingMinRetentionDays: r.minRetentionDays.value,
    recordingMinRetentionDaysLocked: r.minRetentionDays.locked,
  };
}

export async function loadOrgPolicy(db: DbOrTx, orgId: string): Promise<StoredOrgPolicy> {
  const row = await db.orgPolicy.findUnique({ where: { orgId } });
  if (!row) return { policy: structuredClone(DEFAULT_ORG_POLICY), updatedAt: null };
  return { policy: orgPolicyFromRow(row), updatedAt: row.updatedAt };
}

export async function storeOrgPolicy(
  db: DbOrTx,
  options: { orgId: string; policy: OrgPolicy; updatedById: string },
): Promise<StoredOrgPolicy> {
  const data = { ...orgPolicyColumns(options.policy), updatedById: options.updatedById };
  const row = await db.orgPolicy.upsert({
    where: { orgId: options.orgId },
    create: { orgId: options.orgId, ...data },
    update: data,
  });
  return { policy: orgPolicyFromRow(row), updatedAt: row.updatedAt };
}

function overridesFromRow(row: MeetingPolicyRow | null): MeetingPolicyOverrides {
  if (!row) return {};
  const recording = Object.fromEntries(
    Object.entries({
      allowed: row.recordingAllowed,
      consent: row.recordingConsent,
      audioOnly: row.recordingAudioOnly,
      escrow: row.recordingEscrow,
      retentionDays: row.recordingRetentionDays,
      minRetentionDays: row.recordingMinRetentionDays,
    }).filter(([, value]) => value !== null),
  );
  return meetingPolicyOverridesSchema.parse(
    Object.keys(recording).length === 0 ? {} : { recording },
  );
}

export async function loadMeetingOverrides(
  db: DbOrTx,
  meetingId: string,
): Promise<MeetingPolicyOverrides> {
  return overridesFromRow(await db.meetingPolicy.findUnique({ where: { meetingId } }));
}

/** Replaces a meeting's overrides (no override left: the row goes). */
export async function storeMeetingOverrides(
  db: DbOrTx,
  options: { meetingId: string; overrides: MeetingPolicyOverrides },
): Promise<void> {
  const r = options.overrides.recording ?? {};
  const data = {
    recordingAllowed: r.allowed ?? null,
    recordingConsent: r.consent ?? null,
    recordingAudioOnly: r.audioOnly ?? null,
    recordingEscrow: r.escrow ?? null,
    recordingRetentionDays: r.retentionDays ?? null,
    recordingMinRetentionDays: r.minRetentionDays ?? null,
  };
  if (Object.values(data).every((value) => value === null)) {
    await db.meetingPolicy.deleteMany({ where: { meetingId: options.meetingId } });
    return;
  }
  await db.meetingPolicy.upsert({
    where: { meetingId: options.meetingId },
    create: { meetingId: options.meetingId, ...data },
    update: data,
  });
}

/** Overrides as plain JSON for an audit entry (every setting named, null: follows the org). */
export function overridesForAudit(overrides: MeetingPolicyOverrides): JsonObject {
  const r = overrides.recording ?? {};
  return {
    recording: {
      allowed: r.allowed ?? null,
      consent: r.consent ?? null,
      audioOnly: r.audioOnly ?? null,
      escrow: r.escrow ?? null,
      retentionDays: r.retentionDays ?? null,
      minRetentionDays: r.minRetentionDays ?? null,
    },
  };
}
