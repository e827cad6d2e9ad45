import {
  ConnectionState as LivekitConnectionState,
  DisconnectReason,
  Room,
  RoomEvent,
  Track,
  type RemoteTrack,
} from 'livekit-client';
import { ControlConnection, type ConnectionState, type SocketLike } from './control-connection';
import {
  decideMediaEncryption,
  downgradeReason,
  enforceEncryptionInWorker,
} from './media-encryption';
import type { DarkMedia } from './media-gate';
import { describeConnectFailure, describeMediaError, type MediaProblem } from './media-support';
import { ParticipantKeyProvider } from './participant-key-provider';
import type { PinStore } from './participant-trust';
import { RoomSession, type ParticipantView } from './room-session';
import { TrackGate } from './track-gate';
import type { ClientMessage, ServerMessage } from '@conclave/contracts';

/** How this browser reaches the meeting's server side. */
export interface RoomBackend {
  /** Runs when the person presses Join, before the control channel opens (guests knock here). */
  prepare?(choices: JoinChoices): Promise<void>;
  /** Opens the control channel WebSocket (members by cookie, guests by lobby ticket). */
  openControlSocket(): SocketLike;
  /** A LiveKit token for this participant and occurrence, once admitted. */
  livekitToken(occurrenceId: string): Promise<{ url: string; token: string; e2ee: boolean }>;
  /** The server handed out a fresh lobby ticket (guests reconnect with it). */
  ticketRenewed?(ticket: string): void;
}

export interface JoinChoices {
  audioEnabled: boolean;
  videoEnabled: boolean;
  audioDeviceId?: string | undefined;
  videoDeviceId?: string | undefined;
  /** Guests: the name they gave, and the meeting's passcode when it has one. */
  displayName?: string | undefined;
  passcode?: string | undefined;
}

export type RoomPhase =
  | 'prejoin'
  | 'connecting'
  | 'lobby'
  | 'joining-media'
  | 'in-room'
  | 'left'
  | 'ended'
  | 'removed'
  | 'denied'
  | 'replaced'
  | 'signed-out'
  | 'no-access'
  | 'failed';

export interface RoomControllerState {
  phase: RoomPhase;
  /** What went wrong, in words for the user (phase `failed`, or a device problem). */
  failure: string | null;
  mediaProblems: MediaProblem[];
  control: ConnectionState | 'idle';
  media: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
  /** Whether this browser encrypts and decrypts media end to end. */
  e2ee: boolean;
  mutedByHost: { source: 'microphone' | 'camera'; by: string } | null;
  /** Remote media kept dark (E2EE: unknown, untrusted or unencrypted senders), with why. */
  darkMedia: DarkMedia[];
}

export interface RoomControllerOptions {
  backend: RoomBackend;
  exchangeKeys: { publicKey: Uint8Array; privateKey: Uint8Array };
  viewer: 'member' | 'guest';
  pins: PinStore | null;
  linkSecret: string | null;
  /**
   * The meeting's E2EE setting as the pre-join screen showed it. It decides encryption: a
   * server that reports otherwise later stops the room (media-encryption.ts).
   */
  e2ee: boolean;
  /** livekit-client's E2EE worker (a module URL the bundler resolves). */
  createWorker: () => Worker;
  log?: (message: string) => void;
}

export interface RemoteMediaStats {
  identity: string;
  source: string;
  kind: 'audio' | 'video';
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Audio samples that came from decoding, not from concealment. */
  decodedSamples: number;
}

/**
 * The meeting room in a browser: the control channel feeding a RoomSession (keys, trust,
 * chat), and livekit's Room for media, with the per-participant key provider between them.
 * React renders `state()` and `session.view()`; nothing in here knows about React.
 */
export class MeetingRoomController {
  readonly session: RoomSession;
  readonly keyProvider: ParticipantKeyProvider;
  private room: Room | null = null;
  private gate: TrackGate | null = null;
  private worker: Worker | null = null;
  private control: ControlConnection | null = null;
  private current: RoomControllerState;
  private readonly listeners = new Set<() => void>();
  /** Features beside the session (recording) that read the control channel too. */
  private readonly messageListeners = new Set<(message: ServerMessage) => void>();
  private choices: JoinChoices = { audioEnabled: true, videoEnabled: true };
  private mediaStarted = false;
  private joinPressedAt: number | null = null;
  private firstRemoteFrameAt: number | null = null;

