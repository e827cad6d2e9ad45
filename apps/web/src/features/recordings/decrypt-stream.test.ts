import { createHash, randomBytes } from 'node:crypto';
import {
  createRecordingEnvelope,
  generateIdentity,
  generateRecordingKey,
  ready,
  RecordingWriter,
  signConsent,
  signRecordingSeal,
  type RecordingStats,
} from '@conclave/crypto';
import { describe, expect, it } from 'vitest';
import { decryptRecordingStream, type DecryptOutcome } from './decrypt-stream';
import { checkEnvelope, directoryTrust } from './recording-trust';
import { playbackVerdict } from './recording-view';
import { directoryEntry } from './testing';

await ready();

const recordingId = '6b0c1a52-6a0e-4a37-9b65-0d0f5b1f3a11';
const mimeType = 'video/webm;codecs=vp8,opus';

/** A recording made like the recorder makes it: blobs of odd sizes, flushes, then finish. */
function makeRecording(plaintext: Uint8Array, chunkBytes = 4096) {
  const recordingKey = generateRecordingKey();
  const writer = new RecordingWriter({
    recordingKey,
    recordingId,
    mimeType,
    maxChunkBytes: chunkBytes,
  });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < plaintext.length; i += 3001) {
    parts.push(writer.write(plaintext.subarray(i, i + 3001)));
    if (i % 9003 === 0) parts.push(writer.flush());
  }
  const { output, stats } = writer.finish();
  parts.push(output);
  const ciphertext = Buffer.concat(parts);
  return { recordingKey, ciphertext: new Uint8Array(ciphertext), stats };
}

/** Splits bytes at the given cut points into a ReadableStream, like a network would. */
function streamOf(bytes: Uint8Array, cuts: number[]): ReadableStream<Uint8Array> {
  const points = [
    0,
    ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b),
    bytes.length,
  ];
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= points.length - 1) return controller.close();
      controller.enqueue(bytes.slice(points[i], points[i + 1]));
      i += 1;
    },
  });
}

