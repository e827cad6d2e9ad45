import type { ConsentStatement, Signed } from '@conclave/crypto';
import type {
  ClientMessage,
  CreatedRecording,
  RoomRecording,
  ServerMessage,
} from '@conclave/contracts';
import { checkConsent, type KnownParticipant, type ReceivedConsent } from './consent-trust';
import type { ConsentSigner } from './consent-signer';
import { RecorderRun, type RecorderPorts, type RecorderView } from './recorder-run';

/**
 * Recording, as one participant's room sees it (DESIGN "Recording"): the recording the server
 * announces, every participant's consent as this browser verified it itself, my own prompt
 * and decision, and, in the recorder's browser, the run that captures, encrypts and uploads.
 * Framework-free: the browser feeds it control-channel messages and renders `view()`.
 */

export type Decision = 'accept' | 'decline';

export interface ParticipantConsentView {
  participantId: string;
  name: string;
  /** What this browser verified; `pending` until a valid statement arrived. */
  decision: Decision | 'pending';
  /** A statement arrived but did not verify (why, in words). */
  problem: string | null;
  /** Their media is in the recording (as far as the recorder's rules go). */
  included: boolean;
}

export interface ConsentPrompt {
  recordingId: string;
  consent: 'notify' | 'explicit';
  recorderName: string;
  mode: 'video' | 'audio';
}

export interface RecordingRoomView {
  /** The recording requested or running now; null when none. */
  recording: RoomRecording | null;
  /** "Recording stopped by …" after the last one ended (until the next starts). */
  lastEnded: RoomRecording | null;
  consents: ParticipantConsentView[];
  myDecision: Decision | null;
  /** What I must answer before my media can be in the recording. */
  prompt: ConsentPrompt | null;
  /** I am in the room while it records, but not in the recording (declined or not yet asked). */
  leftOut: 'declined' | 'undecided' | null;
  /** My consent could not be sent or signed. */
  consentError: string | null;
  isRecorder: boolean;
  canRequest: boolean;
  /** Policy says audio only. */
  audioOnlyRequired: boolean;
  run: RecorderView | null;
}

/** The room's side of what this model needs: who is here and how far they are trusted. */
export interface RoomRoster {
  self(): KnownParticipant | null;
  participant(id: string): KnownParticipant | null;
  participants(): KnownParticipant[];
  meetingId(): string | null;
  occurrenceId(): string | null;
  linkSecret(): string | null;
}

export interface RecordingPolicyView {
  allowed: 'off' | 'hosts' | 'everyone';
  audioOnly: 'allowed' | 'required';
}

export interface RecordingRoomOptions {
  roster: RoomRoster;
  send(message: ClientMessage): void;
  signer: ConsentSigner;
  /** The recorder's half; absent for browsers that cannot record (guests). */
  recorder?: RecorderPorts | null;
  /** The meeting's effective recording policy when known; null lets the API decide. */
  policy?: RecordingPolicyView | null;
  log?: (message: string) => void;
}

const MAX_CONSENTS = 1000;

export class RecordingRoom {
  private readonly listeners = new Set<() => void>();
  private recording: RoomRecording | null = null;
  private lastEnded: RoomRecording | null = null;
  private consents = new Map<string, ReceivedConsent>();
  private myDecision: Decision | null = null;
  private consentError: string | null = null;
  private run: RecorderRun | null = null;
  private cached: RecordingRoomView | null = null;

