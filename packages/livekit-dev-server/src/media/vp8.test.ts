import { describe, expect, it } from 'vitest';
import { isVp8FrameStart, isVp8KeyframeStart, parseVp8PayloadDescriptor } from './vp8';

// RFC 7741 descriptors: X=1, S=1, PID=0 | I=1 | M=1, 15-bit picture id | then the VP8 payload.
const keyframeStart = Uint8Array.from([0x90, 0x80, 0x81, 0x23, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]);
const deltaStart = Uint8Array.from([0x90, 0x80, 0x81, 0x24, 0x31, 0x02, 0x00]);
const continuation = Uint8Array.from([0x80, 0x80, 0x81, 0x24, 0xaa, 0xbb]);

describe('parseVp8PayloadDescriptor', () => {
  it('reads the extended descriptor with a 15-bit picture id', () => {
    expect(parseVp8PayloadDescriptor(keyframeStart)).toEqual({
      length: 4,
      startOfPartition: true,
      partitionIndex: 0,
      pictureId: 0x0123,
    });
  });

  it('reads the short form and a 7-bit picture id', () => {
    expect(parseVp8PayloadDescriptor(Uint8Array.from([0x10, 0x00]))).toMatchObject({
      length: 1,
      pictureId: undefined,
    });
    expect(parseVp8PayloadDescriptor(Uint8Array.from([0x90, 0x80, 0x05, 0x00]))).toMatchObject({
      length: 3,
      pictureId: 5,
    });
  });

  it('skips TL0PICIDX and TID/KEYIDX', () => {
    expect(parseVp8PayloadDescriptor(Uint8Array.from([0x90, 0x60, 0x07, 0x40, 0x00]))?.length).toBe(
      4,
    );
  });

  it('rejects truncated descriptors', () => {
    expect(parseVp8PayloadDescriptor(new Uint8Array())).toBeUndefined();
    expect(parseVp8PayloadDescriptor(Uint8Array.from([0x90]))).toBeUndefined();
    expect(parseVp8PayloadDescriptor(Uint8Array.from([0x90, 0x80, 0x81]))).toBeUndefined();
  });
});

describe('keyframe detection', () => {
  it('sees a keyframe only at the start of partition 0 with the P bit clear', () => {
    expect(isVp8KeyframeStart(keyframeStart)).toBe(true);
    expect(isVp8KeyframeStart(deltaStart)).toBe(false);
    expect(isVp8KeyframeStart(continuation)).toBe(false);
    expect(isVp8FrameStart(deltaStart)).toBe(true);
    expect(isVp8FrameStart(continuation)).toBe(false);
  });
});
