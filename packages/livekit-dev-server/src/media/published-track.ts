import { VideoQuality, type TrackInfo, type VideoLayer } from '@livekit/protocol';
import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import type { DevMediaServerLogger } from '../options';
import type { MediaTap, TapTrackMeta } from '../tap/tap';
import { isVp8KeyframeStart } from './vp8';

/** Receives one published track (all its simulcast layers) and hands packets to its subscribers. */

export interface TrackSink {
  write(layer: string, packet: RtpPacket, keyframeStart: boolean): void;
}

interface LayerState {
  rid: string;
  ssrc: number | undefined;
  lastPacketAt: number;
  lastKeyframeAt: number;
  lastKeyframeRequestAt: number;
  /** Bytes per second over the last window. */
  bitrate: number;
  windowStart: number;
  windowBytes: number;
}

const ridRanks: Record<string, number> = { q: 0, h: 1, f: 2, '': 2 };
const KEYFRAME_REQUEST_INTERVAL_MS = 250;
export const LAYER_STALE_MS = 1000;

export function rankOfLayer(rid: string): number {
  return ridRanks[rid] ?? 2;
}

export function qualityOfLayer(rid: string): VideoQuality {
  switch (rid) {
    case 'q':
      return VideoQuality.LOW;
    case 'h':
      return VideoQuality.MEDIUM;
    default:
      return VideoQuality.HIGH;
  }
}

export class PublishedTrack {
  readonly info: TrackInfo;
  readonly cid: string;
  readonly kind: 'audio' | 'video';
  transceiver: RTCRtpTransceiver | undefined;
  private readonly layers = new Map<string, LayerState>();
  private readonly sinks = new Set<TrackSink>();
  private readonly unsubscribers: Array<() => void> = [];
  private readonly listened = new Set<MediaStreamTrack>();
  private closed = false;

  constructor(
    info: TrackInfo,
    cid: string,
    private readonly tapMeta: TapTrackMeta,
    private readonly tap: MediaTap | undefined,
    private readonly logger: DevMediaServerLogger,
  ) {
    this.info = info;
    this.cid = cid;
    this.kind = tapMeta.kind;
  }

  get sid(): string {
    return this.info.sid;
  }

  get isBound(): boolean {
    return this.transceiver !== undefined;
  }

  /** Starts receiving from the server-side transceiver that the client's m-section maps to. */
  attach(transceiver: RTCRtpTransceiver): void {
    if (this.transceiver === transceiver) {
      this.listenToReceiverTracks();
      return;
    }
    this.transceiver = transceiver;
    this.listenToReceiverTracks();
    const { unSubscribe } = transceiver.onTrack.subscribe(() => this.listenToReceiverTracks());
    this.unsubscribers.push(unSubscribe);
  }

  private listenToReceiverTracks(): void {
    for (const track of this.transceiver?.receiver.tracks ?? []) {
      if (this.listened.has(track)) continue;
      this.listened.add(track);
      const layer = track.rid ?? '';
      const { unSubscribe } = track.onReceiveRtp.subscribe((packet) => this.onRtp(layer, packet));
      this.unsubscribers.push(unSubscribe);
    }
  }

  private layer(rid: string): LayerState {
    let state = this.layers.get(rid);
    if (!state) {
      state = {
        rid,
        ssrc: undefined,
        lastPacketAt: 0,
        lastKeyframeAt: 0,
        lastKeyframeRequestAt: 0,
        bitrate: 0,
        windowStart: Date.now(),
        windowBytes: 0,
      };
      this.layers.set(rid, state);
    }
    return state;
  }

  private onRtp(rid: string, packet: RtpPacket): void {
    if (this.closed) return;
    const now = Date.now();
    const state = this.layer(rid);
    const firstPacket = state.ssrc === undefined;
    state.ssrc = packet.header.ssrc;
    state.lastPacketAt = now;
    state.windowBytes += packet.payload.length;
    if (now - state.windowStart >= 1000) {
      state.bitrate = (state.windowBytes * 8 * 1000) / (now - state.windowStart);
      state.windowStart = now;
      state.windowBytes = 0;
    }
    const keyframeStart = this.kind === 'video' && isVp8KeyframeStart(packet.payload);
    if (keyframeStart) state.lastKeyframeAt = now;
    if (firstPacket && this.kind === 'video' && !keyframeStart && this.sinks.size > 0) {
      this.requestKeyframe(rid);
    }
    try {
      this.tap?.capture(this.tapMeta, rid, packet);
      for (const sink of this.sinks) {
        sink.write(rid, packet, keyframeStart);
      }
    } catch (error) {
      // This runs inside werift's receive path; an exception here would break the connection.
      this.logger.error('forwarding failed', { track: this.sid, error: String(error) });
    }
  }

  addSink(sink: TrackSink): void {
    this.sinks.add(sink);
  }

  removeSink(sink: TrackSink): void {
    this.sinks.delete(sink);
  }

  /** Asks the publisher for a keyframe on one layer (RTCP PLI), at most every 250 ms. */
  requestKeyframe(rid: string): void {
    if (this.kind !== 'video' || !this.transceiver) return;
    const state = this.layers.get(rid);
    const now = Date.now();
    if (!state?.ssrc || now - state.lastKeyframeRequestAt < KEYFRAME_REQUEST_INTERVAL_MS) return;
    state.lastKeyframeRequestAt = now;
    this.transceiver.receiver.sendRtcpPLI(state.ssrc).catch((error: unknown) => {
      this.logger.warn('could not send PLI', { track: this.sid, error: String(error) });
    });
  }

  /** Layers that delivered packets recently, lowest quality first. */
  activeLayers(now = Date.now()): string[] {
    return [...this.layers.values()]
      .filter((state) => now - state.lastPacketAt < LAYER_STALE_MS)
      .map((state) => state.rid)
      .sort((a, b) => rankOfLayer(a) - rankOfLayer(b));
  }

  layerBitrate(rid: string): number {
    return this.layers.get(rid)?.bitrate ?? 0;
  }

  /** The publisher's declared layer (size, bitrate) for a rid, if it sent layers. */
  declaredLayer(rid: string): VideoLayer | undefined {
    const quality = qualityOfLayer(rid);
    return this.info.layers.find((layer) => layer.quality === quality);
  }

  mediaSsrcs(): number[] {
    return [...this.layers.values()].flatMap((state) =>
      state.ssrc === undefined ? [] : [state.ssrc],
    );
  }

  close(): void {
    this.closed = true;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    this.sinks.clear();
  }
}