  constructor(private readonly options: RoomControllerOptions) {
    this.keyProvider = new ParticipantKeyProvider();
    this.current = {
      phase: 'prejoin',
      failure: null,
      mediaProblems: [],
      control: 'idle',
      media: 'idle',
      e2ee: options.e2ee,
      mutedByHost: null,
      darkMedia: [],
    };
    this.session = new RoomSession({
      send: (message) => this.control?.send(message),
      exchangeKeys: options.exchangeKeys,
      viewer: options.viewer,
      pins: options.pins,
      linkSecret: options.linkSecret,
      media: this.keyProvider,
      onMuteRequested: (source, from) => void this.muteRequested(source, from),
      ...(options.log ? { log: options.log } : {}),
    });
    this.session.subscribe(() => this.followSession());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every control-channel message, after the session handled it (recording listens here). */
  onServerMessage(listener: (message: ServerMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  sendControl(message: ClientMessage): void {
    this.control?.send(message);
  }

  state(): RoomControllerState {
    return this.current;
  }

  /** livekit's Room once media is joining (for @livekit/components-react's RoomContext). */
  livekitRoom(): Room | null {
    return this.room;
  }

  async join(choices: JoinChoices): Promise<void> {
    if (this.current.phase !== 'prejoin') return;
    this.choices = choices;
    this.joinPressedAt = performance.now();
    this.update({ phase: 'connecting', control: 'connecting', failure: null });
    try {
      await this.options.backend.prepare?.(choices);
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
      return;
    }
    this.control = new ControlConnection({
      connect: () => this.options.backend.openControlSocket(),
      onMessage: (message) => {
        const ticket =
          message.type === 'welcome' || message.type === 'admitted' || message.type === 'ticket'
            ? message.ticket
            : null;
        if (ticket) this.options.backend.ticketRenewed?.(ticket);
        this.session.handle(message);
        for (const listener of [...this.messageListeners]) listener(message);
      },
      onClosed: (code, reason) => {
        this.session.closed(code);
        if (this.session.view().status === 'connecting' || this.current.phase === 'connecting') {
          this.fail(reason || `The meeting refused the connection (code ${code}).`);
        }
      },
      onStateChange: (control) => this.update({ control }),
    });
  }

  async leave(): Promise<void> {
    this.session.leave();
    this.control?.close();
    await this.stopMedia();
    this.update({ phase: 'left' });
  }

  /** Milliseconds from pressing Join to the first decoded remote video frame (bench). */
  joinToFirstFrameMs(): number | null {
    return this.joinPressedAt !== null && this.firstRemoteFrameAt !== null
      ? this.firstRemoteFrameAt - this.joinPressedAt
      : null;
  }

  async remoteStats(): Promise<RemoteMediaStats[]> {
    const room = this.room;
    if (!room) return [];
    const out: RemoteMediaStats[] = [];
    for (const participant of room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        const track = publication.track;
        if (!track?.receiver) continue;
        const stats = await track.receiver.getStats();
        let framesDecoded = 0;
        let frameWidth = 0;
        let frameHeight = 0;
        let decodedSamples = 0;
        stats.forEach((report: Record<string, unknown>) => {
          if (report.type !== 'inbound-rtp') return;
          framesDecoded += Number(report.framesDecoded ?? 0);
          frameWidth = Math.max(frameWidth, Number(report.frameWidth ?? 0));
          frameHeight = Math.max(frameHeight, Number(report.frameHeight ?? 0));
          decodedSamples +=
            Number(report.totalSamplesReceived ?? 0) - Number(report.concealedSamples ?? 0);
        });
        out.push({
          identity: participant.identity,
          source: publication.source,
          kind: track.kind === Track.Kind.Audio ? 'audio' : 'video',
          framesDecoded,
          frameWidth,
          frameHeight,
          decodedSamples,
        });
      }
    }
    return out;
  }

  /** A device toggle in the room failed (permission, missing device, busy). */
  reportDeviceError(problem: MediaProblem): void {
    this.reportMediaProblem(problem);
  }

  dismissMediaProblems(): void {
    this.update({ mediaProblems: [], mutedByHost: null });
  }

  dispose(): void {
    this.control?.close();
    void this.stopMedia();
    this.session.dispose();
    this.listeners.clear();
  }

  private followSession(): void {
    const view = this.session.view();
    if (this.options.e2ee && view.meeting && !view.meeting.e2ee && !this.isOver()) {
      this.fail(downgradeReason('control-channel'));
      return;
    }
    this.gate?.refresh();
    switch (view.status) {
      case 'lobby':
        if (this.current.phase === 'connecting') this.update({ phase: 'lobby' });
        break;
      case 'admitted':
        if (!this.mediaStarted) {
          this.mediaStarted = true;
          this.update({ phase: 'joining-media' });
          void this.startMedia();
        }
        break;
      case 'ended':
      case 'removed':
      case 'denied':
      case 'replaced':
      case 'signed-out':
      case 'no-access':
        if (this.current.phase !== view.status) this.finish({ phase: view.status });
        break;
      default:
        break;
    }
  }

  private async startMedia(): Promise<void> {
    let grant: { url: string; token: string; e2ee: boolean };
    try {
      grant = await this.options.backend.livekitToken(
        this.session.view().meeting?.occurrenceId ?? '',
      );
    } catch (error) {
      this.failConnecting(error);
      return;
    }
    const decision = decideMediaEncryption({
      shown: this.options.e2ee,
      reported: grant.e2ee,
      source: 'token',
    });
    if (decision.kind === 'stop') {
      this.fail(decision.reason);
      return;
    }
    if (this.isOver()) return;
    const e2ee = decision.kind === 'encrypt';
    if (e2ee) this.worker = enforceEncryptionInWorker(this.options.createWorker());
    const room = new Room({
      adaptiveStream: true,
      dynacast: true,
      ...(this.worker
        ? { encryption: { keyProvider: this.keyProvider, worker: this.worker } }
        : {}),
    });
    this.room = room;
    this.gate = new TrackGate(room, {
      e2ee,
      participants: () => this.session.view().participants,
      onDarkMediaChanged: (darkMedia) => this.update({ darkMedia }),
    });
    room
      .on(RoomEvent.TrackSubscribed, (track) => this.watchFirstFrame(track))
      .on(RoomEvent.Reconnecting, () => this.update({ media: 'reconnecting' }))
      .on(RoomEvent.Reconnected, () => this.update({ media: 'connected' }))
      .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
        this.update({ media: 'disconnected' });
        if (reason === DisconnectReason.ROOM_DELETED) this.session.closed(4410);
        if (reason === DisconnectReason.PARTICIPANT_REMOVED) this.session.mediaRemoved();
      })
      .on(RoomEvent.MediaDevicesError, (error: Error) =>
        this.reportMediaProblem(describeMediaError(error)),
      )
      .on(RoomEvent.EncryptionError, (error: Error) =>
        this.options.log?.(`encryption: ${error.message}`),
      );
    this.update({ media: 'connecting', e2ee });
    try {
      if (e2ee) await room.setE2EEEnabled(true);
      // With E2EE, the track gate subscribes only to media it may play.
      await room.connect(grant.url, grant.token, { autoSubscribe: !e2ee });
    } catch (error) {
      this.failConnecting(error);
      return;
    }
    if (this.room !== room) return; // stopped while connecting
    this.update({ media: 'connected', phase: 'in-room' });
    await this.publish(room);
  }

