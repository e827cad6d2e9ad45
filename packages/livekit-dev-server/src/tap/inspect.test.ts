import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assessTrack, inspectOpusPacket, inspectVp8Frame } from './inspect';
import type { TapFrame } from './tap';

interface Fixture {
  video: Array<{ layer: string; keyframe: boolean; base64: string }>;
  audio: Array<{ base64: string }>;
}

// Real frames from Chromium's encoders, captured by the tap with E2EE off.
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/chromium-plaintext-frames.json', import.meta.url), 'utf8'),
) as Fixture;

const videoFrames: TapFrame[] = fixture.video.map((frame, index) => {
  const data = new Uint8Array(Buffer.from(frame.base64, 'base64'));
  return {
    layer: frame.layer,
    keyframe: frame.keyframe,
    rtpTimestamp: index * 3000,
    size: data.length,
    truncated: false,
    data,
  };
});
const audioFrames: TapFrame[] = fixture.audio.map((frame, index) => {
  const data = new Uint8Array(Buffer.from(frame.base64, 'base64'));
  return {
    layer: '',
    keyframe: false,
    rtpTimestamp: index * 960,
    size: data.length,
    truncated: false,
    data,
  };
});

/**
 * Encrypts a frame in livekit-client's layout (FrameCryptor): the clear header, AES-GCM over
 * the rest with the header as additional data, then IV, IV length and key index.
 */
function encryptLikeLiveKit(
  frame: TapFrame,
  key: Buffer,
  keyIndex: number,
  clearBytes: number,
): TapFrame {
  const iv = randomBytes(12);
  const header = frame.data.subarray(0, clearBytes);
  const cipher = createCipheriv('aes-128-gcm', key, iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([
    cipher.update(frame.data.subarray(clearBytes)),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const data = new Uint8Array(
    Buffer.concat([header, ciphertext, iv, Uint8Array.from([12, keyIndex])]),
  );
  return { ...frame, data, size: data.length };
}

const key = randomBytes(16);
const encryptedVideo = videoFrames.map((frame) =>
  encryptLikeLiveKit(frame, key, 0, frame.keyframe ? 10 : 3),
);
const encryptedAudio = audioFrames.map((frame) => encryptLikeLiveKit(frame, key, 0, 1));

describe('inspectVp8Frame', () => {
  it('recognises plaintext keyframes with their size, and plaintext delta frames', () => {
    const keyframe = videoFrames.find((frame) => frame.keyframe && frame.layer === 'h');
    expect(keyframe && inspectVp8Frame(keyframe.data)).toMatchObject({
      verdict: 'plaintext',
      keyframe: true,
      width: 640,
      height: 480,
    });
    for (const frame of videoFrames) {
      expect(inspectVp8Frame(frame.data).verdict, `frame ${frame.rtpTimestamp}`).toBe('plaintext');
    }
  });

  it('recognises the same frames encrypted the way livekit-client does', () => {
    for (const frame of encryptedVideo) {
      const report = inspectVp8Frame(frame.data);
      expect(report.verdict).toBe('encrypted');
      expect(report.keyIndex).toBe(0);
    }
  });

  it('does not call random bytes behind a valid clear header plaintext', () => {
    const keyframe = videoFrames.find((frame) => frame.keyframe);
    if (!keyframe) throw new Error('fixture has no keyframe');
    let plaintext = 0;
    for (let i = 0; i < 200; i++) {
      const noise = new Uint8Array(randomBytes(keyframe.data.length));
      noise.set(keyframe.data.subarray(0, 10));
      if (noise[noise.length - 2] === 12) noise[noise.length - 2] = 13;
      if (inspectVp8Frame(noise).verdict === 'plaintext') plaintext++;
    }
    // The header check alone rejects about 94% of random keyframes (expect ~12 of 200 through);
    // the E2EE trailer decides the rest.
    expect(plaintext).toBeLessThan(40);
  });
});

describe('inspectOpusPacket', () => {
  it('tells plain Opus from encrypted Opus', () => {
    expect(
      audioFrames.every((frame) => inspectOpusPacket(frame.data).verdict === 'plaintext'),
    ).toBe(true);
    expect(
      encryptedAudio.every((frame) => inspectOpusPacket(frame.data).verdict === 'encrypted'),
    ).toBe(true);
  });
});

describe('assessTrack', () => {
  it('calls plaintext media decodable (the control)', () => {
    const video = assessTrack({ kind: 'video', frames: videoFrames });
    expect(video).toMatchObject({ verdict: 'decodable', encryptedFrames: 0 });
    expect(video.keyframeSizes).toEqual(['240x180', '640x480']);
    expect(assessTrack({ kind: 'audio', frames: audioFrames }).verdict).toBe('decodable');
  });

  it('calls the same media, encrypted, encrypted', () => {
    const video = assessTrack({ kind: 'video', frames: encryptedVideo });
    expect(video).toMatchObject({ verdict: 'encrypted', plaintextFrames: 0, keyIndexes: [0] });
    // The clear VP8 header still tells the size: LiveKit leaves it readable on purpose.
    expect(video.keyframeSizes).toEqual(['240x180', '640x480']);
    expect(assessTrack({ kind: 'audio', frames: encryptedAudio }).verdict).toBe('encrypted');
  });

  it('is inconclusive on mixed or too little media', () => {
    const mixed = [...videoFrames.slice(0, 8), ...encryptedVideo.slice(8)];
    expect(assessTrack({ kind: 'video', frames: mixed }).verdict).toBe('inconclusive');
    expect(assessTrack({ kind: 'video', frames: videoFrames.slice(0, 3) }).verdict).toBe(
      'inconclusive',
    );
    expect(assessTrack({ kind: 'video', frames: [] }).verdict).toBe('inconclusive');
  });
});
