import { describe, expect, it } from 'vitest';
import { DEFAULT_ORG_POLICY, type OrgPolicy } from '@conclave/contracts';
import { checkMeetingPolicy, type MeetingPolicyState } from './meeting-policy';
import { policyChanges } from './org-policy';

function org(change: (policy: OrgPolicy) => void = () => {}): OrgPolicy {
  const policy = structuredClone(DEFAULT_ORG_POLICY);
  change(policy);
  return policy;
}

const plain: MeetingPolicyState = { e2ee: true, guests: 'lobby', overrides: {} };
const paths = (issues: { path: string }[]) => issues.map((i) => i.path);

describe('checkMeetingPolicy', () => {
  it('accepts tighter values of unlocked settings', () => {
    const policy = org((p) => {
      p.recording.allowed.value = 'everyone';
      p.recording.retentionDays.value = 90;
    });
    expect(
      checkMeetingPolicy(policy, null, {
        e2ee: true,
        guests: 'forbidden',
        overrides: {
          recording: {
            allowed: 'hosts',
            consent: 'explicit',
            audioOnly: 'required',
            retentionDays: 30,
            minRetentionDays: 7,
          },
        },
      }),
    ).toEqual([]);
  });

  it('refuses looser values, naming each setting', () => {
    const policy = org((p) => {
      p.recording.allowed.value = 'off';
      p.recording.consent.value = 'explicit';
      p.recording.retentionDays.value = 30;
      p.recording.minRetentionDays.value = 10;
      p.guests.value = 'forbidden';
      p.e2ee.value = 'required';
    });
    const issues = checkMeetingPolicy(policy, null, {
      e2ee: false,
      guests: 'lobby',
      overrides: {
        recording: { allowed: 'hosts', consent: 'notify', retentionDays: 60, minRetentionDays: 5 },
      },
    });
    expect(paths(issues).sort()).toEqual(
      [
        'body.e2ee',
        'body.guests',
        'body.policy.recording.allowed',
        'body.policy.recording.consent',
        'body.policy.recording.minRetentionDays',
        'body.policy.recording.retentionDays',
      ].sort(),
    );
    expect(issues.find((i) => i.path === 'body.policy.recording.allowed')?.message).toMatch(
      /recording\.allowed cannot be looser than your organisation's policy \(off\)/,
    );
  });

  it('refuses any change to a locked setting, even a tighter one', () => {
    const policy = org((p) => {
      p.recording.allowed = { value: 'everyone', locked: true };
      p.guests = { value: 'lobby', locked: true };
      p.e2ee = { value: 'default-on', locked: true };
    });
    const issues = checkMeetingPolicy(policy, null, {
      e2ee: false,
      guests: 'forbidden',
      overrides: { recording: { allowed: 'hosts' } },
    });
    expect(paths(issues).sort()).toEqual(
      ['body.e2ee', 'body.guests', 'body.policy.recording.allowed'].sort(),
    );
    for (const issue of issues) expect(issue.message).toMatch(/is locked by your organisation/);
  });

  it('lets a meeting keep values it had before a lock or a tightening (unchanged is no change)', () => {
    const policy = org((p) => {
      p.recording.allowed = { value: 'everyone', locked: true };
      p.guests = { value: 'forbidden', locked: true };
    });
    const current: MeetingPolicyState = {
      e2ee: true,
      guests: 'lobby',
      overrides: { recording: { allowed: 'hosts' } },
    };
    expect(checkMeetingPolicy(policy, current, current)).toEqual([]);
    const cleared = checkMeetingPolicy(policy, current, { ...current, overrides: {} });
    expect(paths(cleared)).toEqual(['body.policy.recording.allowed']);
  });

  it('refuses a minimum retention longer than the retention', () => {
    const issues = checkMeetingPolicy(org(), plain, {
      ...plain,
      overrides: { recording: { retentionDays: 10, minRetentionDays: 20 } },
    });
    expect(issues).toEqual([
      {
        path: 'body.policy.recording.minRetentionDays',
        message:
          'recording.minRetentionDays (20 days) cannot be longer than recording.retentionDays (10 days)',
      },
    ]);
  });
});

describe('policyChanges', () => {
  it('lists each changed setting with its old and new value and lock', () => {
    const after = org((p) => {
      p.recording.allowed = { value: 'off', locked: true };
      p.recording.retentionDays.value = 30;
    });
    expect(policyChanges(DEFAULT_ORG_POLICY, after)).toEqual([
      {
        setting: 'recording.allowed',
        from: { value: 'hosts', locked: false },
        to: { value: 'off', locked: true },
      },
      {
        setting: 'recording.retentionDays',
        from: { value: null, locked: false },
        to: { value: 30, locked: false },
      },
    ]);
    expect(policyChanges(after, structuredClone(after))).toEqual([]);
  });
});
