/**
 * The browser side of the package's Playwright tests: the unmodified livekit-client driven
 * through `window.lkTest`. Bundled with esbuild by test/support/test-page.ts.
 */
import {
  ConnectionError,
  DataPacket_Kind,
  DisconnectReason,
  ExternalE2EEKeyProvider,
  LocalVideoTrack,
  Room,
  RoomEvent,
  Track,
  type RemoteParticipant,
  type RemoteTrack,
} from 'livekit-client';

export interface JoinOptions {
  url: string;
  token: string;
  /** Shared E2EE passphrase; no key: E2EE off. */
  e2eeKey?: string;
  camera?: boolean;
  microphone?: boolean;
  width?: number;
  height?: number;
}

export interface RemoteTrackStats {
  participant: string;
  trackSid: string;
  source: string;
  kind: 'audio' | 'video';
  subscribed: boolean;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  /** Samples produced by decoding, not by concealment. */
  decodedSamples: number;
  audioEnergy: number;
  elementWidth: number;
  elementHeight: number;
}

export interface ReceivedData {
  from: string | undefined;
  text: string;
  topic: string | undefined;
  reliable: boolean;
}

export interface ParticipantView {
  identity: string;
  sid: string;
  name: string;
  metadata: string;
  tracks: Array<{ sid: string; source: string; kind: string; encrypted: boolean }>;
}

export interface LkTest {
  join(options: JoinOptions): Promise<{ identity: string; sid: string; serverVersion: string }>;
  connectError(): string | undefined;
  publishScreenShare(width: number, height: number): Promise<string>;
  unpublishScreenShare(): Promise<void>;
  remoteStats(): Promise<RemoteTrackStats[]>;
  sendData(text: string, options: { reliable: boolean; destinationIdentities?: string[]; topic?: string }): Promise<void>;
  received(): ReceivedData[];
  setMetadata(metadata: string): Promise<void>;
  setName(name: string): Promise<void>;
  participants(): ParticipantView[];
  disconnectReason(): string | undefined;
  leave(): Promise<void>;
  encryptionErrors(): number;
}

declare global {
  interface Window {
    lkTest: LkTest;
  }
}

let room: Room | undefined;
let lastConnectError: string | undefined;
let disconnectReason: string | undefined;
let encryptionErrors = 0;
const received: ReceivedData[] = [];
const mediaElements = new Map<string, HTMLMediaElement>();
let screenShare: { track: MediaStreamTrack; stop: () => void } | undefined;

function requireRoom(): Room {
  if (!room) throw new Error('not joined');
  return room;
}

function attach(track: RemoteTrack, sid: string): void {
  const element = track.attach();
  element.id = `remote-${sid}`;
  if (element instanceof HTMLVideoElement) {
    element.muted = true;
    element.width = 160;
  }
  document.body.appendChild(element);
  mediaElements.set(sid, element);
}

