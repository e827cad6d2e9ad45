import type { TapFrame, TapTrack } from './tap';

/**
 * Decides from forwarded bytes alone whether a server operator could decode the media.
 *
 * LiveKit's frame encryption (livekit-client's FrameCryptor, AES-GCM) keeps a few bytes of
 * each frame in the clear so that SFUs and depacketizers still work, and appends a trailer:
 *
 *   VP8 keyframe:  10 clear bytes (frame tag, start code 9d 01 2a, width, height)
 *   VP8 delta:      3 clear bytes (frame tag)
 *   Opus:           1 clear byte (TOC)
 *   then: ciphertext (plaintext length + 16-byte GCM tag) | IV (12 bytes) | 12 | key index
 *
 * So the clear header alone says nothing either way. A frame counts as plaintext when the
 * bytes after the clear header parse as a VP8 frame header (read with VP8's boolean decoder:
 * colour space and clamping both 0, loop-filter and segmentation fields, and a DCT partition
 * table that fits the frame exactly), and carries no E2EE trailer. It counts as encrypted when
 * it carries the trailer and is long enough to hold header, tag and trailer. A track is
 * `decodable` or `encrypted` only when nearly all of its frames agree and, for video, its
 * keyframes show the expected start code and dimensions. The check is tested in both
 * directions (see inspect.test.ts and the Playwright tap test): plaintext from a real
 * Chromium encoder is recognised as decodable, the same frames encrypted the way
 * livekit-client does are recognised as encrypted.
 */

const IV_LENGTH = 12;
const GCM_TAG_LENGTH = 16;
const TRAILER_LENGTH = IV_LENGTH + 2;

export type FrameVerdict = 'plaintext' | 'encrypted' | 'unrecognized';

export interface Vp8FrameReport {
  verdict: FrameVerdict;
  keyframe: boolean;
  width?: number;
  height?: number;
  /** Key index from the E2EE trailer, when there is one. */
  keyIndex?: number;
  reasons: string[];
}

/** VP8's boolean entropy decoder (RFC 6386, section 7), enough to read the frame header. */
class BoolDecoder {
  private value: number;
  private range = 255;
  private bitCount = 0;
  private position: number;
  /** Set when the header needed more bytes than the first partition has. */
  overrun = false;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.value = ((data[start] ?? 0) << 8) | (data[start + 1] ?? 0);
    this.position = start + 2;
    if (this.position > end) this.overrun = true;
  }

  bool(probability: number): number {
    const split = 1 + (((this.range - 1) * probability) >> 8);
    const bigSplit = split << 8;
    let bit: number;
    if (this.value >= bigSplit) {
      bit = 1;
      this.range -= split;
      this.value -= bigSplit;
    } else {
      bit = 0;
      this.range = split;
    }
    while (this.range < 128) {
      this.value = (this.value << 1) & 0xffff;
      this.range <<= 1;
      if (++this.bitCount === 8) {
        this.bitCount = 0;
        if (this.position < this.end) {
          this.value |= this.data[this.position] ?? 0;
        } else {
          this.overrun = true;
        }
        this.position++;
      }
    }
    return bit;
  }

  literal(bits: number): number {
    let result = 0;
    for (let i = 0; i < bits; i++) {
      result = (result << 1) | this.bool(128);
    }
    return result;
  }

  optionalSigned(bits: number): void {
    if (this.literal(1)) {
      this.literal(bits);
      this.literal(1);
    }
  }
}

function hasE2eeTrailer(
  frame: Uint8Array,
  clearBytes: number,
): { present: boolean; keyIndex?: number } {
  const length = frame.length;
  if (length < clearBytes + GCM_TAG_LENGTH + TRAILER_LENGTH) {
    return { present: false };
  }
  if (frame[length - 2] !== IV_LENGTH) {
    return { present: false };
  }
  const keyIndex = frame[length - 1];
  return keyIndex === undefined ? { present: false } : { present: true, keyIndex };
}

/**
 * Reads the VP8 frame header from the first partition (RFC 6386, sections 9.2 to 9.6 and
 * 19.2) and checks that the DCT partition table fits the frame. Returns the problems found.
 */
