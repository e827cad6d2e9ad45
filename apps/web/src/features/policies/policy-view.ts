import {
  POLICY_ORDER,
  describeRecordingPolicy,
  describeRetention,
  type EffectivePolicy,
  type MeetingPolicyOverrides,
  type OrgPolicy,
} from '@conclave/contracts';

/**
 * Policies as the portal shows and edits them (docs/policies.md): labels in plain words, the
 * org settings form as plain data with its checks, the choices a host has on a meeting (only
 * tighter values of unlocked settings), and the effective policy as sentences. The server
 * checks everything again; its field errors land on the same fields.
 */

export type EnumSetting = 'e2ee' | 'guests' | 'allowed' | 'consent' | 'audioOnly' | 'escrow';
export type DaysSetting = 'retentionDays' | 'minRetentionDays';
export type SettingKey = EnumSetting | DaysSetting;

export interface SettingInfo {
  label: string;
  hint: string;
  /** The server's path of the setting's value, e.g. `recording.allowed.value`. */
  path: string;
}

export const SETTING_INFO: Record<SettingKey, SettingInfo> = {
  e2ee: {
    label: 'End-to-end encryption',
    hint: 'Whether hosts may turn encryption off for a meeting.',
    path: 'e2ee.value',
  },
  guests: {
    label: 'Guests',
    hint: 'People without an account, admitted by a host from the lobby.',
    path: 'guests.value',
  },
  allowed: {
    label: 'Who may record',
    hint: 'Recordings are made and encrypted in the recorder’s browser.',
    path: 'recording.allowed.value',
  },
  consent: {
    label: 'Recording consent',
    hint: 'How participants agree to a recording.',
    path: 'recording.consent.value',
  },
  audioOnly: {
    label: 'Recording format',
    hint: 'Audio-only recordings leave video out entirely.',
    path: 'recording.audioOnly.value',
  },
  escrow: {
    label: 'Compliance escrow',
    hint: 'Wrap every recording to the organisation’s compliance keys as well.',
    path: 'recording.escrow.value',
  },
  retentionDays: {
    label: 'Delete recordings after (days)',
    hint: 'Empty: keep recordings until someone deletes them.',
    path: 'recording.retentionDays.value',
  },
  minRetentionDays: {
    label: 'Keep recordings at least (days)',
    hint: 'Deleting a recording is refused before this. Empty: no minimum.',
    path: 'recording.minRetentionDays.value',
  },
};

export const OPTION_LABELS: Record<EnumSetting, Record<string, string>> = {
  e2ee: {
    required: 'Required for every meeting',
    'default-on': 'On by default, hosts may turn it off',
  },
  guests: { forbidden: 'Not allowed', lobby: 'Allowed through the lobby' },
  allowed: { off: 'Nobody (recording off)', hosts: 'Hosts only', everyone: 'Any participant' },
  consent: {
    explicit: 'Each participant accepts or declines',
    notify: 'Participants are told and acknowledge',
  },
  audioOnly: { allowed: 'Video or audio only', required: 'Audio only' },
  escrow: { none: 'No escrow', compliance: 'Escrow to compliance keys' },
};

export const ENUM_VALUES: Record<EnumSetting, readonly string[]> = {
  e2ee: ['required', 'default-on'],
  guests: POLICY_ORDER.guests,
  allowed: POLICY_ORDER['recording.allowed'],
  consent: POLICY_ORDER['recording.consent'],
  audioOnly: POLICY_ORDER['recording.audioOnly'],
  escrow: POLICY_ORDER['recording.escrow'],
};

export const RECORDING_SETTINGS = [
  'allowed',
  'consent',
  'audioOnly',
  'escrow',
  'retentionDays',
  'minRetentionDays',
] as const;
export type RecordingSetting = (typeof RECORDING_SETTINGS)[number];

