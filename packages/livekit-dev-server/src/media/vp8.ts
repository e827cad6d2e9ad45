/**
 * The VP8 RTP payload descriptor (RFC 7741, section 4.2). It is part of the RTP payload, not
 * of the encoded frame, so it stays readable when LiveKit's E2EE encrypts the frame: that is
 * what lets the server find keyframes (to switch simulcast layers) without seeing content.
 */
export interface Vp8PayloadDescriptor {
  /** Bytes of descriptor before the VP8 payload itself. */
  length: number;
  /** S bit: the packet starts a VP8 partition. */
  startOfPartition: boolean;
  partitionIndex: number;
  pictureId: number | undefined;
}

export function parseVp8PayloadDescriptor(payload: Uint8Array): Vp8PayloadDescriptor | undefined {
  const first = payload[0];
  if (first === undefined) {
    return undefined;
  }
  let offset = 1;
  let pictureId: number | undefined;
  if (first & 0x80) {
    const extension = payload[offset++];
    if (extension === undefined) return undefined;
    if (extension & 0x80) {
      const high = payload[offset++];
      if (high === undefined) return undefined;
      if (high & 0x80) {
        const low = payload[offset++];
        if (low === undefined) return undefined;
        pictureId = ((high & 0x7f) << 8) | low;
      } else {
        pictureId = high & 0x7f;
      }
    }
    if (extension & 0x40) offset++; // TL0PICIDX
    if (extension & 0x30) offset++; // TID/Y/KEYIDX
  }
  if (offset > payload.length) {
    return undefined;
  }
  return {
    length: offset,
    startOfPartition: (first & 0x10) !== 0,
    partitionIndex: first & 0x07,
    pictureId,
  };
}

/** True for the first packet of a VP8 keyframe (the P bit of the frame tag is 0). */
export function isVp8KeyframeStart(payload: Uint8Array): boolean {
  const descriptor = parseVp8PayloadDescriptor(payload);
  if (!descriptor || !descriptor.startOfPartition || descriptor.partitionIndex !== 0) {
    return false;
  }
  const frameTag = payload[descriptor.length];
  return frameTag !== undefined && (frameTag & 0x01) === 0;
}

/** True for the first packet of any VP8 frame. */
export function isVp8FrameStart(payload: Uint8Array): boolean {
  const descriptor = parseVp8PayloadDescriptor(payload);
  return !!descriptor && descriptor.startOfPartition && descriptor.partitionIndex === 0;
}
