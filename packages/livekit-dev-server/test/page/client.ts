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
  RemoteTrackPublication,
  Room,
  RoomEvent,
  Track,
  VideoQuality,
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
  /** livekit-client's default is true; false selects the legacy two-connection mode. */
  singlePeerConnection?: boolean;
}

export interface DecodedKeyframe {
  ok: boolean;
  width: number;
  height: number;
  error?: string;
}

export interface RemoteTrackStats {
  participant: string;
  trackSid: string;
  source: string;
  kind: 'audio' | 'video';
  subscribed: boolean;
  bytesReceived: number;
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
  tracks: Array<{ sid: string; source: string; kind: string; encrypted: boolean; muted: boolean }>;
}

export interface LkTest {
  join(options: JoinOptions): Promise<{ identity: string; sid: string; serverVersion: string }>;
  /** The error the last join failed with, as livekit-client reports it. */
  lastError(): string | undefined;
  publishScreenShare(width: number, height: number): Promise<string>;
  unpublishScreenShare(): Promise<void>;
  remoteStats(): Promise<RemoteTrackStats[]>;
  sendData(
    text: string,
    options: { reliable: boolean; destinationIdentities?: string[]; topic?: string },
  ): Promise<void>;
  received(): ReceivedData[];
  setMetadata(metadata: string): Promise<void>;
  setName(name: string): Promise<void>;
  participants(): ParticipantView[];
  disconnectReason(): string | undefined;
  leave(): Promise<void>;
  encryptionErrors(): number;
  decodeVp8Keyframe(base64: string, passphrase?: string): Promise<DecodedKeyframe>;
  /** Asks the server for another simulcast layer of someone's camera. */
  setCameraQuality(identity: string, quality: 'low' | 'medium' | 'high'): void;
  setMicrophoneEnabled(enabled: boolean): Promise<void>;
}

declare global {
  interface Window {
    lkTest: LkTest;
  }
}

let room: Room | undefined;
let lastError: string | undefined;
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
      ...(keyProvider
        ? { encryption: { keyProvider, worker: new Worker('/e2ee-worker.js') } }
        : {}),
      ...(options.singlePeerConnection === false ? { singlePeerConnection: false } : {}),
      videoCaptureDefaults: {
        resolution: { width: options.width ?? 640, height: options.height ?? 480, frameRate: 30 },
      },
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
      if (options.camera) await current.localParticipant.setCameraEnabled(true);
      if (options.microphone) await current.localParticipant.setMicrophoneEnabled(true);
    } catch (error) {
      lastError =
        error instanceof ConnectionError
          ? `${error.message} (status ${String(error.status)})`
          : String(error);
      throw error;
    }
    return {
      identity: current.localParticipant.identity,
      sid: current.localParticipant.sid,
      serverVersion: current.serverInfo?.version ?? '',
    };
  },

  lastError: () => lastError,

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
    const publication = await requireRoom().localParticipant.publishTrack(
      new LocalVideoTrack(track),
      {
        source: Track.Source.ScreenShare,
        name: 'screen',
      },
    );
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
          bytesReceived: 0,
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
          stats.bytesReceived = number('bytesReceived');
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
      ...(options.destinationIdentities
        ? { destinationIdentities: options.destinationIdentities }
        : {}),
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
        muted: publication.isMuted,
      })),
    }));
  },

  disconnectReason: () => disconnectReason,

  async leave() {
    await room?.disconnect();
  },

  encryptionErrors: () => encryptionErrors,

  decodeVp8Keyframe,

  setCameraQuality(identity, quality) {
    const publication = requireRoom()
      .getParticipantByIdentity(identity)
      ?.getTrackPublication(Track.Source.Camera);
    if (!(publication instanceof RemoteTrackPublication))
      throw new Error(`no camera of ${identity}`);
    publication.setVideoQuality(
      { low: VideoQuality.LOW, medium: VideoQuality.MEDIUM, high: VideoQuality.HIGH }[quality],
    );
  },

  async setMicrophoneEnabled(enabled) {
    await requireRoom().localParticipant.setMicrophoneEnabled(enabled);
  },
};

/**
 * Decodes one VP8 keyframe with the browser's own decoder (WebCodecs). With a passphrase,
 * the frame is first decrypted the way livekit-client's shared-key E2EE encrypts it: AES-GCM
 * under a PBKDF2 key (salt "LKFrameEncryptionKey", 100000 rounds of SHA-256, 128 bits), the
 * first 10 bytes in the clear as additional data, IV and key index in the trailer.
 */
async function decodeVp8Keyframe(base64: string, passphrase?: string): Promise<DecodedKeyframe> {
  let frame = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (passphrase !== undefined) {
    const material = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(passphrase),
      'PBKDF2',
      false,
      ['deriveKey'],
    );
    const key = await crypto.subtle.deriveKey(
      {
        name: 'PBKDF2',
        salt: new TextEncoder().encode('LKFrameEncryptionKey'),
        hash: 'SHA-256',
        iterations: 100000,
      },
      material,
      { name: 'AES-GCM', length: 128 },
      false,
      ['decrypt'],
    );
    const ivLength = frame[frame.length - 2] ?? 0;
    const header = frame.slice(0, 10);
    const iv = frame.slice(frame.length - 2 - ivLength, frame.length - 2);
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv, additionalData: header },
        key,
        frame.slice(10, frame.length - 2 - ivLength),
      );
      const joined = new Uint8Array(10 + plain.byteLength);
      joined.set(header);
      joined.set(new Uint8Array(plain), 10);
      frame = joined;
    } catch (error) {
      return { ok: false, width: 0, height: 0, error: `decryption failed: ${String(error)}` };
    }
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: DecodedKeyframe): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const decoder = new VideoDecoder({
      output: (decoded) => {
        settle({ ok: true, width: decoded.displayWidth, height: decoded.displayHeight });
        decoded.close();
      },
      error: (error) => settle({ ok: false, width: 0, height: 0, error: String(error) }),
    });
    decoder.configure({ codec: 'vp8' });
    decoder.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: frame }));
    decoder.flush().then(
      () => settle({ ok: false, width: 0, height: 0, error: 'decoder produced no frame' }),
      (error: unknown) => settle({ ok: false, width: 0, height: 0, error: String(error) }),
    );
  });
}

window.lkTest = lkTest;