/** The org policy form: enum values as they are, days as text (empty = none), a lock each. */
export type PolicyFormState = Record<SettingKey, { value: string; locked: boolean }>;

export function settingOf(
  policy: OrgPolicy,
  key: SettingKey,
): { value: string | number | null; locked: boolean } {
  return key === 'e2ee' || key === 'guests' ? policy[key] : policy.recording[key];
}

export function formFromPolicy(policy: OrgPolicy): PolicyFormState {
  const keys = Object.keys(SETTING_INFO) as SettingKey[];
  return Object.fromEntries(
    keys.map((key) => {
      const { value, locked } = settingOf(policy, key);
      return [key, { value: value === null ? '' : String(value), locked }];
    }),
  ) as PolicyFormState;
}

export type PolicyFormErrors = Partial<Record<SettingKey | 'form', string>>;

function parseDays(text: string, min: number): number | null | string {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^\d{1,5}$/.test(trimmed)) return 'Write a whole number of days, or leave it empty.';
  const days = Number(trimmed);
  if (days < min) return `At least ${min} day${min === 1 ? '' : 's'}, or leave it empty.`;
  if (days > 36_500) return 'At most 36500 days (100 years).';
  return days;
}

/** The PUT body, or the errors to show next to the fields. */
export function policyFromForm(
  form: PolicyFormState,
): { policy: OrgPolicy } | { errors: PolicyFormErrors } {
  const errors: PolicyFormErrors = {};
  const retention = parseDays(form.retentionDays.value, 1);
  const minimum = parseDays(form.minRetentionDays.value, 0);
  if (typeof retention === 'string') errors.retentionDays = retention;
  if (typeof minimum === 'string') errors.minRetentionDays = minimum;
  if (typeof retention === 'number' && typeof minimum === 'number' && minimum > retention) {
    errors.minRetentionDays = `Cannot be longer than the deletion period (${retention} days).`;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const pick = <T>(key: SettingKey) => ({
    value: form[key].value as T,
    locked: form[key].locked,
  });
  return {
    policy: {
      e2ee: pick<OrgPolicy['e2ee']['value']>('e2ee'),
      guests: pick<OrgPolicy['guests']['value']>('guests'),
      recording: {
        allowed: pick<OrgPolicy['recording']['allowed']['value']>('allowed'),
        consent: pick<OrgPolicy['recording']['consent']['value']>('consent'),
        audioOnly: pick<OrgPolicy['recording']['audioOnly']['value']>('audioOnly'),
        escrow: pick<OrgPolicy['recording']['escrow']['value']>('escrow'),
        retentionDays: { value: retention as number | null, locked: form.retentionDays.locked },
        minRetentionDays: {
          value: minimum as number | null,
          locked: form.minRetentionDays.locked,
        },
      },
    },
  };
}

/** The server's field errors (`recording.allowed.value`) on the form's settings. */
export function policyErrorsFromServer(fieldErrors: Record<string, string>): PolicyFormErrors {
  const errors: PolicyFormErrors = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    const key = (Object.keys(SETTING_INFO) as SettingKey[]).find(
      (k) =>
        path === SETTING_INFO[k].path ||
        path.startsWith(SETTING_INFO[k].path.replace(/\.value$/, '.')),
    );
    const target = key ?? 'form';
    errors[target] = errors[target] ? `${errors[target]} ${message}` : message;
  }
  return errors;
}

/** The meeting form's recording part: '' follows the org. */
export type MeetingPolicyFormState = Record<RecordingSetting, string>;

export const EMPTY_MEETING_POLICY: MeetingPolicyFormState = {
  allowed: '',
  consent: '',
  audioOnly: '',
  escrow: '',
  retentionDays: '',
  minRetentionDays: '',
};

