import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ORG_POLICY,
  POLICY_ORDER,
  POLICY_SETTINGS,
  describeRecordingPolicy,
  describeRetention,
  orgPolicySchema,
  type MeetingPolicyOverrides,
  type OrgPolicy,
} from '@conclave/contracts';
import { computeEffectivePolicy, isLooser, tighter } from './effective-policy';

const MEETING = { e2ee: true, guests: 'lobby' as const };

function org(change: (policy: OrgPolicy) => void = () => {}): OrgPolicy {
  const policy = structuredClone(DEFAULT_ORG_POLICY);
  change(policy);
  return policy;
}

describe('computeEffectivePolicy', () => {
  it('gives the org defaults to a meeting that tightens nothing', () => {
    const effective = computeEffectivePolicy(DEFAULT_ORG_POLICY, {}, MEETING);
    expect(effective).toMatchObject({
      e2ee: true,
      guests: 'lobby',
      recording: {
        allowed: 'hosts',
        consent: 'explicit',
        audioOnly: 'allowed',
        escrow: 'none',
        retentionDays: null,
        minRetentionDays: null,
      },
    });
    for (const setting of POLICY_SETTINGS) expect(effective.sources?.[setting]).toBe('org');
  });

  it('applies every tighter meeting value and names the meeting as its source', () => {
    const policy = org((p) => {
      p.recording.allowed.value = 'everyone';
      p.recording.consent.value = 'notify';
      p.recording.retentionDays.value = 90;
      p.recording.minRetentionDays.value = 7;
    });
    const overrides: MeetingPolicyOverrides = {
      recording: {
        allowed: 'off',
        consent: 'explicit',
        audioOnly: 'required',
        escrow: 'compliance',
        retentionDays: 30,
        minRetentionDays: 14,
      },
    };
    const effective = computeEffectivePolicy(policy, overrides, {
      e2ee: true,
      guests: 'forbidden',
    });
    expect(effective.guests).toBe('forbidden');
    expect(effective.recording).toEqual({
      allowed: 'off',
      consent: 'explicit',
      audioOnly: 'required',
      escrow: 'compliance',
      retentionDays: 30,
      minRetentionDays: 14,
    });
    for (const setting of POLICY_SETTINGS.filter((s) => s !== 'e2ee')) {
      expect(effective.sources?.[setting], setting).toBe('meeting');
    }
  });

  it('ignores looser meeting values (a later org change tightens an existing meeting)', () => {
    const overrides: MeetingPolicyOverrides = {
      recording: { allowed: 'everyone', consent: 'notify', retentionDays: 365 },
    };
    const tightenedOrg = org((p) => {
      p.recording.allowed.value = 'off';
      p.recording.retentionDays.value = 30;
      p.recording.minRetentionDays.value = 10;
      p.guests.value = 'forbidden';
    });
    const effective = computeEffectivePolicy(
      tightenedOrg,
      { ...overrides, recording: { ...overrides.recording, minRetentionDays: 5 } },
      MEETING,
    );
    expect(effective.recording.allowed).toBe('off');
    expect(effective.recording.consent).toBe('explicit');
    expect(effective.recording.retentionDays).toBe(30);
    expect(effective.recording.minRetentionDays).toBe(10);
    expect(effective.guests).toBe('forbidden');
    expect(effective.sources?.['recording.allowed']).toBe('org');
  });

  it('e2ee: required or locked forces it on; unlocked default-on lets the meeting turn it off', () => {
    const off = { e2ee: false, guests: 'lobby' as const };
    expect(computeEffectivePolicy(DEFAULT_ORG_POLICY, {}, off).e2ee).toBe(false);
    expect(computeEffectivePolicy(DEFAULT_ORG_POLICY, {}, off).sources?.e2ee).toBe('meeting');
    const required = org((p) => (p.e2ee.value = 'required'));
    expect(computeEffectivePolicy(required, {}, off).e2ee).toBe(true);
    const locked = org((p) => (p.e2ee.locked = true));
    const effective = computeEffectivePolicy(locked, {}, off);
    expect(effective.e2ee).toBe(true);
    expect(effective.sources?.e2ee).toBe('locked');
  });

  it('marks locked settings as locked, and a lock never loosens a meeting tightened before it', () => {
    const locked = org((p) => {
      p.recording.allowed = { value: 'everyone', locked: true };
      p.guests = { value: 'lobby', locked: true };
    });
    const plain = computeEffectivePolicy(locked, {}, MEETING);
    expect(plain.sources?.['recording.allowed']).toBe('locked');
    expect(plain.sources?.guests).toBe('locked');
    const earlier = computeEffectivePolicy(
      locked,
      { recording: { allowed: 'hosts' } },
      { e2ee: true, guests: 'forbidden' },
    );
    expect(earlier.recording.allowed).toBe('hosts');
    expect(earlier.guests).toBe('forbidden');
  });

  it('resolves a retention conflict in favour of the org (possible after a later org change)', () => {
    // The meeting kept recordings at least 60 days when the org had no retention; the org now
    // deletes after 30 days with a minimum of 20.
    const policy = org((p) => {
      p.recording.retentionDays.value = 30;
      p.recording.minRetentionDays.value = 20;
    });
    const effective = computeEffectivePolicy(
      policy,
      { recording: { minRetentionDays: 60 } },
      MEETING,
    );
    expect(effective.recording.retentionDays).toBe(30);
    expect(effective.recording.minRetentionDays).toBe(30);
    // The meeting deletes after 10 days; the org now keeps at least 20.
    const other = computeEffectivePolicy(policy, { recording: { retentionDays: 10 } }, MEETING);
    expect(other.recording.retentionDays).toBe(20);
    expect(other.recording.minRetentionDays).toBe(20);
  });
});

