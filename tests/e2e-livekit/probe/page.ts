/**
 * The operator probe's browser side: the unmodified livekit-client joins a room with a token
 * that may subscribe but holds no E2EE key (what anyone running the media server can give
 * themselves), and keeps copies of the encoded frames LiveKit delivers (Chromium's encoded
 * streams on each receiver, every frame passed on unchanged) plus the decoder's statistics.
 * Bundled by ./server.ts.
 */
import {
  Room,
  RoomEvent,
  Track,
  type RemoteTrack,
  type RemoteTrackPublication,
} from 'livekit-client';

export interface ProbeFrame {
  keyframe: boolean;
  base64: string;
}

export interface ProbeTrack {
  participantIdentity: string;
  trackSid: string;
  source: string;
  kind: 'audio' | 'video';
  frames: ProbeFrame[];
  framesDecoded: number;
  frameWidth: number;
  /** Audio samples that came out of the decoder, not out of concealment. */
  decodedSamples: number;
}

export interface OperatorProbe {
  join(url: string, token: string): Promise<void>;
  tracks(): Promise<ProbeTrack[]>;
  leave(): Promise<void>;
  /** What went wrong in the page so far, and what the room looks like (for failure messages). */
  state(): string;
}

declare global {
  interface Window {
    operatorProbe: OperatorProbe;
  }
}

const MAX_FRAMES = 60;

interface EncodedFrame {
  type?: string;
  data: ArrayBuffer;
}
type ReceiverWithStreams = RTCRtpReceiver & {
  createEncodedStreams(): {
    readable: ReadableStream<EncodedFrame>;
    writable: WritableStream<EncodedFrame>;
  };
};

let room: Room | undefined;
const errors: string[] = [];
const captured = new Map<
  string,
  { publication: RemoteTrackPublication; identity: string; frames: ProbeFrame[] }
>();

function base64(data: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(data)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function capture(track: RemoteTrack, publication: RemoteTrackPublication, identity: string) {
  const receiver = track.receiver as ReceiverWithStreams | undefined;
  if (!receiver) throw new Error(`track ${publication.trackSid} has no receiver`);
  const frames: ProbeFrame[] = [];
  captured.set(publication.trackSid, { publication, identity, frames });
  // Chromium's encoded streams (the peer connection is made with encodedInsertableStreams):
  // every frame passes through unchanged; the first ones are kept.
  const { readable, writable } = receiver.createEncodedStreams();
  void readable
    .pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        transform(frame, controller) {
          if (frames.length < MAX_FRAMES) {
            frames.push({ keyframe: frame.type === 'key', base64: base64(frame.data) });
          }
          controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(writable)
    .catch((error: unknown) => errors.push(`${publication.trackSid}: ${String(error)}`));
  // Video must be rendered somewhere for the decoder to run.
  const element = track.attach();
  if (element instanceof HTMLVideoElement) element.muted = true;
  document.body.appendChild(element);
}

window.operatorProbe = {
  async join(url, token) {
    room = new Room({ adaptiveStream: false });
    room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
      try {
        capture(track, publication, participant.identity);
      } catch (error) {
        errors.push(String(error));
      }
    });
    room.on(RoomEvent.TrackSubscriptionFailed, (sid, _participant, reason) =>
      errors.push(`subscription to ${sid} failed: ${String(reason)}`),
    );
    await room.connect(url, token, {
      rtcConfig: { encodedInsertableStreams: true } as RTCConfiguration,
    });
  },

  async tracks() {
    const result: ProbeTrack[] = [];
    for (const [trackSid, entry] of captured) {
      const track: ProbeTrack = {
        participantIdentity: entry.identity,
        trackSid,
        source: entry.publication.source,
        kind: entry.publication.kind === Track.Kind.Video ? 'video' : 'audio',
        frames: [...entry.frames],
        framesDecoded: 0,
        frameWidth: 0,
        decodedSamples: 0,
      };
      const report = await entry.publication.track?.receiver?.getStats();
      report?.forEach((stat: Record<string, unknown>) => {
        if (stat.type !== 'inbound-rtp') return;
        const number = (key: string) => (typeof stat[key] === 'number' ? stat[key] : 0);
        track.framesDecoded = number('framesDecoded');
        track.frameWidth = number('frameWidth');
        track.decodedSamples = number('totalSamplesReceived') - number('concealedSamples');
      });
      result.push(track);
    }
    return result;
  },

  state() {
    const remote = [...(room?.remoteParticipants.values() ?? [])].map(
      (p) =>
        `${p.identity}: ${[...p.trackPublications.values()].map((t) => `${t.source}/${t.isSubscribed ? 'sub' : 'unsub'}`).join(',')}`,
    );
    const frames = [...captured.entries()].map(([sid, c]) => `${sid}=${c.frames.length}`);
    return `state ${room?.state}; remote [${remote.join('; ')}]; frames [${frames.join(', ')}]; errors [${errors.join('; ')}]`;
  },

  async leave() {
    await room?.disconnect();
  },
};