export function meetingPolicyFormFrom(overrides: MeetingPolicyOverrides): MeetingPolicyFormState {
  const r = overrides.recording ?? {};
  const text = (value: string | number | null | undefined) =>
    value === null || value === undefined ? '' : String(value);
  return {
    allowed: text(r.allowed),
    consent: text(r.consent),
    audioOnly: text(r.audioOnly),
    escrow: text(r.escrow),
    retentionDays: text(r.retentionDays),
    minRetentionDays: text(r.minRetentionDays),
  };
}

/** The overrides the form describes (the server checks them against the org's policy). */
export function overridesFromMeetingForm(form: MeetingPolicyFormState): MeetingPolicyOverrides {
  const recording: NonNullable<MeetingPolicyOverrides['recording']> = {};
  if (form.allowed) recording.allowed = form.allowed as 'off';
  if (form.consent) recording.consent = form.consent as 'explicit';
  if (form.audioOnly) recording.audioOnly = form.audioOnly as 'required';
  if (form.escrow) recording.escrow = form.escrow as 'compliance';
  if (/^\d+$/.test(form.retentionDays.trim())) recording.retentionDays = Number(form.retentionDays);
  if (/^\d+$/.test(form.minRetentionDays.trim()))
    recording.minRetentionDays = Number(form.minRetentionDays);
  return Object.keys(recording).length === 0 ? {} : { recording };
}

export function meetingPolicyFormErrors(
  form: MeetingPolicyFormState,
): Partial<Record<RecordingSetting, string>> {
  const errors: Partial<Record<RecordingSetting, string>> = {};
  for (const key of ['retentionDays', 'minRetentionDays'] as const) {
    const parsed = parseDays(form[key], key === 'retentionDays' ? 1 : 0);
    if (typeof parsed === 'string') errors[key] = parsed;
  }
  return errors;
}

export interface MeetingChoice {
  value: string;
  label: string;
}

/**
 * What a host may pick for an ordered recording setting: "follow the org" and each value
 * tighter than the org's. A locked setting offers nothing (the field is shown disabled).
 */
export function meetingChoices(
  org: OrgPolicy,
  key: Exclude<RecordingSetting, DaysSetting>,
): { locked: boolean; orgValue: string; choices: MeetingChoice[] } {
  const setting = org.recording[key];
  const order = ENUM_VALUES[key];
  const tighter = order.slice(0, order.indexOf(setting.value));
  return {
    locked: setting.locked,
    orgValue: setting.value,
    choices: [
      {
        value: '',
        label: `As the organisation: ${OPTION_LABELS[key][setting.value] ?? setting.value}`,
      },
      ...tighter.map((value) => ({ value, label: OPTION_LABELS[key][value] ?? value })),
    ],
  };
}

/** The effective policy in plain words, one line per topic, for the meeting page. */
export function describeEffectivePolicy(effective: EffectivePolicy): string[] {
  const lines = [
    effective.e2ee
      ? 'Media and chat are end-to-end encrypted.'
      : 'This meeting is not end-to-end encrypted.',
    effective.guests === 'lobby'
      ? 'Guests may ask to join through the lobby.'
      : 'Guests cannot join: members only.',
    describeRecordingPolicy(effective),
  ];
  const retention = describeRetention(effective);
  if (effective.recording.allowed !== 'off' && retention) lines.push(retention);
  return lines;
}

/** Settings a meeting tightened or the org locked, for a short note under the description. */
export function policySourceNote(effective: EffectivePolicy): string | null {
  const sources = effective.sources ?? {};
  const locked = Object.entries(sources).filter(([, s]) => s === 'locked').length;
  const tightened = Object.entries(sources).filter(([, s]) => s === 'meeting').length;
  const parts: string[] = [];
  if (tightened > 0)
    parts.push(`${tightened} setting${tightened === 1 ? '' : 's'} tightened for this meeting`);
  if (locked > 0)
    parts.push(`${locked} setting${locked === 1 ? '' : 's'} locked by the organisation`);
  return parts.length === 0 ? null : `${parts.join('; ')}.`;
}
