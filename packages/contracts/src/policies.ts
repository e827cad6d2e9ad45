import { z } from 'zod';

/**
 * Org policies and the meeting policy (DESIGN.md, "Policies"; docs/policies.md). An org sets
 * every setting with a lock; a meeting may tighten an unlocked setting, never loosen it. The
 * effective policy of a meeting is computed in one place (apps/api, `computeEffectivePolicy`)
 * at read time, so a later org change tightens existing meetings too.
 */

export const e2eePolicySchema = z
  .enum(['required', 'default-on'])
  .describe('required: every meeting is end-to-end encrypted; default-on: hosts may turn it off');
export const guestsPolicySchema = z
  .enum(['forbidden', 'lobby'])
  .describe('forbidden: no guests; lobby: guests may ask to join through the lobby');
export const recordingAllowedPolicySchema = z
  .enum(['off', 'hosts', 'everyone'])
  .describe('Who may record: nobody, hosts only, or every participant');
export const recordingConsentPolicySchema = z
  .enum(['notify', 'explicit'])
  .describe(
    'notify: everyone is told and acknowledges; explicit: each participant accepts or declines',
  );
export const recordingAudioOnlyPolicySchema = z
  .enum(['allowed', 'required'])
  .describe('allowed: video or audio-only recordings; required: audio-only recordings');
export const recordingEscrowPolicySchema = z
  .enum(['none', 'compliance'])
  .describe('compliance: every recording is also wrapped to the org’s compliance keys');
export const retentionDaysSchema = z
  .number()
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(36_500, 'must be at most 36500 days (100 years)')
  .nullable()
  .describe('Recordings are deleted this many days after they end; null keeps them');
export const minRetentionDaysSchema = z
  .number()
  .int('must be a whole number of days')
  .min(0, 'must be 0 or more days')
  .max(36_500, 'must be at most 36500 days (100 years)')
  .nullable()
  .describe('Deleting a recording is refused until it is this many days old; null: no minimum');

export type E2eePolicy = z.infer<typeof e2eePolicySchema>;
export type GuestsPolicy = z.infer<typeof guestsPolicySchema>;
export type RecordingAllowedPolicy = z.infer<typeof recordingAllowedPolicySchema>;
export type RecordingConsentPolicy = z.infer<typeof recordingConsentPolicySchema>;
export type RecordingAudioOnlyPolicy = z.infer<typeof recordingAudioOnlyPolicySchema>;
export type RecordingEscrowPolicy = z.infer<typeof recordingEscrowPolicySchema>;

function setting<T extends z.ZodType>(value: T) {
  return z
    .object({
      value,
      locked: z
        .boolean()
        .describe('true: meetings cannot change this setting, not even to tighten it'),
    })
    .strict();
}

export const orgPolicySchema = z
  .object({
    e2ee: setting(e2eePolicySchema),
    guests: setting(guestsPolicySchema),
    recording: z
      .object({
        allowed: setting(recordingAllowedPolicySchema),
        consent: setting(recordingConsentPolicySchema),
        audioOnly: setting(recordingAudioOnlyPolicySchema),
        escrow: setting(recordingEscrowPolicySchema),
        retentionDays: setting(retentionDaysSchema),
        minRetentionDays: setting(minRetentionDaysSchema),
      })
      .strict(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const { retentionDays, minRetentionDays } = policy.recording;
    if (
      retentionDays.value !== null &&
      minRetentionDays.value !== null &&
      minRetentionDays.value > retentionDays.value
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['recording', 'minRetentionDays', 'value'],
        message: `must not be longer than the retention period (${retentionDays.value} days)`,
      });
    }
  })
  .meta({ id: 'OrgPolicy' });
export type OrgPolicy = z.infer<typeof orgPolicySchema>;

/** Every setting, by its dotted name: the name used in errors, audit entries and `sources`. */
export const POLICY_SETTINGS = [
  'e2ee',
  'guests',
  'recording.allowed',
  'recording.consent',
  'recording.audioOnly',
  'recording.escrow',
  'recording.retentionDays',
  'recording.minRetentionDays',
] as const;
export type PolicySettingName = (typeof POLICY_SETTINGS)[number];

/** DESIGN.md's defaults: what an org without a stored policy gets. Nothing is locked. */
export const DEFAULT_ORG_POLICY: OrgPolicy = {
  e2ee: { value: 'default-on', locked: false },
  guests: { value: 'lobby', locked: false },
  recording: {
    allowed: { value: 'hosts', locked: false },
    consent: { value: 'explicit', locked: false },
    audioOnly: { value: 'allowed', locked: false },
    escrow: { value: 'none', locked: false },
    retentionDays: { value: null, locked: false },
    minRetentionDays: { value: null, locked: false },
  },
};

