import type { RtpPacket } from 'werift';
import { parseVp8PayloadDescriptor } from '../media/vp8';
import type { TapOptions } from '../options';

/**
 * Test-only copy of the media payloads the server forwards, so a test can show what a server
 * operator could see. For VP8 the RTP payloads of one frame are joined (without the RTP
 * payload descriptors) into the encoded frame; for Opus each packet is one frame. Capture is
 * on arrival from the publisher, which is exactly what is then forwarded to subscribers.
 */

export interface TapFrame {
  /** Simulcast layer (rid) the frame arrived on; "" without simulcast. */
  layer: string;
  keyframe: boolean;
  rtpTimestamp: number;
  /** Size of the whole frame; `data` is cut at the tap's `maxFrameBytes`. */
  size: number;
  truncated: boolean;
  data: Uint8Array;
}

export interface TapTrackMeta {
  roomName: string;
  participantIdentity: string;
  participantSid: string;
  trackSid: string;
  kind: 'audio' | 'video';
  /** LiveKit's track source name: camera, microphone, screen_share, screen_share_audio, unknown. */
  source: string;
  mimeType: string;
  /** What the publisher declared in AddTrackRequest: none, gcm or custom. */
  declaredEncryption: string;
}

export interface TapTrack extends TapTrackMeta {
  /** Frames seen since the last reset, stored or not. */
  framesSeen: number;
  frames: TapFrame[];
}

/** The JSON shape of `GET /debug/tap`. */
export interface TapSnapshotJson {
  tracks: Array<
    Omit<TapTrack, 'frames'> & {
      frames: Array<Omit<TapFrame, 'data'> & { base64: string }>;
    }
  >;
}

interface FrameAssembly {
  timestamp: number;
  nextSequence: number;
  keyframe: boolean;
  size: number;
  chunks: Buffer[];
}

class TrackCapture {
  readonly meta: TapTrackMeta;
  framesSeen = 0;
  readonly frames: TapFrame[] = [];
  private readonly storedPerLayer = new Map<string, number>();
  private readonly assemblies = new Map<string, FrameAssembly | undefined>();

  constructor(
    meta: TapTrackMeta,
    private readonly limits: Required<TapOptions>,
  ) {
    this.meta = meta;
  }

  push(layer: string, packet: RtpPacket): void {
    if (this.meta.kind === 'audio') {
      if (packet.payload.length > 0) {
        this.finish(layer, packet.header.timestamp, false, [packet.payload], packet.payload.length);
      }
      return;
    }
    const payload = packet.payload;
    const descriptor = parseVp8PayloadDescriptor(payload);
    if (!descriptor || descriptor.length >= payload.length) {
      return;
    }
    const body = payload.subarray(descriptor.length);
    let assembly = this.assemblies.get(layer);
    if (descriptor.startOfPartition && descriptor.partitionIndex === 0) {
      assembly = {
        timestamp: packet.header.timestamp,
        nextSequence: packet.header.sequenceNumber,
        keyframe: ((body[0] ?? 1) & 0x01) === 0,
        size: 0,
        chunks: [],
      };
    }
    if (
      !assembly ||
      assembly.timestamp !== packet.header.timestamp ||
      assembly.nextSequence !== packet.header.sequenceNumber
    ) {
      // Lost or reordered packet: this frame cannot be rebuilt, wait for the next one.
      this.assemblies.set(layer, undefined);
      return;
    }
    assembly.nextSequence = (packet.header.sequenceNumber + 1) & 0xffff;
    assembly.size += body.length;
    if (assembly.size <= this.limits.maxFrameBytes + body.length) {
      assembly.chunks.push(Buffer.from(body));
    }
    this.assemblies.set(layer, assembly);
    if (packet.header.marker) {
      this.assemblies.set(layer, undefined);
      this.finish(layer, assembly.timestamp, assembly.keyframe, assembly.chunks, assembly.size);
    }
  }

  private finish(
    layer: string,
    timestamp: number,
    keyframe: boolean,
    chunks: Buffer[],
    size: number,
  ): void {
    this.framesSeen++;
    const stored = this.storedPerLayer.get(layer) ?? 0;
    if (stored >= this.limits.maxFramesPerLayer) {
      return;
    }
    this.storedPerLayer.set(layer, stored + 1);
    const whole = Buffer.concat(chunks);
    const data = new Uint8Array(whole.subarray(0, this.limits.maxFrameBytes));
    this.frames.push({
      layer,
      keyframe,
      rtpTimestamp: timestamp,
      size,
      truncated: size > data.length,
      data,
    });
  }

  snapshot(): TapTrack {
    return { ...this.meta, framesSeen: this.framesSeen, frames: [...this.frames] };
  }
}

const MAX_TRACKS = 256;

export class MediaTap {
  private readonly tracks = new Map<string, TrackCapture>();
  private readonly limits: Required<TapOptions>;

  constructor(options: TapOptions = {}) {
    this.limits = {
      maxFramesPerLayer: options.maxFramesPerLayer ?? 40,
      maxFrameBytes: options.maxFrameBytes ?? 256 * 1024,
    };
  }

  capture(meta: TapTrackMeta, layer: string, packet: RtpPacket): void {
    let capture = this.tracks.get(meta.trackSid);
    if (!capture) {
      if (this.tracks.size >= MAX_TRACKS) {
        // Bounded like everything else here: the oldest track makes room.
        const oldest = this.tracks.keys().next();
        if (!oldest.done) this.tracks.delete(oldest.value);
      }
      capture = new TrackCapture(meta, this.limits);
      this.tracks.set(meta.trackSid, capture);
    }
    capture.push(layer, packet);
  }

  /** Everything captured since the last reset, oldest track first. */
  snapshot(): TapTrack[] {
    return [...this.tracks.values()].map((capture) => capture.snapshot());
  }

  reset(): void {
    this.tracks.clear();
  }

  toJSON(): TapSnapshotJson {
    return {
      tracks: this.snapshot().map((track) => ({
        ...track,
        frames: track.frames.map(({ data, ...frame }) => ({
          ...frame,
          base64: Buffer.from(data).toString('base64'),
        })),
      })),
    };
  }
}

/** Turns `GET /debug/tap` JSON back into tracks with bytes, for tests in another process. */
export function tapTracksFromJson(json: TapSnapshotJson): TapTrack[] {
  return json.tracks.map((track) => ({
    ...track,
    frames: track.frames.map(({ base64, ...frame }) => ({
      ...frame,
      data: new Uint8Array(Buffer.from(base64, 'base64')),
    })),
  }));
}