  private async publish(room: Room): Promise<void> {
    const { audioEnabled, videoEnabled, audioDeviceId, videoDeviceId } = this.choices;
    if (videoEnabled) {
      try {
        await room.localParticipant.setCameraEnabled(
          true,
          videoDeviceId ? { deviceId: videoDeviceId } : undefined,
        );
      } catch (error) {
        this.reportMediaProblem(describeMediaError(error, 'camera'));
      }
    }
    if (audioEnabled) {
      try {
        await room.localParticipant.setMicrophoneEnabled(
          true,
          audioDeviceId ? { deviceId: audioDeviceId } : undefined,
        );
      } catch (error) {
        this.reportMediaProblem(describeMediaError(error, 'microphone'));
      }
    }
  }

  private watchFirstFrame(track: RemoteTrack): void {
    if (track.kind !== Track.Kind.Video || this.firstRemoteFrameAt !== null) return;
    const receiver = track.receiver;
    if (!receiver) return;
    const poll = async () => {
      if (this.firstRemoteFrameAt !== null || !this.room) return;
      const stats = await receiver.getStats();
      let decoded = 0;
      stats.forEach((report: Record<string, unknown>) => {
        if (report.type === 'inbound-rtp') decoded += Number(report.framesDecoded ?? 0);
      });
      if (decoded > 0) this.firstRemoteFrameAt ??= performance.now();
      else setTimeout(() => void poll(), 20);
    };
    void poll();
  }

  private async muteRequested(source: 'microphone' | 'camera', from: ParticipantView) {
    const room = this.room;
    if (!room) return;
    if (source === 'microphone') await room.localParticipant.setMicrophoneEnabled(false);
    else await room.localParticipant.setCameraEnabled(false);
    this.update({ mutedByHost: { source, by: from.displayName } });
  }

  private reportMediaProblem(problem: MediaProblem): void {
    this.update({ mediaProblems: [...this.current.mediaProblems, problem] });
  }

  private failConnecting(error: unknown): void {
    const { ended, message } = describeConnectFailure(error);
    if (!ended) {
      this.fail(message);
      return;
    }
    this.finish({ phase: 'ended' });
  }

  private fail(message: string): void {
    this.finish({ phase: 'failed', failure: message });
  }

  /** The room is over for this page: the control channel and media stop, the phase says why. */
  private finish(change: Partial<RoomControllerState>): void {
    this.control?.close();
    void this.stopMedia();
    this.update(change);
  }

  private isOver(): boolean {
    return !['prejoin', 'connecting', 'lobby', 'joining-media', 'in-room'].includes(
      this.current.phase,
    );
  }

  private async stopMedia(): Promise<void> {
    const room = this.room;
    this.room = null;
    this.gate = null;
    if (room && room.state !== LivekitConnectionState.Disconnected) await room.disconnect();
    this.worker?.terminate();
    this.worker = null;
  }

  private update(patch: Partial<RoomControllerState>): void {
    this.current = { ...this.current, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}
