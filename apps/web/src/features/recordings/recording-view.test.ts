import type { RecordingSummary } from '@conclave/contracts';
import { describe, expect, it } from 'vitest';
import { mediaSourceTypes } from './media-sinks';
import {
  deletionHint,
  formatBytes,
  formatDuration,
  percent,
  recordingRow,
  whoCanOpen,
} from './recording-view';

function summary(overrides: Partial<RecordingSummary> = {}): RecordingSummary {
  return {
    id: '6b0c1a52-6a0e-4a37-9b65-0d0f5b1f3a11',
    orgId: 'o',
    meetingId: 'm',
    occurrence: null,
    meetingTitle: 'Board meeting',
    recorder: { userId: 'u1', name: 'Rita Recorder' },
    mode: 'video',
    mimeType: 'video/webm;codecs=vp8,opus',
    state: 'complete',
    consent: 'explicit',
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T11:02:03.000Z',
    durationMs: 3_723_000,
    sizeBytes: 1_150_000_000,
    consentCount: 3,
    declinedCount: 1,
    canOpen: true,
    canShare: false,
    canDelete: true,
    deletableFrom: null,
    expiresAt: null,
    ...overrides,
  };
}

describe('recordingRow', () => {
  it('shows what the list promises: meeting, duration, size, recorder, state, consent, access', () => {
    expect(recordingRow(summary())).toMatchObject({
      meetingTitle: 'Board meeting',
      duration: '1:02:03',
      size: '1.1 GB',
      recorder: 'Rita Recorder',
      stateLabel: 'Complete',
      consent: 'Explicit consent (3 accepted, 1 declined)',
      access: 'You can open it',
      canOpen: true,
    });
  });

  it('says ended early, notify-only consent and no access in words', () => {
    const row = recordingRow(
      summary({ state: 'ended_early', consent: 'notify', declinedCount: 0, canOpen: false }),
    );
    expect(row.stateLabel).toBe('Ended early');
    expect(row.consent).toBe('Participants notified (3 acknowledged)');
    expect(row.access).toMatch(/^Not shared with you/);
    expect(row.canOpen).toBe(false);
  });

  it('has nothing to open while requested, and says a running recording is in progress', () => {
    expect(recordingRow(summary({ state: 'requested' })).canOpen).toBe(false);
    expect(recordingRow(summary({ state: 'recording', durationMs: null })).duration).toBe(
      'In progress',
    );
  });
});

describe('formatting', () => {
  it('formats durations and sizes', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(9_400)).toBe('0:09');
    expect(formatDuration(600_000)).toBe('10:00');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3_800_000)).toBe('3.6 MB');
    expect(percent({ receivedBytes: 50, totalBytes: 200, plaintextBytes: 0, chunks: 0 })).toBe(25);
    expect(percent({ receivedBytes: 50, totalBytes: null, plaintextBytes: 0, chunks: 0 })).toBe(
      null,
    );
  });
});

describe('whoCanOpen', () => {
  it('names people with their role and counts compliance keys', () => {
    expect(
      whoCanOpen({
        recipients: [
          { keyId: 'a', kind: 'recorder', userId: 'u1', name: 'Rita' },
          { keyId: 'b', kind: 'host', userId: 'u2', name: 'Hana' },
          { keyId: 'c', kind: 'compliance', userId: null, name: null },
          { keyId: 'd', kind: 'shared', userId: 'u3', name: 'Ben' },
        ],
      }),
    ).toEqual(['Rita (recorder)', 'Hana (host)', 'Ben (shared)', '1 compliance key']);
  });
});

describe('deletionHint', () => {
  it('explains the retention minimum before the server refuses', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    expect(deletionHint(summary({ deletableFrom: '2026-12-31T00:00:00.000Z' }), now)).toMatch(
      /at least until 2026-12-31/,
    );
    expect(deletionHint(summary({ deletableFrom: '2026-12-01T00:00:00.000Z' }), now)).toBeNull();
    expect(
      deletionHint(summary({ canDelete: false, deletableFrom: '2026-12-31T00:00:00.000Z' }), now),
    ).toBeNull();
  });
});

describe('mediaSourceTypes', () => {
  it('turns MediaRecorder MIME types into what MediaSource.isTypeSupported expects', () => {
    expect(mediaSourceTypes('video/webm;codecs=vp8,opus')[0]).toBe(
      'video/webm; codecs="vp8, opus"',
    );
    expect(mediaSourceTypes('video/webm; codecs="vp9,opus"')[0]).toBe(
      'video/webm; codecs="vp9, opus"',
    );
    expect(mediaSourceTypes('audio/webm;codecs=opus')).toEqual(['audio/webm; codecs="opus"']);
    expect(mediaSourceTypes('video/webm')).toContain('video/webm; codecs="vp8, opus"');
  });
});