  constructor(private readonly options: RecordingRoomOptions) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): RecordingRoomView {
    this.cached ??= this.buildView();
    return this.cached;
  }

  /** Control-channel messages (the ones about recording; others are ignored). */
  handle(message: ServerMessage): void {
    switch (message.type) {
      case 'recording':
        this.recordingChanged(message.recording);
        break;
      case 'recording-consent':
        if (message.recordingId !== this.recording?.id) return;
        if (this.consents.size >= MAX_CONSENTS && !this.consents.has(message.participantId)) {
          return;
        }
        this.consents.set(message.participantId, {
          participantId: message.participantId,
          statement: message.statement as unknown as Signed<ConsentStatement>,
          guestBinding: message.guestBinding,
        });
        if (message.participantId === this.options.roster.self()?.id) {
          const check = this.checkOne(message.participantId);
          if (check.ok) this.myDecision = check.decision;
        }
        break;
      case 'error':
        if (message.ref === 'recording-consent' || message.ref?.startsWith('consent-')) {
          this.consentError = `Your answer was not accepted: ${message.message}`;
          break;
        }
        return;
      default:
        return;
    }
    this.changed();
  }

  /** Presence or trust changed in the room: decisions are re-checked, the recording follows. */
  rosterChanged(): void {
    this.changed();
  }

  /** My answer to the prompt (under `notify` only `accept`, the acknowledgement). */
  decide(decision: Decision): void {
    const recording = this.recording;
    const meetingId = this.options.roster.meetingId();
    const self = this.options.roster.self();
    if (!recording || !meetingId || !self || this.myDecision) return;
    if (recording.consent === 'notify' && decision === 'decline') return;
    try {
      const signed = this.options.signer.sign({
        meetingId,
        recordingId: recording.id,
        decision,
        participantId: self.id,
      });
      this.options.send({
        type: 'recording-consent',
        recordingId: recording.id,
        statement: signed.statement as unknown as {
          payload: Record<string, unknown>;
          signature: string;
        },
        ...(signed.guestBinding ? { guestBinding: signed.guestBinding } : {}),
        id: `consent-${recording.id}`.slice(0, 64),
      });
      this.myDecision = decision;
      this.consentError = null;
      // Counted at once in my own view; the server's echo replaces it with the stored one.
      this.consents.set(self.id, {
        participantId: self.id,
        statement: signed.statement,
        guestBinding: signed.guestBinding,
      });
    } catch (error) {
      this.consentError = `Your answer could not be signed: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.changed();
  }

  /** Asks the API to record; this browser then becomes the recorder. */
  async requestRecording(mode: 'video' | 'audio'): Promise<void> {
    const ports = this.options.recorder;
    if (!ports || this.run?.active) return;
    const effectiveMode = this.options.policy?.audioOnly === 'required' ? 'audio' : mode;
    const run = new RecorderRun({
      ports,
      mode: effectiveMode,
      roster: this.options.roster,
      included: () => this.includedIds(),
      consents: () => this.verifiedStatements(),
      allDecided: () => this.allDecided(),
      onRecording: (created: CreatedRecording) => this.recordingCreated(created),
      onSelfConsent: () => this.decide('accept'),
      onChange: () => this.changed(),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.run = run;
    this.changed();
    await run.start();
  }

  /** The recorder starts capturing now instead of waiting for everyone's answer. */
  startNow(): void {
    this.run?.beginCapture();
  }

  async stopRecording(): Promise<void> {
    await this.run?.stop();
  }

  dispose(): void {
    this.run?.abort();
    this.listeners.clear();
  }

  /** Participants whose media the recording may hold right now (the recorder's rule). */
  includedIds(): string[] {
    const recording = this.recording;
    if (!recording || (recording.state !== 'requested' && recording.state !== 'recording')) {
      return [];
    }
    const ids: string[] = [];
    const self = this.options.roster.self();
    if (self && this.decisionOf(self.id) === 'accept') ids.push(self.id);
    for (const participant of this.options.roster.participants()) {
      if (!participant.verified) continue;
      if (this.decisionOf(participant.id) === 'accept') ids.push(participant.id);
    }
    return ids;
  }

  private recordingChanged(recording: RoomRecording): void {
    const ended = recording.state === 'complete' || recording.state === 'ended_early';
    if (recording.id !== this.recording?.id) {
      if (ended && this.recording === null) {
        this.lastEnded = recording;
        return;
      }
      this.consents = new Map();
      this.myDecision = null;
      this.consentError = null;
    }
    if (ended) {
      this.lastEnded = recording;
      this.recording = null;
      this.consents = new Map();
      this.myDecision = null;
      this.run?.serverEnded(recording);
      return;
    }
    this.lastEnded = null;
    this.recording = recording;
    this.run?.recordingUpdated(recording);
  }

  private recordingCreated(created: CreatedRecording): void {
    const summary = created.recording;
    const self = this.options.roster.self();
    // The server also announces it; this makes the prompt and my own consent immediate.
    this.recordingChanged({
      id: summary.id,
      state: summary.state,
      recorder: {
        participantId: self?.id ?? null,
        userId: summary.recorder.userId,
        name: summary.recorder.name,
      },
      mode: summary.mode,
      consent: summary.consent,
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
    });
    this.changed();
  }

  /** Everyone present gave a decision this browser verified. */
  private allDecided(): boolean {
    return this.options.roster
      .participants()
      .filter((p) => p.verified)
      .every((p) => this.decisionOf(p.id) !== null);
  }

  private checkOne(participantId: string) {
    const consent = this.consents.get(participantId);
    const meetingId = this.options.roster.meetingId();
    if (!consent || !this.recording || !meetingId) return { ok: false as const, reason: 'none' };
    const self = this.options.roster.self();
    const participant =
      participantId === self?.id ? self : this.options.roster.participant(participantId);
    return checkConsent(consent, participant, {
      meetingId,
      recordingId: this.recording.id,
      linkSecret: this.options.roster.linkSecret(),
    });
  }

  private decisionOf(participantId: string): Decision | null {
    const check = this.checkOne(participantId);
    return check.ok ? check.decision : null;
  }

  /** The verified consents, as the envelope carries them. */
  verifiedStatements(): Signed<ConsentStatement>[] {
    const out: Signed<ConsentStatement>[] = [];
    for (const [id, consent] of this.consents) {
      if (this.checkOne(id).ok) out.push(consent.statement);
    }
    return out;
  }

  private buildView(): RecordingRoomView {
    const roster = this.options.roster;
    const self = roster.self();
    const recording = this.recording;
    const included = new Set(this.includedIds());
    const everyone = [...(self ? [self] : []), ...roster.participants()];
    const consents: ParticipantConsentView[] = recording
      ? everyone.map((p) => {
          const check = this.checkOne(p.id);
          const hasStatement = this.consents.has(p.id);
          return {
            participantId: p.id,
            name: p.displayName,
            decision: check.ok ? check.decision : 'pending',
            problem: !check.ok && hasStatement ? check.reason : null,
            included: included.has(p.id),
          };
        })
      : [];
    const isRecorder = recording !== null && recording.recorder.participantId === self?.id;
    const prompt: ConsentPrompt | null =
      recording && self && !this.myDecision && !isRecorder
        ? {
            recordingId: recording.id,
            consent: recording.consent,
            recorderName: recording.recorder.name,
            mode: recording.mode,
          }
        : null;
    const policy = this.options.policy ?? null;
    const canRequest =
      this.options.recorder !== undefined &&
      this.options.recorder !== null &&
      self?.kind === 'member' &&
      recording === null &&
      !(this.run?.active ?? false) &&
      (policy === null ||
        policy.allowed === 'everyone' ||
        (policy.allowed === 'hosts' && self.role === 'host'));
    return {
      recording,
      lastEnded: this.lastEnded,
      consents,
      myDecision: this.myDecision,
      prompt,
      leftOut:
        recording && !isRecorder
          ? this.myDecision === 'decline'
            ? 'declined'
            : this.myDecision === null
              ? 'undecided'
              : null
          : null,
      consentError: this.consentError,
      isRecorder,
      canRequest,
      audioOnlyRequired: policy?.audioOnly === 'required',
      run: this.run?.view() ?? null,
    };
  }

  private changed(): void {
    this.cached = null;
    this.run?.includedChanged();
    for (const listener of [...this.listeners]) listener();
  }
}
