import { VideoQuality } from '@livekit/protocol';
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import type { DevMediaServerLogger } from '../options';
import { rankOfLayer, type PublishedTrack, type TrackSink } from './published-track';

/**
 * One subscriber's copy of a published track: picks the best simulcast layer that is arriving,
 * up to what the subscriber asked for (UpdateTrackSettings), switches layers only at a keyframe
 * of the new layer, and rewrites sequence numbers and timestamps so that the
 * subscriber sees one continuous stream. Each packet is copied before sending, because
 * werift's sender rewrites the header of the packet it is given.
 */

const SEQUENCE_HISTORY = 1024;

export interface LayerPreference {
  quality?: VideoQuality;
  width?: number;
  height?: number;
}

function isNewerSequence(a: number, b: number): boolean {
  return a !== b && ((a - b) & 0xffff) < 0x8000;
}

export class DownTrack implements TrackSink {
  readonly transceiver: RTCRtpTransceiver;
  private current: string | undefined;
  private target: string | undefined;
  private disabled = false;
  private preference: LayerPreference = {};
  private seqOffset = 0;
  private tsOffset = 0;
  private lastInSeq: number | undefined;
  private lastOutSeq: number | undefined;
  private lastOutTs: number | undefined;
  private lastOutAt = 0;
  /** Recent input sequence numbers (-1: empty) and the output numbers they were sent with. */
  private readonly historyIn = new Int32Array(SEQUENCE_HISTORY).fill(-1);
  private readonly historyOut = new Uint16Array(SEQUENCE_HISTORY);
  private readonly unsubscribers: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly track: PublishedTrack,
    transceiver: RTCRtpTransceiver,
    private readonly logger: DevMediaServerLogger,
  ) {
    this.transceiver = transceiver;
    const sender = transceiver.sender;
    this.unsubscribers.push(
      sender.onPictureLossIndication.subscribe(() => this.requestKeyframe()).unSubscribe,
      sender.onReady.subscribe(() => this.evaluate(true)).unSubscribe,
    );
    if (track.kind === 'audio') {
      this.current = '';
      this.target = '';
    }
    track.addSink(this);
  }

  get isVideo(): boolean {
    return this.track.kind === 'video';
  }

  /** UpdateTrackSettings from the subscriber. */
  updateSettings(disabled: boolean, preference: LayerPreference): void {
    if (disabled && !this.disabled && this.isVideo) {
      this.current = undefined;
    }
    this.disabled = disabled;
    this.preference = preference;
    this.evaluate(true);
  }

  private maxRankFromPreference(): number {
    const { quality, width, height } = this.preference;
    if (width || height) {
      const ranked = ['q', 'h', 'f']
        .map((rid) => ({ rid, layer: this.track.declaredLayer(rid) }))
        .filter((entry) => entry.layer);
      const enough = ranked.find(
        (entry) =>
          (entry.layer?.width ?? 0) >= (width ?? 0) && (entry.layer?.height ?? 0) >= (height ?? 0),
      );
      return enough ? rankOfLayer(enough.rid) : 2;
    }
    switch (quality) {
      case VideoQuality.LOW:
        return 0;
      case VideoQuality.MEDIUM:
        return 1;
      default:
        return 2;
    }
  }

  /** Re-decides the layer; called on settings changes and by the owner's timer. */
  evaluate(force = false): void {
    if (this.closed || !this.isVideo || this.disabled) return;
    const active = this.track.activeLayers();
    if (active.length === 0) {
      if (force && this.target !== undefined) this.track.requestKeyframe(this.target);
      return;
    }
    const cap = this.maxRankFromPreference();
    const allowed = active.filter((rid) => rankOfLayer(rid) <= cap);
    const desired = allowed[allowed.length - 1] ?? active[0];
    if (desired === undefined) return;
    this.target = desired;
    if (this.current !== this.target) {
      this.track.requestKeyframe(this.target);
    }
  }

  private requestKeyframe(): void {
    const layer = this.current ?? this.target;
    if (layer !== undefined) this.track.requestKeyframe(layer);
  }

  write(layer: string, packet: RtpPacket, keyframeStart: boolean): void {
    // Until DTLS is up werift drops what it is given; a keyframe lost that way would leave the
    // subscriber waiting, so the layer is only taken once packets can actually go out.
    if (this.closed || this.disabled || this.transceiver.sender.dtlsTransport.state !== 'connected')
      return;
    if (this.isVideo && layer === this.target && layer !== this.current && keyframeStart) {
      this.switchTo(layer, packet);
    }
    if (layer !== this.current) return;
    this.forward(packet);
  }

  private switchTo(layer: string, packet: RtpPacket): void {
    const inSeq = packet.header.sequenceNumber;
    if (this.lastOutSeq === undefined || this.lastOutTs === undefined) {
      this.seqOffset = 0;
      this.tsOffset = 0;
    } else {
      const elapsed = Math.max(1, Math.round((Date.now() - this.lastOutAt) * 90));
      this.seqOffset = (this.lastOutSeq + 1 - inSeq) & 0xffff;
      this.tsOffset = (this.lastOutTs + elapsed - packet.header.timestamp) >>> 0;
    }
    this.lastInSeq = (inSeq - 1) & 0xffff;
    this.historyIn.fill(-1);
    this.current = layer;
  }

  private forward(packet: RtpPacket): void {
    const inSeq = packet.header.sequenceNumber;
    let outSeq: number;
    if (this.lastInSeq === undefined || isNewerSequence(inSeq, this.lastInSeq)) {
      if (packet.payload.length === 0) {
        // Padding-only probe: drop it and close the gap it leaves in the numbering.
        this.seqOffset = (this.seqOffset - 1) & 0xffff;
        this.lastInSeq = inSeq;
        return;
      }
      outSeq = (inSeq + this.seqOffset) & 0xffff;
      this.lastInSeq = inSeq;
      this.historyIn[inSeq % SEQUENCE_HISTORY] = inSeq;
      this.historyOut[inSeq % SEQUENCE_HISTORY] = outSeq;
    } else {
      // A retransmission of an older packet: reuse the number it was first sent with.
      const slot = inSeq % SEQUENCE_HISTORY;
      if (this.historyIn[slot] !== inSeq || packet.payload.length === 0) return;
      outSeq = this.historyOut[slot] ?? 0;
    }
    const timestamp = (packet.header.timestamp + this.tsOffset) >>> 0;
    const header = new RtpHeader({
      marker: packet.header.marker,
      payloadType: packet.header.payloadType,
      sequenceNumber: outSeq,
      timestamp,
      ssrc: packet.header.ssrc,
    });
    if (this.lastOutSeq === undefined || isNewerSequence(outSeq, this.lastOutSeq)) {
      this.lastOutSeq = outSeq;
      this.lastOutTs = timestamp;
      this.lastOutAt = Date.now();
    }
    this.transceiver.sender
      .sendRtp(new RtpPacket(header, packet.payload))
      .catch((error: unknown) => {
        this.logger.warn('could not forward RTP', { track: this.track.sid, error: String(error) });
      });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.track.removeSink(this);
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }
}