describe('tighter and isLooser', () => {
  it('order every ordered setting tightest first', () => {
    expect(tighter('recording.allowed', 'hosts', 'off')).toBe('off');
    expect(tighter('recording.allowed', 'everyone', 'hosts')).toBe('hosts');
    expect(tighter('recording.consent', 'notify', 'explicit')).toBe('explicit');
    expect(tighter('recording.audioOnly', 'allowed', 'required')).toBe('required');
    expect(tighter('recording.escrow', 'none', 'compliance')).toBe('compliance');
    expect(tighter('guests', 'lobby', 'forbidden')).toBe('forbidden');
    expect(isLooser('recording.allowed', 'everyone', 'hosts')).toBe(true);
    expect(isLooser('recording.allowed', 'off', 'hosts')).toBe(false);
    expect(isLooser('recording.allowed', 'hosts', 'hosts')).toBe(false);
  });
});

const settingArb = <T>(values: fc.Arbitrary<T>) =>
  fc.record({ value: values, locked: fc.boolean() });
const days = fc.option(fc.integer({ min: 1, max: 3650 }), { nil: null });
const orgArb: fc.Arbitrary<OrgPolicy> = fc
  .record({
    e2ee: settingArb(fc.constantFrom('required' as const, 'default-on' as const)),
    guests: settingArb(fc.constantFrom(...POLICY_ORDER.guests)),
    recording: fc.record({
      allowed: settingArb(fc.constantFrom(...POLICY_ORDER['recording.allowed'])),
      consent: settingArb(fc.constantFrom(...POLICY_ORDER['recording.consent'])),
      audioOnly: settingArb(fc.constantFrom(...POLICY_ORDER['recording.audioOnly'])),
      escrow: settingArb(fc.constantFrom(...POLICY_ORDER['recording.escrow'])),
      retentionDays: settingArb(days),
      minRetentionDays: settingArb(days),
    }),
  })
  .filter((p) => orgPolicySchema.safeParse(p).success);
const overridesArb: fc.Arbitrary<MeetingPolicyOverrides> = fc.record({
  recording: fc.record(
    {
      allowed: fc.constantFrom(null, ...POLICY_ORDER['recording.allowed']),
      consent: fc.constantFrom(null, ...POLICY_ORDER['recording.consent']),
      audioOnly: fc.constantFrom(null, ...POLICY_ORDER['recording.audioOnly']),
      escrow: fc.constantFrom(null, ...POLICY_ORDER['recording.escrow']),
      retentionDays: days,
      minRetentionDays: days,
    },
    { requiredKeys: [] },
  ),
});
const meetingArb = fc.record({
  e2ee: fc.boolean(),
  guests: fc.constantFrom(...POLICY_ORDER.guests),
});

