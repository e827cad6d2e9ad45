import { checkRecordingAgainstSeal, isCryptoError } from '@conclave/crypto';
import type { RecordingDetail, RecordingState, RecordingSummary } from '@conclave/contracts';
import {
  describeDecryptFailure,
  type DecryptOutcome,
  type DecryptProgress,
} from './decrypt-stream';
import type { OpenedEnvelope } from './recording-trust';

/** View models of the recordings library: what a person reads, framework-free. */

export const STATE_LABELS: Record<RecordingState, string> = {
  requested: 'Requested',
  recording: 'Recording',
  complete: 'Complete',
  ended_early: 'Ended early',
};

export function formatDuration(ms: number | null): string {
  if (ms === null || ms < 0) return '—';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export interface RecordingRow {
  id: string;
  meetingTitle: string;
  /** The occurrence's date for recurring meetings, else null. */
  occurrence: string | null;
  startedAt: string | null;
  duration: string;
  size: string;
  recorder: string;
  state: RecordingState;
  stateLabel: string;
  consent: string;
  access: string;
  canOpen: boolean;
}

export function recordingRow(summary: RecordingSummary): RecordingRow {
  const consent =
    summary.consent === 'explicit'
      ? `Explicit consent (${summary.consentCount} accepted${summary.declinedCount > 0 ? `, ${summary.declinedCount} declined` : ''})`
      : `Participants notified (${summary.consentCount} acknowledged)`;
  return {
    id: summary.id,
    meetingTitle: summary.meetingTitle,
    occurrence: summary.occurrence,
    startedAt: summary.startedAt,
    duration:
      summary.state === 'recording' && summary.durationMs === null
        ? 'In progress'
        : formatDuration(summary.durationMs),
    size: formatBytes(summary.sizeBytes),
    recorder: summary.recorder.name,
    state: summary.state,
    stateLabel: STATE_LABELS[summary.state],
    consent,
    access: summary.canOpen
      ? 'You can open it'
      : 'Not shared with you (recorder, hosts and people they share it with)',
    canOpen: summary.canOpen && summary.state !== 'requested',
  };
}

/** Who holds a key to the recording, in words, from the detail's recipients and shares. */
export function whoCanOpen(detail: Pick<RecordingDetail, 'recipients'>): string[] {
  const kinds = { recorder: 'recorder', host: 'host', shared: 'shared', compliance: '' } as const;
  const people = detail.recipients
    .filter((r) => r.kind !== 'compliance')
    .map((r) => `${r.name ?? 'Unknown key'} (${kinds[r.kind]})`);
  const compliance = detail.recipients.filter((r) => r.kind === 'compliance').length;
  if (compliance > 0) people.push(`${compliance} compliance key${compliance === 1 ? '' : 's'}`);
  return people;
}

/** Whether deletion is refused for now, and why, before asking the server. */
export function deletionHint(summary: RecordingSummary, now: Date): string | null {
  if (!summary.canDelete) return null;
  if (summary.deletableFrom && new Date(summary.deletableFrom) > now) {
    return `Your organisation keeps recordings at least until ${summary.deletableFrom.slice(0, 10)}; it can be deleted from then on.`;
  }
  return null;
}

export type VerdictTone = 'success' | 'warning' | 'error' | 'info';

export interface Verdict {
  tone: VerdictTone;
  title: string;
  detail: string;
}

function consents(opened: OpenedEnvelope): string {
  const n = opened.acceptedConsents;
  const declined =
    opened.declinedConsents > 0 ? `, ${opened.declinedConsents} declined (left out)` : '';
  return `${n} consent${n === 1 ? '' : 's'}${declined}`;
}

/**
 * What the player says about authenticity: the recorder's seal checked against what was
 * actually decrypted (chunk count, byte counts, and the plaintext SHA-256 when computed).
 */
export function playbackVerdict(input: {
  opened: OpenedEnvelope;
  outcome: DecryptOutcome | null;
  progress: DecryptProgress | null;
}): Verdict {
  const { opened, outcome } = input;
  const by = `recorded by ${opened.recorder.name}`;
  if (opened.recorder.keyChanged) {
    return {
      tone: 'warning',
      title: `Recorder’s key changed: ${opened.recorder.name}`,
      detail:
        'The key directory now shows a different key for the recorder than this browser pinned. The recording was checked against the pinned key; confirm the change on the Key directory page.',
    };
  }
  if (outcome === null || outcome.status === 'aborted') {
    const seen = input.progress ? `${input.progress.chunks} chunks decrypted so far. ` : '';
    return {
      tone: 'info',
      title: `Checking… ${by}, ${consents(opened)}`,
      detail: `${seen}The envelope’s signature is valid; the content is checked against the recorder’s seal as it decrypts.`,
    };
  }
  if (outcome.status === 'failed') {
    return { tone: 'error', title: 'Not verified', detail: describeDecryptFailure(outcome) };
  }
  if (opened.seal.status === 'invalid') {
    return {
      tone: 'error',
      title: 'Bad seal',
      detail: `The recorder’s seal does not verify (${opened.seal.message}). Do not rely on this recording being what ${opened.recorder.name} recorded.`,
    };
  }
  if (opened.seal.status === 'none') {
    return {
      tone: 'warning',
      title: `Ended early: ${by}, ${consents(opened)}`,
      detail:
        outcome.status === 'truncated'
          ? 'The recording was never sealed (the recorder left or the upload stopped). It plays to where it stops; what plays is authentic.'
          : 'The recording is complete but the recorder never sent its seal.',
    };
  }
  try {
    checkRecordingAgainstSeal(opened.seal.seal, outcome.result, { ignoreMissingDigests: true });
  } catch (caught) {
    const reason = isCryptoError(caught) ? caught.message.replace(/^[^:]+: /, '') : 'mismatch';
    return {
      tone: 'error',
      title: outcome.status === 'truncated' ? 'Truncated recording' : 'Does not match the seal',
      detail: `What was decrypted differs from what ${opened.recorder.name} sealed: ${reason}. What played is authentic up to there.`,
    };
  }
  return {
    tone: 'success',
    title: `Verified: ${by}, ${consents(opened)}`,
    detail:
      outcome.result.plaintextSha256 !== undefined
        ? 'Every chunk decrypted, and the content’s SHA-256 and size match the recorder’s signed seal.'
        : 'Every chunk decrypted, and the chunk and byte counts match the recorder’s signed seal.',
  };
}

/** Percent of a transfer, when the total is known. */
export function percent(progress: DecryptProgress | null): number | null {
  if (!progress?.totalBytes) return null;
  return Math.min(100, Math.floor((progress.receivedBytes / progress.totalBytes) * 100));
}
