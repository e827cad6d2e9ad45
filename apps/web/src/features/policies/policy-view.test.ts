import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_POLICY, type EffectivePolicy, type OrgPolicy } from '@conclave/contracts';
import {
  EMPTY_MEETING_POLICY,
  describeEffectivePolicy,
  formFromPolicy,
  meetingChoices,
  meetingPolicyFormErrors,
  meetingPolicyFormFrom,
  overridesFromMeetingForm,
  policyErrorsFromServer,
  policyFromForm,
  policySourceNote,
} from './policy-view';

function org(change: (p: OrgPolicy) => void = () => {}): OrgPolicy {
  const p = structuredClone(DEFAULT_ORG_POLICY);
  change(p);
  return p;
}

describe('the org policy form', () => {
  it('round-trips a policy, days as text and empty for none', () => {
    const policy = org((p) => {
      p.recording.retentionDays = { value: 30, locked: true };
      p.recording.allowed = { value: 'off', locked: true };
    });
    const form = formFromPolicy(policy);
    expect(form.retentionDays).toEqual({ value: '30', locked: true });
    expect(form.minRetentionDays).toEqual({ value: '', locked: false });
    expect(policyFromForm(form)).toEqual({ policy });
  });

  it('catches bad days and a minimum above the retention before asking the server', () => {
    const form = formFromPolicy(DEFAULT_ORG_POLICY);
    form.retentionDays.value = 'ten';
    expect(policyFromForm(form)).toEqual({
      errors: { retentionDays: 'Write a whole number of days, or leave it empty.' },
    });
    form.retentionDays.value = '10';
    form.minRetentionDays.value = '20';
    expect(policyFromForm(form)).toEqual({
      errors: { minRetentionDays: 'Cannot be longer than the deletion period (10 days).' },
    });
    form.retentionDays.value = '0';
    form.minRetentionDays.value = '';
    expect(policyFromForm(form)).toEqual({
      errors: { retentionDays: 'At least 1 day, or leave it empty.' },
    });
  });

  it('puts the server’s field errors on their settings', () => {
    expect(
      policyErrorsFromServer({
        'recording.escrow.value': 'no compliance keys',
        'recording.allowed.locked': 'is required',
        e2ee: 'bad',
      }),
    ).toEqual({ escrow: 'no compliance keys', allowed: 'is required', form: 'bad' });
  });
});

describe('the meeting form’s recording settings', () => {
  it('offers only tighter values, and nothing for a locked setting', () => {
    const policy = org((p) => {
      p.recording.allowed.value = 'everyone';
      p.recording.consent = { value: 'notify', locked: true };
    });
    expect(meetingChoices(policy, 'allowed').choices.map((c) => c.value)).toEqual([
      '',
      'off',
      'hosts',
    ]);
    expect(meetingChoices(policy, 'consent')).toMatchObject({ locked: true });
    expect(meetingChoices(policy, 'audioOnly').choices.map((c) => c.value)).toEqual([
      '',
      'required',
    ]);
    expect(meetingChoices(org(), 'allowed').choices.map((c) => c.value)).toEqual(['', 'off']);
  });

  it('turns the form into overrides and back', () => {
    const overrides = { recording: { allowed: 'off' as const, retentionDays: 7 } };
    const form = meetingPolicyFormFrom(overrides);
    expect(form).toEqual({ ...EMPTY_MEETING_POLICY, allowed: 'off', retentionDays: '7' });
    expect(overridesFromMeetingForm(form)).toEqual(overrides);
    expect(overridesFromMeetingForm(EMPTY_MEETING_POLICY)).toEqual({});
    expect(meetingPolicyFormErrors({ ...EMPTY_MEETING_POLICY, minRetentionDays: '-1' })).toEqual({
      minRetentionDays: 'Write a whole number of days, or leave it empty.',
    });
  });
});

describe('the effective policy in words', () => {
  const effective: EffectivePolicy = {
    e2ee: true,
    guests: 'forbidden',
    recording: {
      allowed: 'hosts',
      consent: 'explicit',
      audioOnly: 'allowed',
      escrow: 'none',
      retentionDays: 30,
      minRetentionDays: null,
    },
    sources: {
      e2ee: 'org',
      guests: 'meeting',
      'recording.allowed': 'locked',
      'recording.consent': 'org',
      'recording.audioOnly': 'org',
      'recording.escrow': 'org',
      'recording.retentionDays': 'org',
      'recording.minRetentionDays': 'org',
    },
  };

  it('says what applies, one line per topic', () => {
    expect(describeEffectivePolicy(effective)).toEqual([
      'Media and chat are end-to-end encrypted.',
      'Guests cannot join: members only.',
      'This meeting may be recorded by hosts; you will be asked to consent, and if you decline you are left out of the recording.',
      'Recordings are deleted after 30 days.',
    ]);
    expect(policySourceNote(effective)).toBe(
      '1 setting tightened for this meeting; 1 setting locked by the organisation.',
    );
  });
});
