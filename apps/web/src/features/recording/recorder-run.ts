import {
  createRecordingEnvelope,
  generateRecordingKey,
  signRecordingSeal,
  type ConsentStatement,
  type Identity,
  type RecordingEnvelope,
  type RecordingSeal,
  type Signed,
} from '@conclave/crypto';
import type { CreatedRecording, RoomRecording } from '@conclave/contracts';
import { systemClock, type Clock, type TimerHandle } from '../room/clock';
import { EncryptingRecorder, type MediaCapture } from './encrypting-recorder';
import { checkRequiredRecipientKeys, type HostPinCheck } from './recipient-check';
import type { RecordingUpload, UploadProgress } from './recording-upload';
import type { RoomRoster } from './recording-room';

/** The browser's (or a test's) side of recording: the API, media and the upload. */
export interface RecorderPorts {
  self: { userId: string; identity: Identity };
  api: {
    create(input: {
      meetingId: string;
      occurrence: string | null;
      mode: 'video' | 'audio';
      mimeType: string;
    }): Promise<CreatedRecording>;
    putEnvelope(recordingId: string, envelope: Signed<RecordingEnvelope>): Promise<void>;
    seal(recordingId: string, seal: Signed<RecordingSeal>): Promise<void>;
  };
  media: {
    /** What MediaRecorder makes here for the mode; null when this browser cannot record it. */
    mimeTypeFor(mode: 'video' | 'audio'): string | null;
    open(mode: 'video' | 'audio', mimeType: string): MediaPipeline;
  };
  createUpload(recordingId: string): RecordingUpload;
  /** This browser's key pins, for hosts who are not in the room. */
  pinCheck(userId: string, exchangePublicKey: Uint8Array): HostPinCheck;
  /** An ApiError's words (or any error's). */
  describeError(error: unknown): string;
  clock?: Clock;
  flushIntervalMs?: number;
  /** How long to wait for the people present to answer before recording starts anyway. */
  consentWaitMs?: number;
}

/** The composed media of the participants in the recording. */
export interface MediaPipeline {
  capture: MediaCapture;
  /** Exactly these participants' media is in the recording from now on. */
  setIncluded(participantIds: readonly string[]): void;
  dispose(): void;
}

export type RecorderPhase =
  'requesting' | 'waiting-consent' | 'starting' | 'recording' | 'stopping' | 'sealed' | 'failed';

export interface RecorderView {
  phase: RecorderPhase;
  mode: 'video' | 'audio';
  recordingId: string | null;
  /** When capture began (ms since epoch). */
  startedAt: number | null;
  /** When Stop was handled (ms since epoch): capture ends here, whatever the upload takes. */
  stoppedAt: number | null;
  upload: UploadProgress | null;
  /** Why it failed or stopped, in words. */
  error: string | null;
  complianceKeys: number;
  recipientCount: number;
}

export interface RecorderRunOptions {
  ports: RecorderPorts;
  mode: 'video' | 'audio';
  roster: RoomRoster;
  included(): string[];
  consents(): Signed<ConsentStatement>[];
  /** Everyone present answered (or nobody else is here). */
  allDecided(): boolean;
  onRecording(created: CreatedRecording): void;
  onSelfConsent(): void;
  onChange(): void;
  log?: (message: string) => void;
}

export const CONSENT_WAIT_MS = 30_000;

/**
 * One recording, in the recorder's browser: ask the API, check the recipients it names, sign
 * my own consent, wait (briefly) for the others' answers, then seal the key in the envelope,
 * capture, encrypt and upload as it goes; on stop finish the stream, upload the rest and send
 * the signed seal. The recording key exists only here and in the sealed boxes.
 */
export class RecorderRun {
  private phase: RecorderPhase = 'requesting';
  private recordingId: string | null = null;
  private created: CreatedRecording | null = null;
  private recipientKeys: Uint8Array[] = [];
  private complianceKeys = 0;
  private recordingKey: Uint8Array | null = null;
  private pipeline: MediaPipeline | null = null;
  private upload: RecordingUpload | null = null;
  private recorder: EncryptingRecorder | null = null;
  private startedAt: number | null = null;
  private stoppedAt: number | null = null;
  private error: string | null = null;
  private waitTimer: { handle: TimerHandle } | null = null;
  private readonly clock: Clock;

  constructor(private readonly options: RecorderRunOptions) {
    this.clock = options.ports.clock ?? systemClock;
  }

  get active(): boolean {
    return this.phase !== 'sealed' && this.phase !== 'failed';
  }

  view(): RecorderView {
    return {
      phase: this.phase,
      mode: this.options.mode,
      recordingId: this.recordingId,
      startedAt: this.startedAt,
      stoppedAt: this.stoppedAt,
      upload: this.upload?.progress() ?? null,
      error: this.error,
      complianceKeys: this.complianceKeys,
      recipientCount: this.recipientKeys.length,
    };
  }