function vp8HeaderProblems(
  frame: Uint8Array,
  keyframe: boolean,
  headerLength: number,
  firstPartitionSize: number,
): string[] {
  const problems: string[] = [];
  const firstPartitionEnd = headerLength + firstPartitionSize;
  if (firstPartitionSize < 2 || firstPartitionEnd >= frame.length) {
    return [
      `first partition (${firstPartitionSize} bytes) does not fit the ${frame.length}-byte frame`,
    ];
  }
  const reader = new BoolDecoder(frame, headerLength, firstPartitionEnd);
  if (keyframe) {
    const colorSpace = reader.literal(1);
    const clamping = reader.literal(1);
    if (colorSpace !== 0) problems.push('reserved colour space');
    if (clamping !== 0) problems.push('clamping type is not the one encoders write');
  }
  if (reader.literal(1)) {
    // segmentation_enabled
    const updateMap = reader.literal(1);
    const updateData = reader.literal(1);
    if (updateData) {
      reader.literal(1);
      for (let i = 0; i < 4; i++) reader.optionalSigned(7);
      for (let i = 0; i < 4; i++) reader.optionalSigned(6);
    }
    if (updateMap) {
      for (let i = 0; i < 3; i++) if (reader.literal(1)) reader.literal(8);
    }
  }
  reader.literal(1); // filter_type
  reader.literal(6); // loop_filter_level
  reader.literal(3); // sharpness_level
  if (reader.literal(1) && reader.literal(1)) {
    // loop_filter_adj_enable && mode_ref_lf_delta_update
    for (let i = 0; i < 8; i++) reader.optionalSigned(6);
  }
  const partitions = 1 << reader.literal(2);
  if (reader.overrun) {
    problems.push('frame header runs past the first partition');
    return problems;
  }
  const tableStart = firstPartitionEnd;
  const dataStart = tableStart + 3 * (partitions - 1);
  if (dataStart >= frame.length) {
    problems.push(`${partitions} DCT partitions do not fit the frame`);
    return problems;
  }
  let offset = dataStart;
  for (let i = 0; i < partitions - 1; i++) {
    const at = tableStart + 3 * i;
    const size = (frame[at] ?? 0) | ((frame[at + 1] ?? 0) << 8) | ((frame[at + 2] ?? 0) << 16);
    offset += size;
  }
  if (offset >= frame.length) {
    problems.push(`DCT partition sizes (${partitions} partitions) overrun the frame`);
  }
  return problems;
}

export function inspectVp8Frame(frame: Uint8Array): Vp8FrameReport {
  const reasons: string[] = [];
  if (frame.length < 3) {
    return { verdict: 'unrecognized', keyframe: false, reasons: ['shorter than a VP8 frame tag'] };
  }
  const tag = (frame[0] ?? 0) | ((frame[1] ?? 0) << 8) | ((frame[2] ?? 0) << 16);
  const keyframe = (tag & 0x01) === 0;
  const version = (tag >> 1) & 0x07;
  const showFrame = (tag >> 4) & 0x01;
  const firstPartitionSize = (tag >> 5) & 0x7ffff;
  const clearBytes = keyframe ? 10 : 3;
  const report: Vp8FrameReport = { verdict: 'unrecognized', keyframe, reasons };
  if (version > 3) reasons.push(`VP8 version ${version} does not exist`);
  if (!showFrame) reasons.push('frame is not shown');
  if (keyframe) {
    if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
      reasons.push('keyframe without the 9d 01 2a start code');
      return report;
    }
    report.width = ((frame[6] ?? 0) | ((frame[7] ?? 0) << 8)) & 0x3fff;
    report.height = ((frame[8] ?? 0) | ((frame[9] ?? 0) << 8)) & 0x3fff;
    if (!report.width || !report.height) reasons.push('keyframe with zero dimensions');
  }
  const trailer = hasE2eeTrailer(frame, clearBytes);
  if (trailer.keyIndex !== undefined) report.keyIndex = trailer.keyIndex;
  const headerProblems = vp8HeaderProblems(frame, keyframe, clearBytes, firstPartitionSize);
  if (reasons.length === 0 && headerProblems.length === 0 && !trailer.present) {
    report.verdict = 'plaintext';
  } else if (reasons.length === 0 && trailer.present) {
    report.verdict = 'encrypted';
    reasons.push('ends with the E2EE trailer (IV length 12, key index)', ...headerProblems);
  } else {
    reasons.push(...headerProblems);
  }
  return report;
}

export interface OpusPacketReport {
  verdict: FrameVerdict;
  config: number;
  keyIndex?: number;
  reasons: string[];
}