async function decrypt(ciphertext: Uint8Array, recordingKey: Uint8Array, cuts: number[]) {
  const out: Uint8Array[] = [];
  const outcome = await decryptRecordingStream({
    source: streamOf(ciphertext, cuts),
    recordingKey,
    recordingId,
    mimeType,
    hashes: 'plaintext',
    sink: { write: (chunk) => void out.push(chunk) },
  });
  return { outcome, plaintext: new Uint8Array(Buffer.concat(out)) };
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('decryptRecordingStream', () => {
  const plaintext = new Uint8Array(randomBytes(50_000));
  const { recordingKey, ciphertext, stats } = makeRecording(plaintext);

  it('decrypts input split anywhere into the original bytes', async () => {
    const splits = [
      [],
      [1],
      [23, 24, 25, 27, 28],
      Array.from({ length: 200 }, (_, i) => i * 97 + 5),
      Array.from({ length: ciphertext.length }, (_, i) => i),
    ];
    for (const cuts of splits) {
      const { outcome, plaintext: got } = await decrypt(ciphertext, recordingKey, cuts);
      expect(outcome.status).toBe('complete');
      expect(sha(got)).toBe(sha(plaintext));
      if (outcome.status === 'complete') {
        expect(outcome.result.plaintextSha256).toBe(stats.plaintextSha256);
        expect(outcome.result.chunkCount).toBe(stats.chunkCount);
      }
    }
  });

  it('reports a truncated stream and hands over every whole chunk before the cut', async () => {
    const cut = ciphertext.length - 100;
    const { outcome, plaintext: got } = await decrypt(
      ciphertext.slice(0, cut),
      recordingKey,
      [7, 5000],
    );
    expect(outcome.status).toBe('truncated');
    if (outcome.status !== 'truncated') return;
    expect(outcome.result.danglingBytes).toBeGreaterThan(0);
    expect(got.length).toBe(outcome.result.plaintextBytes);
    expect(got.length).toBeGreaterThan(0);
    expect(Buffer.compare(got, plaintext.subarray(0, got.length))).toBe(0);
  });

  it('stops at a tampered chunk with CHUNK_AUTH_FAILED and keeps only the authentic prefix', async () => {
    const tampered = ciphertext.slice();
    const at = Math.floor(ciphertext.length / 2);
    tampered[at] = tampered[at]! ^ 0x01;
    const { outcome, plaintext: got } = await decrypt(tampered, recordingKey, [
      100,
      at - 3,
      at + 3,
    ]);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') return;
    expect(['CHUNK_AUTH_FAILED', 'MALFORMED_RECORD']).toContain(outcome.code);
    expect(outcome.plaintextBytesBefore).toBe(got.length);
    expect(Buffer.compare(got, plaintext.subarray(0, got.length))).toBe(0);
    expect(got.length).toBeLessThan(plaintext.length);
  });

  it('fails with CHUNK_AUTH_FAILED under another recording key', async () => {
    const { outcome } = await decrypt(ciphertext, generateRecordingKey(), [50]);
    expect(outcome).toMatchObject({ status: 'failed', code: 'CHUNK_AUTH_FAILED', chunksBefore: 0 });
  });

  it('reports a network failure with what was decrypted before it', async () => {
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 0) return controller.error(new TypeError('network error'));
        controller.enqueue(ciphertext.slice(0, 20_000));
        sent += 1;
      },
    });
    const outcome = await decryptRecordingStream({
      source,
      recordingKey,
      recordingId,
      mimeType,
      sink: { write: () => undefined },
    });
    expect(outcome).toMatchObject({ status: 'failed', code: 'NETWORK' });
  });

  it('waits for a slow sink before reading more (back-pressure) and reports progress', async () => {
    let inSink = 0;
    let maxInSink = 0;
    const progress: number[] = [];
    const outcome = await decryptRecordingStream({
      source: streamOf(ciphertext, [10_000, 20_000, 30_000]),
      recordingKey,
      recordingId,
      mimeType,
      totalBytes: ciphertext.length,
      onProgress: (p) => progress.push(p.receivedBytes),
      sink: {
        async write() {
          inSink += 1;
          maxInSink = Math.max(maxInSink, inSink);
          await new Promise((resolve) => setTimeout(resolve, 1));
          inSink -= 1;
        },
      },
    });
    expect(outcome.status).toBe('complete');
    expect(maxInSink).toBe(1);
    expect(progress.at(-1)).toBe(ciphertext.length);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const outcome = await decryptRecordingStream({
      source: streamOf(ciphertext, [1000, 2000, 3000]),
      recordingKey,
      recordingId,
      mimeType,
      signal: controller.signal,
      sink: { write: () => controller.abort() },
    });
    expect(outcome.status).toBe('aborted');
  });
});