  async start(): Promise<void> {
    const { ports, roster } = this.options;
    const meetingId = roster.meetingId();
    const mimeType = ports.media.mimeTypeFor(this.options.mode);
    if (!meetingId) return this.fail('The room is not connected yet.');
    if (!mimeType) {
      return this.fail(
        `This browser cannot record ${this.options.mode === 'audio' ? 'audio' : 'video'} (no WebM support in MediaRecorder).`,
      );
    }
    let created: CreatedRecording;
    try {
      created = await ports.api.create({
        meetingId,
        occurrence: roster.occurrenceId(),
        mode: this.options.mode,
        mimeType,
      });
    } catch (error) {
      return this.fail(`Recording was refused: ${ports.describeError(error)}`);
    }
    const check = checkRequiredRecipientKeys({
      required: created.requiredRecipients,
      self: { userId: ports.self.userId, exchangePublicKey: ports.self.identity.exchangePublicKey },
      participant: (id) => roster.participant(id),
      pinCheck: (userId, key) => ports.pinCheck(userId, key),
    });
    if (!check.ok) return this.fail(check.problem);
    this.created = created;
    this.recordingId = created.recording.id;
    this.recipientKeys = check.keys;
    this.complianceKeys = check.complianceKeys;
    this.phase = 'waiting-consent';
    this.options.onRecording(created);
    this.options.onSelfConsent();
    this.waitTimer = {
      handle: this.clock.setTimeout(
        () => this.beginCapture(),
        ports.consentWaitMs ?? CONSENT_WAIT_MS,
      ),
    };
    this.includedChanged();
  }

  /** Presence or consent changed: the pipeline follows; capture begins once all answered. */
  includedChanged(): void {
    if (this.phase === 'waiting-consent' && this.options.allDecided()) {
      this.beginCapture();
      return;
    }
    if (this.phase === 'recording' || this.phase === 'starting') {
      this.pipeline?.setIncluded(this.options.included());
    }
  }

  /** Starts capturing now, with the consents that arrived so far. */
  beginCapture(): void {
    if (this.phase !== 'waiting-consent' || !this.created) return;
    this.phase = 'starting';
    if (this.waitTimer !== null) this.clock.clearTimeout(this.waitTimer.handle);
    this.waitTimer = null;
    this.options.onChange();
    void this.capture(this.created).catch((error: unknown) => {
      this.fail(`Recording could not start: ${this.options.ports.describeError(error)}`);
    });
  }

  private async capture(created: CreatedRecording): Promise<void> {
    const { ports, roster } = this.options;
    const recordingId = created.recording.id;
    const key = generateRecordingKey();
    this.recordingKey = key;
    const envelope = createRecordingEnvelope({
      recordingId,
      meetingId: roster.meetingId() ?? created.recording.meetingId,
      recorderUserId: ports.self.userId,
      recorder: ports.self.identity,
      mimeType: created.recording.mimeType,
      startedAt: new Date(this.clock.now()).toISOString(),
      recordingKey: key,
      recipientExchangeKeys: this.recipientKeys,
      consents: this.options.consents(),
    });
    await ports.api.putEnvelope(recordingId, envelope);
    if (this.phase !== 'starting') return;
    const pipeline = ports.media.open(this.options.mode, created.recording.mimeType);
    this.pipeline = pipeline;
    pipeline.setIncluded(this.options.included());
    const upload = ports.createUpload(recordingId);
    this.upload = upload;
    upload.subscribe(() => this.options.onChange());
    const recorder = new EncryptingRecorder({
      recordingId,
      recordingKey: key,
      capture: pipeline.capture,
      upload,
      clock: this.clock,
      ...(ports.flushIntervalMs ? { flushIntervalMs: ports.flushIntervalMs } : {}),
      onError: (error) => this.fail(`Recording stopped: ${error.message}`),
    });
    this.recorder = recorder;
    // The writer holds the key inside its stream state; this copy is no longer needed.
    key.fill(0);
    this.recordingKey = null;
    recorder.start();
    this.startedAt = this.clock.now();
    this.phase = 'recording';
    this.options.onChange();
  }

  async stop(): Promise<void> {
    if (this.phase === 'waiting-consent' || this.phase === 'requesting') {
      return this.fail('Stopped before recording began.');
    }
    const recorder = this.recorder;
    const recordingId = this.recordingId;
    if (this.phase !== 'recording' || !recorder || !recordingId) return;
    this.stoppedAt = this.clock.now();
    this.phase = 'stopping';
    this.options.onChange();
    try {
      const stats = await recorder.stop();
      const seal = signRecordingSeal({
        recordingId,
        recorderUserId: this.options.ports.self.userId,
        recorder: this.options.ports.self.identity,
        stats,
        endedAt: new Date(this.clock.now()).toISOString(),
      });
      await this.options.ports.api.seal(recordingId, seal);
      this.phase = 'sealed';
      this.release();
    } catch (error) {
      this.fail(`Stopping failed: ${this.options.ports.describeError(error)}`);
      return;
    }
    this.options.onChange();
  }

  recordingUpdated(recording: RoomRecording): void {
    if (recording.id !== this.recordingId) return;
    this.options.onChange();
  }

  /** The server ended the recording (the meeting ended): what it has is kept. */
  serverEnded(recording: RoomRecording): void {
    if (recording.id !== this.recordingId || !this.active || this.phase === 'stopping') return;
    this.abort();
    this.error = 'The server ended the recording; what was uploaded is kept.';
    this.options.onChange();
  }

  abort(): void {
    this.recorder?.abort();
    if (this.phase !== 'sealed') this.phase = 'failed';
    this.release();
  }

  private fail(message: string): void {
    this.options.log?.(message);
    this.error = message;
    this.recorder?.abort();
    this.phase = 'failed';
    this.release();
    this.options.onChange();
  }

  private release(): void {
    if (this.waitTimer !== null) this.clock.clearTimeout(this.waitTimer.handle);
    this.waitTimer = null;
    this.pipeline?.dispose();
    this.pipeline = null;
    this.recorder = null;
    this.recordingKey?.fill(0);
    this.recordingKey = null;
  }
}