describe('computeEffectivePolicy, for any org, meeting and overrides', () => {
  it('is never looser than the org, and keeps retention consistent', () => {
    fc.assert(
      fc.property(orgArb, overridesArb, meetingArb, (policy, overrides, meeting) => {
        const effective = computeEffectivePolicy(policy, overrides, meeting);
        const rec = policy.recording;
        if (policy.e2ee.value === 'required' || policy.e2ee.locked)
          expect(effective.e2ee).toBe(true);
        expect(isLooser('guests', effective.guests, policy.guests.value)).toBe(false);
        expect(isLooser('recording.allowed', effective.recording.allowed, rec.allowed.value)).toBe(
          false,
        );
        expect(isLooser('recording.consent', effective.recording.consent, rec.consent.value)).toBe(
          false,
        );
        expect(
          isLooser('recording.audioOnly', effective.recording.audioOnly, rec.audioOnly.value),
        ).toBe(false);
        expect(isLooser('recording.escrow', effective.recording.escrow, rec.escrow.value)).toBe(
          false,
        );
        if (rec.retentionDays.value !== null) {
          expect(effective.recording.retentionDays).not.toBeNull();
          expect(effective.recording.retentionDays).toBeLessThanOrEqual(rec.retentionDays.value);
        }
        if (rec.minRetentionDays.value !== null) {
          expect(effective.recording.minRetentionDays).toBeGreaterThanOrEqual(
            rec.minRetentionDays.value,
          );
        }
        const { retentionDays, minRetentionDays } = effective.recording;
        if (retentionDays !== null && minRetentionDays !== null) {
          expect(minRetentionDays).toBeLessThanOrEqual(retentionDays);
        }
        for (const setting of POLICY_SETTINGS) expect(effective.sources?.[setting]).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('is the org policy itself when the meeting tightens nothing', () => {
    fc.assert(
      fc.property(orgArb, (policy) => {
        const effective = computeEffectivePolicy(policy, {}, { e2ee: true, guests: 'lobby' });
        expect(effective.recording.allowed).toBe(policy.recording.allowed.value);
        expect(effective.recording.retentionDays).toBe(policy.recording.retentionDays.value);
        expect(effective.recording.minRetentionDays).toBe(policy.recording.minRetentionDays.value);
        expect(effective.guests).toBe(policy.guests.value);
      }),
    );
  });
});

describe('describeRecordingPolicy', () => {
  const base = computeEffectivePolicy(DEFAULT_ORG_POLICY, {}, MEETING);
  const withRecording = (recording: Partial<typeof base.recording>) => ({
    recording: { ...base.recording, ...recording },
  });

  it('says who may record and how consent is asked', () => {
    expect(describeRecordingPolicy(base)).toBe(
      'This meeting may be recorded by hosts; you will be asked to consent, and if you decline you are left out of the recording.',
    );
    expect(describeRecordingPolicy(withRecording({ allowed: 'everyone', consent: 'notify' }))).toBe(
      'This meeting may be recorded by any participant; you will be told when a recording starts.',
    );
    expect(describeRecordingPolicy(withRecording({ allowed: 'off' }))).toBe(
      'This meeting cannot be recorded.',
    );
    expect(describeRecordingPolicy(withRecording({ audioOnly: 'required' }))).toContain(
      'recorded by hosts (audio only)',
    );
    expect(describeRecordingPolicy(withRecording({ escrow: 'compliance' }))).toContain(
      'compliance officers',
    );
  });

  it('describes retention only when there is a limit', () => {
    expect(describeRetention(base)).toBeNull();
    expect(describeRetention(withRecording({ retentionDays: 30, minRetentionDays: 1 }))).toBe(
      'Recordings are deleted after 30 days and kept at least 1 day.',
    );
    expect(describeRetention(withRecording({ minRetentionDays: 0 }))).toBeNull();
  });
});