describe('playbackVerdict against the seal', () => {
  const recorder = generateIdentity();
  const guestless = [directoryEntry('u-rec', 'Rita Recorder', recorder)];
  const plaintext = new Uint8Array(randomBytes(20_000));
  const made = makeRecording(plaintext);
  const envelope = createRecordingEnvelope({
    recordingId,
    meetingId: 'm-1',
    recorderUserId: 'u-rec',
    recorder,
    mimeType,
    startedAt: '2026-12-01T10:00:00.000Z',
    recordingKey: made.recordingKey,
    recipientExchangeKeys: [],
    consents: [
      signConsent({
        meetingId: 'm-1',
        recordingId,
        decision: 'accept',
        userId: 'u-rec',
        identity: recorder,
      }),
    ],
  });
  const sealFor = (stats: RecordingStats) =>
    signRecordingSeal({
      recordingId,
      recorderUserId: 'u-rec',
      recorder,
      stats,
      endedAt: '2026-12-01T10:10:00.000Z',
    });
  const opened = (seal: ReturnType<typeof sealFor> | null) =>
    checkEnvelope({ envelope, seal, recordingId, directory: directoryTrust(guestless, null) });

  it('says Verified with the recorder and the consents when everything matches', async () => {
    const { outcome } = await decrypt(made.ciphertext, made.recordingKey, [333]);
    const verdict = playbackVerdict({
      opened: opened(sealFor(made.stats)),
      outcome,
      progress: null,
    });
    expect(verdict).toMatchObject({
      tone: 'success',
      title: 'Verified: recorded by Rita Recorder, 1 consent',
    });
  });

  it('warns when the stream is truncated although the seal says more', async () => {
    const { outcome } = await decrypt(made.ciphertext.slice(0, 9000), made.recordingKey, []);
    const verdict = playbackVerdict({
      opened: opened(sealFor(made.stats)),
      outcome,
      progress: null,
    });
    expect(verdict.tone).toBe('error');
    expect(verdict.title).toBe('Truncated recording');
    expect(verdict.detail).toMatch(/truncated/);
  });

  it('calls an unsealed recording ended early and still plays it', async () => {
    const { outcome } = await decrypt(made.ciphertext.slice(0, 9000), made.recordingKey, []);
    const verdict = playbackVerdict({ opened: opened(null), outcome, progress: null });
    expect(verdict).toMatchObject({ tone: 'warning' });
    expect(verdict.title).toMatch(/^Ended early/);
    expect(verdict.detail).toMatch(/plays to where it stops/);
  });

  it('rejects a seal whose content hash differs', async () => {
    const other = makeRecording(new Uint8Array(randomBytes(20_000)));
    const forged = sealFor({ ...made.stats, plaintextSha256: other.stats.plaintextSha256! });
    const { outcome } = await decrypt(made.ciphertext, made.recordingKey, []);
    const verdict = playbackVerdict({ opened: opened(forged), outcome, progress: null });
    expect(verdict).toMatchObject({ tone: 'error', title: 'Does not match the seal' });
  });

  it('shows a seal signed by someone else as a bad seal', async () => {
    const mallory = generateIdentity();
    const bad = signRecordingSeal({
      recordingId,
      recorderUserId: 'u-rec',
      recorder: mallory,
      stats: made.stats,
      endedAt: '2026-12-01T10:10:00.000Z',
    });
    const { outcome } = await decrypt(made.ciphertext, made.recordingKey, []);
    const verdict = playbackVerdict({ opened: opened(bad), outcome, progress: null });
    expect(verdict).toMatchObject({ tone: 'error', title: 'Bad seal' });
  });

  it('names the failing chunk when the content was tampered with', async () => {
    const tampered = made.ciphertext.slice();
    tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 0x80;
    const { outcome } = await decrypt(tampered, made.recordingKey, []);
    const verdict = playbackVerdict({
      opened: opened(sealFor(made.stats)),
      outcome,
      progress: null,
    });
    expect(verdict.tone).toBe('error');
    expect(verdict.detail).toMatch(/altered or damaged: chunk \d+/);
  });

  it('refuses an envelope signed by a key the directory does not list for the recorder', () => {
    const stranger = [directoryEntry('u-rec', 'Rita Recorder', generateIdentity())];
    expect(() =>
      checkEnvelope({
        envelope,
        seal: null,
        recordingId,
        directory: directoryTrust(stranger, null),
      }),
    ).toThrow(/UNKNOWN_SIGNER|no trusted key/);
  });

  it('is never Verified while decryption is still running', () => {
    const pending: DecryptOutcome | null = null;
    const verdict = playbackVerdict({
      opened: opened(sealFor(made.stats)),
      outcome: pending,
      progress: null,
    });
    expect(verdict.tone).toBe('info');
    expect(verdict.title).toMatch(/^Checking/);
  });
});