/**
 * What a host may set on a meeting besides its `e2ee` and `guests` fields (which are the
 * meeting's own settings and are checked against the same rules): a value per recording
 * setting, or null to follow the org. Only tighter values of unlocked settings are accepted.
 */
export const meetingPolicyOverridesSchema = z
  .object({
    recording: z
      .object({
        allowed: recordingAllowedPolicySchema.nullable(),
        consent: recordingConsentPolicySchema.nullable(),
        audioOnly: recordingAudioOnlyPolicySchema.nullable(),
        escrow: recordingEscrowPolicySchema.nullable(),
        retentionDays: retentionDaysSchema.describe(
          'Delete recordings sooner than the org does; null follows the org',
        ),
        minRetentionDays: minRetentionDaysSchema.describe(
          'Keep recordings longer before deletion is allowed; null follows the org',
        ),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict()
  .meta({ id: 'MeetingPolicyOverrides' });
export type MeetingPolicyOverrides = z.infer<typeof meetingPolicyOverridesSchema>;

export const policySourceSchema = z
  .enum(['org', 'meeting', 'locked'])
  .describe('org: the org’s value; meeting: the meeting tightened it; locked: locked by the org');
export type PolicySource = z.infer<typeof policySourceSchema>;

export const effectivePolicySchema = z
  .object({
    e2ee: z.boolean(),
    guests: guestsPolicySchema,
    recording: z.object({
      allowed: recordingAllowedPolicySchema,
      consent: recordingConsentPolicySchema,
      audioOnly: recordingAudioOnlyPolicySchema,
      escrow: recordingEscrowPolicySchema,
      retentionDays: z.number().int().nullable(),
      minRetentionDays: z.number().int().nullable(),
    }),
    sources: z
      .record(z.enum(POLICY_SETTINGS), policySourceSchema)
      .optional()
      .describe('Where each effective value comes from'),
  })
  .meta({ id: 'EffectivePolicy' });
export type EffectivePolicy = z.infer<typeof effectivePolicySchema>;

export const orgPolicyResponseSchema = z
  .object({
    orgId: z.uuid(),
    policy: orgPolicySchema,
    updatedAt: z.iso.datetime().nullable().describe('null: the org never changed the defaults'),
    defaults: orgPolicySchema.describe('DESIGN.md’s defaults, for a "reset" in the portal'),
  })
  .meta({ id: 'OrgPolicyResponse' });
export type OrgPolicyResponse = z.infer<typeof orgPolicyResponseSchema>;

export const updateOrgPolicySchema = orgPolicySchema;
export type UpdateOrgPolicyInput = z.input<typeof updateOrgPolicySchema>;

/**
 * Tightness of each ordered setting: lower index = tighter. Retention is "tighter" when it is
 * shorter (privacy: less is kept), the minimum retention when it is longer (deletion is refused
 * for longer). docs/policies.md explains both directions.
 */
export const POLICY_ORDER = {
  'recording.allowed': ['off', 'hosts', 'everyone'],
  'recording.consent': ['explicit', 'notify'],
  'recording.audioOnly': ['required', 'allowed'],
  'recording.escrow': ['compliance', 'none'],
  guests: ['forbidden', 'lobby'],
} as const;

/** The plain-words sentence shown on the meeting page and before joining a room. */
export function describeRecordingPolicy(effective: Pick<EffectivePolicy, 'recording'>): string {
  const { allowed, consent, audioOnly, escrow } = effective.recording;
  if (allowed === 'off') return 'This meeting cannot be recorded.';
  const who = allowed === 'hosts' ? 'by hosts' : 'by any participant';
  const what = audioOnly === 'required' ? ' (audio only)' : '';
  const ask =
    consent === 'explicit'
      ? 'you will be asked to consent, and if you decline you are left out of the recording'
      : 'you will be told when a recording starts';
  const escrowText =
    escrow === 'compliance'
      ? ' Recordings can also be opened by your organisation’s compliance officers.'
      : '';
  return `This meeting may be recorded ${who}${what}; ${ask}.${escrowText}`;
}

/** The retention sentence, or null when recordings are kept with no limits either way. */
export function describeRetention(effective: Pick<EffectivePolicy, 'recording'>): string | null {
  const { retentionDays, minRetentionDays } = effective.recording;
  const parts: string[] = [];
  if (retentionDays !== null) parts.push(`deleted after ${days(retentionDays)}`);
  if (minRetentionDays !== null && minRetentionDays > 0)
    parts.push(`kept at least ${days(minRetentionDays)}`);
  return parts.length === 0 ? null : `Recordings are ${parts.join(' and ')}.`;
}

function days(n: number): string {
  return n === 1 ? '1 day' : `${n} days`;
}