const lkTest: LkTest = {
  async join(options) {
    const e2ee = options.e2eeKey !== undefined;
    const keyProvider = e2ee ? new ExternalE2EEKeyProvider() : undefined;
    const current = new Room({
      ...(keyProvider ? { encryption: { keyProvider, worker: new Worker('/e2ee-worker.js') } } : {}),
      videoCaptureDefaults: { resolution: { width: options.width ?? 640, height: options.height ?? 480, frameRate: 30 } },
    });
    room = current;
    current
      .on(RoomEvent.TrackSubscribed, (track, publication) => attach(track, publication.trackSid))
      .on(RoomEvent.TrackUnsubscribed, (track, publication) => {
        track.detach().forEach((element) => element.remove());
        mediaElements.delete(publication.trackSid);
      })
      .on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
        received.push({
          from: participant?.identity,
          text: new TextDecoder().decode(payload),
          topic,
          reliable: kind !== DataPacket_Kind.LOSSY,
        });
      })
      .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
        disconnectReason = reason === undefined ? 'unknown' : DisconnectReason[reason];
      })
      .on(RoomEvent.EncryptionError, () => {
        encryptionErrors++;
      });
    if (keyProvider && options.e2eeKey !== undefined) {
      await keyProvider.setKey(options.e2eeKey);
      await current.setE2EEEnabled(true);
    }
    try {
      await current.connect(options.url, options.token);
    } catch (error) {
      lastConnectError =
        error instanceof ConnectionError ? `${error.message} (status ${String(error.status)})` : String(error);
      throw error;
    }
    if (options.camera) await current.localParticipant.setCameraEnabled(true);
    if (options.microphone) await current.localParticipant.setMicrophoneEnabled(true);
    return {
      identity: current.localParticipant.identity,
      sid: current.localParticipant.sid,
      serverVersion: current.serverInfo?.version ?? '',
    };
  },

  connectError: () => lastConnectError,

  async publishScreenShare(width, height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d context');
    let frame = 0;
    const draw = (): void => {
      frame++;
      context.fillStyle = `hsl(${frame % 360}, 70%, 50%)`;
      context.fillRect(0, 0, width, height);
      context.fillStyle = 'white';
      context.font = '48px sans-serif';
      context.fillText(`screen ${frame}`, 40, 80);
    };
    draw();
    const timer = setInterval(draw, 66);
    const track = canvas.captureStream(15).getVideoTracks()[0];
    if (!track) throw new Error('canvas produced no track');
    const publication = await requireRoom().localParticipant.publishTrack(new LocalVideoTrack(track), {
      source: Track.Source.ScreenShare,
      name: 'screen',
    });
    screenShare = { track, stop: () => clearInterval(timer) };
    return publication.trackSid;
  },

  async unpublishScreenShare() {
    if (!screenShare) return;
    await requireRoom().localParticipant.unpublishTrack(screenShare.track);
    screenShare.stop();
    screenShare = undefined;
  },

  async remoteStats() {
    const result: RemoteTrackStats[] = [];
    for (const participant of requireRoom().remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        const track = publication.track;
        const stats: RemoteTrackStats = {
          participant: participant.identity,
          trackSid: publication.trackSid,
          source: publication.source,
          kind: publication.kind === Track.Kind.Video ? 'video' : 'audio',
          subscribed: publication.isSubscribed,
          framesDecoded: 0,
          frameWidth: 0,
          frameHeight: 0,
          decodedSamples: 0,
          audioEnergy: 0,
          elementWidth: 0,
          elementHeight: 0,
        };
        const report = track?.receiver ? await track.receiver.getStats() : undefined;
        report?.forEach((entry: Record<string, unknown>) => {
          if (entry.type !== 'inbound-rtp') return;
          const number = (key: string): number => (typeof entry[key] === 'number' ? entry[key] : 0);
          stats.framesDecoded = number('framesDecoded');
          stats.frameWidth = number('frameWidth');
          stats.frameHeight = number('frameHeight');
          stats.decodedSamples = number('totalSamplesReceived') - number('concealedSamples');
          stats.audioEnergy = number('totalAudioEnergy');
        });
        const element = mediaElements.get(publication.trackSid);
        if (element instanceof HTMLVideoElement) {
          stats.elementWidth = element.videoWidth;
          stats.elementHeight = element.videoHeight;
        }
        result.push(stats);
      }
    }
    return result;
  },

  async sendData(text, options) {
    await requireRoom().localParticipant.publishData(new TextEncoder().encode(text), {
      reliable: options.reliable,
      ...(options.destinationIdentities ? { destinationIdentities: options.destinationIdentities } : {}),
      ...(options.topic ? { topic: options.topic } : {}),
    });
  },

  received: () => [...received],

  async setMetadata(metadata) {
    await requireRoom().localParticipant.setMetadata(metadata);
  },

  async setName(name) {
    await requireRoom().localParticipant.setName(name);
  },

  participants() {
    return [...requireRoom().remoteParticipants.values()].map((participant: RemoteParticipant) => ({
      identity: participant.identity,
      sid: participant.sid,
      name: participant.name ?? '',
      metadata: participant.metadata ?? '',
      tracks: [...participant.trackPublications.values()].map((publication) => ({
        sid: publication.trackSid,
        source: publication.source,
        kind: publication.kind,
        encrypted: publication.isEncrypted,
      })),
    }));
  },

  disconnectReason: () => disconnectReason,

  async leave() {
    await room?.disconnect();
  },

  encryptionErrors: () => encryptionErrors,
};

window.lkTest = lkTest;