/**
 * Opus carries no redundancy a server could check beyond the TOC byte (RFC 6716, 3.1), which
 * E2EE leaves clear; the E2EE trailer is what tells the two apart. Code 3 packets must also
 * announce between 1 and 48 frames.
 */
export function inspectOpusPacket(packet: Uint8Array): OpusPacketReport {
  const toc = packet[0];
  if (toc === undefined) {
    return { verdict: 'unrecognized', config: -1, reasons: ['empty packet'] };
  }
  const config = toc >> 3;
  const reasons: string[] = [];
  if ((toc & 0x03) === 3) {
    const count = (packet[1] ?? 0) & 0x3f;
    if (count < 1 || count > 48) reasons.push(`code 3 packet announcing ${count} frames`);
  }
  const trailer = hasE2eeTrailer(packet, 1);
  const report: OpusPacketReport = { verdict: 'unrecognized', config, reasons };
  if (trailer.keyIndex !== undefined) report.keyIndex = trailer.keyIndex;
  if (trailer.present) {
    report.verdict = 'encrypted';
    reasons.push('ends with the E2EE trailer (IV length 12, key index)');
  } else if (reasons.length === 0) {
    report.verdict = 'plaintext';
  }
  return report;
}

export type TrackVerdict = 'decodable' | 'encrypted' | 'inconclusive';

export interface TrackAssessment {
  verdict: TrackVerdict;
  frames: number;
  plaintextFrames: number;
  encryptedFrames: number;
  keyframes: number;
  /** Distinct keyframe sizes seen (e.g. "640x480"), per simulcast layer. */
  keyframeSizes: string[];
  keyIndexes: number[];
  explanation: string;
}

export interface AssessOptions {
  /** Share of frames that must agree for a verdict. Default 0.95. */
  agreement?: number;
  /** Fewer frames than this is inconclusive. Default 10. */
  minFrames?: number;
}

/** Verdict over a tapped track: the control and the claim are the same function. */
export function assessTrack(
  track: Pick<TapTrack, 'kind' | 'frames'>,
  options: AssessOptions = {},
): TrackAssessment {
  const agreement = options.agreement ?? 0.95;
  const minFrames = options.minFrames ?? 10;
  const frames = track.frames.filter((frame: TapFrame) => !frame.truncated);
  let plaintextFrames = 0;
  let encryptedFrames = 0;
  let keyframes = 0;
  let validKeyframes = 0;
  const sizes = new Set<string>();
  const keyIndexes = new Set<number>();
  for (const frame of frames) {
    const report =
      track.kind === 'video' ? inspectVp8Frame(frame.data) : inspectOpusPacket(frame.data);
    if (report.verdict === 'plaintext') plaintextFrames++;
    if (report.verdict === 'encrypted') encryptedFrames++;
    if (report.keyIndex !== undefined && report.verdict === 'encrypted')
      keyIndexes.add(report.keyIndex);
    if ('keyframe' in report && report.keyframe) {
      keyframes++;
      if (report.width && report.height) {
        validKeyframes++;
        sizes.add(`${report.width}x${report.height}`);
      }
    }
  }
  const total = frames.length;
  const base = {
    frames: total,
    plaintextFrames,
    encryptedFrames,
    keyframes,
    keyframeSizes: [...sizes].sort(),
    keyIndexes: [...keyIndexes].sort((a, b) => a - b),
  };
  if (total < minFrames) {
    return {
      ...base,
      verdict: 'inconclusive',
      explanation: `only ${total} complete frames captured`,
    };
  }
  const videoKeyframesOk =
    track.kind === 'audio' || (keyframes > 0 && validKeyframes === keyframes);
  if (plaintextFrames >= agreement * total && videoKeyframesOk) {
    return {
      ...base,
      verdict: 'decodable',
      explanation: `${plaintextFrames} of ${total} frames parse as plain ${track.kind === 'video' ? 'VP8' : 'Opus'}`,
    };
  }
  if (encryptedFrames >= agreement * total && plaintextFrames === 0 && videoKeyframesOk) {
    return {
      ...base,
      verdict: 'encrypted',
      explanation: `${encryptedFrames} of ${total} frames carry LiveKit's E2EE trailer and none parses as plain media`,
    };
  }
  return {
    ...base,
    verdict: 'inconclusive',
    explanation: `${plaintextFrames} plaintext, ${encryptedFrames} encrypted, ${total} frames`,
  };
}
