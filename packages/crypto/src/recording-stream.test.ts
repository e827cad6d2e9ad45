import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { expectCryptoError, expectCryptoErrorAsync, expectNoSecretsIn } from '../test/helpers';
import { concatBytes, toBase64Url, toHex } from './encoding';
import { CryptoError } from './errors';
import {
  MAX_CHUNK_BYTES,
  RecordingReader,
  RecordingWriter,
  decryptRecordingBytes,
  encryptRecordingBytes,
  generateRecordingKey,
  readRecording,
  recordingAssociatedData,
  requireComplete,
  type RecordingWriterOptions,
} from './recording-stream';
import { raw, ready } from './sodium';

await ready();

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Layout {
  header: Uint8Array;
  records: Uint8Array[];
}

/** An independent parser of the DESIGN format (for building tampered copies). */
function parseLayout(bytes: Uint8Array): Layout {
  const records: Uint8Array[] = [];
  let offset = 24;
  while (offset < bytes.length) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);
    records.push(bytes.subarray(offset, offset + 4 + length));
    offset += 4 + length;
  }
  expect(offset).toBe(bytes.length);
  return { header: bytes.subarray(0, 24), records };
}

function join(layout: Layout): Uint8Array {
  return concatBytes([layout.header, ...layout.records]);
}

function options(overrides: Partial<RecordingWriterOptions> = {}): RecordingWriterOptions {
  return {
    recordingKey: generateRecordingKey(),
    recordingId: 'rec-1',
    mimeType: 'video/webm',
    ...overrides,
  };
}

/** Blob sizes like MediaRecorder's: small and irregular, with the odd large one. */
const blobSizes = fc.array(fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 400 }), fc.constant(0)), {
  maxLength: 25,
});

function record(opts: RecordingWriterOptions, sizes: number[], flushAt: Set<number> = new Set()) {
  const writer = new RecordingWriter(opts);
  const blobs = sizes.map((n) => new Uint8Array(nodeRandomBytes(n)));
  const out: Uint8Array[] = [];
  blobs.forEach((blob, i) => {
    out.push(writer.write(blob));
    expect(writer.bufferedBytes).toBeLessThan(writer.maxChunkBytes);
    if (flushAt.has(i)) out.push(writer.flush());
  });
  const { output, stats } = writer.finish();
  out.push(output);
  return { ciphertext: concatBytes(out), plaintext: concatBytes(blobs), stats };
}

describe('RecordingWriter / RecordingReader round trip', () => {
  it('round-trips blobs of any size, with flushes anywhere, and states correct stats', () => {
    fc.assert(
      fc.property(
        blobSizes,
        fc.integer({ min: 1, max: 97 }),
        fc.array(fc.nat({ max: 30 }), { maxLength: 5 }),
        (sizes, maxChunkBytes, flushes) => {
          const opts = options({ maxChunkBytes });
          const { ciphertext, plaintext, stats } = record(opts, sizes, new Set(flushes));
          const layout = parseLayout(ciphertext);
          for (const r of layout.records)
            expect(r.length - 4 - 17).toBeLessThanOrEqual(maxChunkBytes);
          expect(stats.chunkCount).toBe(layout.records.length);
          expect(stats.plaintextBytes).toBe(plaintext.length);
          expect(stats.ciphertextBytes).toBe(ciphertext.length);
          expect(stats.plaintextSha256).toBe(sha256(plaintext));
          expect(stats.ciphertextSha256).toBe(sha256(ciphertext));
          const { plaintext: back, result } = decryptRecordingBytes(ciphertext, {
            ...opts,
            hashes: 'all',
          });
          expect(toHex(back)).toBe(toHex(plaintext));
          expect(result).toEqual({ ...stats, complete: true, truncated: false, danglingBytes: 0 });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('uses full 1 MiB chunks, keeps at most one chunk buffered, and libsodium itself can read it', () => {
    const opts = options();
    const sizes = [1000, 700_000, 3, 900_000, 1_600_000, 12, 400_000];
    const { ciphertext, plaintext } = record(opts, sizes);
    const layout = parseLayout(ciphertext);
    expect(layout.records.map((r) => r.length - 4 - 17)).toEqual([
      MAX_CHUNK_BYTES,
      MAX_CHUNK_BYTES,
      MAX_CHUNK_BYTES,
      plaintext.length - 3 * MAX_CHUNK_BYTES,
    ]);
    // Decode with the libsodium wrappers' own secretstream pull, independently of our reader.
    const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(
      layout.header,
      opts.recordingKey,
    );
    const ad = recordingAssociatedData(opts.recordingId, opts.mimeType);
    const parts = layout.records.map((r, i) => {
      const pulled = sodium.crypto_secretstream_xchacha20poly1305_pull(state, r.subarray(4), ad);
      expect(pulled).not.toBe(false);
      if (pulled === false) throw new Error('pull failed');
      expect(pulled.tag).toBe(
        i === layout.records.length - 1
          ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
          : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
      );
      return pulled.message;
    });
    expect(sha256(concatBytes(parts))).toBe(sha256(plaintext));
  });

  it('reads input split at any byte boundary', () => {
    const opts = options({ maxChunkBytes: 50 });
    const { ciphertext, plaintext } = record(opts, [10, 80, 33, 7]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: ciphertext.length }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), ciphertext.length];
        const reader = new RecordingReader(opts);
        const out: Uint8Array[] = [];
        for (let i = 0; i + 1 < points.length; i++)
          out.push(...reader.push(ciphertext.subarray(points[i], points[i + 1])));
        expect(reader.end().complete).toBe(true);
        expect(toHex(concatBytes(out))).toBe(toHex(plaintext));
      }),
      { numRuns: 100 },
    );
  });

  it('writes an empty final chunk for an empty recording, and after a flush that emptied the buffer', () => {
    const opts = options();
    const writer = new RecordingWriter(opts);
    const { output, stats } = writer.finish();
    expect(output).toHaveLength(24 + 4 + 17);
    expect(stats.chunkCount).toBe(1);
    expect(decryptRecordingBytes(output, opts).result.complete).toBe(true);
  });

  it('emits the header with the first call and flush() emits a short non-final chunk on demand', () => {
    const opts = options();
    const writer = new RecordingWriter(opts);
    const first = writer.write(new Uint8Array(10));
    expect(first).toHaveLength(24);
    expect(writer.bufferedBytes).toBe(10);
    const flushed = writer.flush();
    expect(flushed).toHaveLength(4 + 10 + 17);
    expect(writer.flush()).toHaveLength(0);
    // What an uploader had sent so far is a readable, truncated recording.
    const partial = decryptRecordingBytes(concatBytes([first, flushed]), opts);
    expect(partial.result).toMatchObject({
      truncated: true,
      chunkCount: 1,
      plaintextBytes: 10,
      danglingBytes: 0,
    });
    writer.abort();
  });

  it('computes only the digests asked for when reading', () => {
    const opts = options();
    const { ciphertext } = encryptRecordingBytes(new Uint8Array(100), opts);
    expect(decryptRecordingBytes(ciphertext, opts).result.plaintextSha256).toBeUndefined();
    const plain = decryptRecordingBytes(ciphertext, { ...opts, hashes: 'plaintext' }).result;
    expect(plain.plaintextSha256).toBe(sha256(new Uint8Array(100)));
    expect(plain.ciphertextSha256).toBeUndefined();
    const noHashes = encryptRecordingBytes(new Uint8Array(1), { ...opts, sealHashes: false }).stats;
    expect(noHashes.plaintextSha256).toBeUndefined();
  });

  it('readRecording consumes an async source and awaits the sink', async () => {
    const opts = options({ maxChunkBytes: 1000 });
    const { ciphertext, plaintext } = record(opts, [500, 1500, 20]);
    async function* pieces() {
      for (let i = 0; i < ciphertext.length; i += 333) {
        await Promise.resolve();
        yield ciphertext.subarray(i, i + 333);
      }
    }
    const out: Uint8Array[] = [];
    const result = await readRecording(pieces(), opts, async (chunk) => {
      await Promise.resolve();
      out.push(chunk);
    });
    expect(requireComplete(result).chunkCount).toBe(3);
    expect(toHex(concatBytes(out))).toBe(toHex(plaintext));
  });
});

describe('RecordingReader on damaged input', () => {
  const opts = options({ maxChunkBytes: 40 });
  const { ciphertext, plaintext } = record(opts, [30, 55, 70, 5]);
  const layout = parseLayout(ciphertext);
  const prefixStarts = new Set<number>();
  {
    let offset = 24;
    for (const r of layout.records) {
      for (let i = 0; i < 4; i++) prefixStarts.add(offset + i);
      offset += r.length;
    }
  }

  it('rejects any flipped bit, or reports truncation only when a length prefix grew past the end', () => {
    fc.assert(
      fc.property(fc.nat({ max: ciphertext.length * 8 - 1 }), (bit) => {
        const damaged = ciphertext.slice();
        damaged[bit >> 3]! ^= 1 << (bit & 7);
        let outcome: string;
        try {
          const { result } = decryptRecordingBytes(damaged, opts);
          outcome = result.complete ? 'complete' : 'truncated';
        } catch (error) {
          expect(error).toBeInstanceOf(CryptoError);
          outcome = (error as CryptoError).code;
        }
        if (prefixStarts.has(bit >> 3)) {
          expect(['CHUNK_AUTH_FAILED', 'MALFORMED_RECORD', 'truncated']).toContain(outcome);
        } else {
          expect(outcome).toBe('CHUNK_AUTH_FAILED');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('rejects a dropped, repeated or swapped chunk with CHUNK_AUTH_FAILED', () => {
    const n = layout.records.length;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ op: fc.constant('drop' as const), i: fc.nat({ max: n - 2 }) }),
          fc.record({ op: fc.constant('repeat' as const), i: fc.nat({ max: n - 2 }) }),
          fc.record({ op: fc.constant('swap' as const), i: fc.nat({ max: n - 2 }) }),
        ),
        ({ op, i }) => {
          const records = [...layout.records];
          if (op === 'drop') records.splice(i, 1);
          if (op === 'repeat') records.splice(i, 0, records[i]!);
          if (op === 'swap') [records[i], records[i + 1]] = [records[i + 1]!, records[i]!];
          const error = expectCryptoError(
            () => decryptRecordingBytes(join({ header: layout.header, records }), opts),
            'CHUNK_AUTH_FAILED',
            'RecordingReader.push',
          );
          expect(error.message).toMatch(/chunk \d+ failed authentication/);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a missing final chunk as truncated, never as an error', () => {
    fc.assert(
      fc.property(fc.nat({ max: ciphertext.length - 1 }), (cut) => {
        const { plaintext: got, result } = decryptRecordingBytes(ciphertext.subarray(0, cut), opts);
        expect(result.truncated).toBe(true);
        expect(result.complete).toBe(false);
        expect(toHex(plaintext).startsWith(toHex(got))).toBe(true);
        expect(() => requireComplete(result)).toThrow(CryptoError);
        expectCryptoError(() => requireComplete(result), 'TRUNCATED', 'requireComplete');
      }),
      { numRuns: 100 },
    );
  });

  it('rejects data after the final chunk with TRAILING_DATA', () => {
    expectCryptoError(
      () => decryptRecordingBytes(concatBytes([ciphertext, new Uint8Array([0])]), opts),
      'TRAILING_DATA',
      'RecordingReader.push',
    );
    expectCryptoError(
      () =>
        decryptRecordingBytes(
          join({ header: layout.header, records: [...layout.records, layout.records[0]!] }),
          opts,
        ),
      'TRAILING_DATA',
    );
  });

  it('rejects a wrong key, and chunks of another recording even under the same key', () => {
    const error = expectCryptoError(
      () => decryptRecordingBytes(ciphertext, { ...opts, recordingKey: generateRecordingKey() }),
      'CHUNK_AUTH_FAILED',
    );
    expectNoSecretsIn(error, [toHex(opts.recordingKey), toBase64Url(opts.recordingKey)]);
    // Same key, different recording id: its chunks must not pass as this recording's.
    const other = record({ ...opts, recordingId: 'rec-2' }, [30, 55, 70, 5]);
    const otherLayout = parseLayout(other.ciphertext);
    expectCryptoError(() => decryptRecordingBytes(other.ciphertext, opts), 'CHUNK_AUTH_FAILED');
    // Same key and id, another stream: splicing its chunk in fails too.
    const sibling = parseLayout(record(opts, [30, 55, 70, 5]).ciphertext);
    const spliced = [layout.records[0]!, sibling.records[1]!, ...layout.records.slice(2)];
    expectCryptoError(
      () => decryptRecordingBytes(join({ header: layout.header, records: spliced }), opts),
      'CHUNK_AUTH_FAILED',
    );
    expect(otherLayout.records.length).toBe(layout.records.length);
  });

  it('rejects impossible length prefixes with MALFORMED_RECORD', () => {
    for (const length of [0, 16, MAX_CHUNK_BYTES + 18, 0xffffffff]) {
      const bad = ciphertext.slice();
      new DataView(bad.buffer).setUint32(24, length, false);
      expectCryptoError(
        () => decryptRecordingBytes(bad, opts),
        'MALFORMED_RECORD',
        'RecordingReader.push',
      );
    }
  });

  it('is unusable after an error, after end() and after abort()', () => {
    const reader = new RecordingReader(opts);
    expect(() => reader.push(concatBytes([ciphertext, new Uint8Array(1)]))).toThrow(CryptoError);
    expectCryptoError(
      () => reader.push(new Uint8Array(1)),
      'READER_FINISHED',
      'RecordingReader.push',
    );
    expectCryptoError(() => reader.end(), 'READER_FINISHED', 'RecordingReader.end');
    const writer = new RecordingWriter(opts);
    writer.finish();
    expectCryptoError(
      () => writer.write(new Uint8Array(1)),
      'WRITER_FINISHED',
      'RecordingWriter.write',
    );
    expectCryptoError(() => writer.finish(), 'WRITER_FINISHED', 'RecordingWriter.finish');
  });

  it('readRecording rejects with the reader error', async () => {
    const damaged = ciphertext.slice();
    damaged[40]! ^= 1;
    await expectCryptoErrorAsync(
      () => readRecording([damaged], opts, () => undefined),
      'CHUNK_AUTH_FAILED',
    );
  });
});

describe('memory', () => {
  it('frees heap buffers on finish, end and abort (heap does not grow over many recordings)', () => {
    const opts = options();
    const warm = new RecordingWriter(opts);
    warm.write(new Uint8Array(10));
    warm.abort();
    const before = raw('test').HEAPU8.length;
    for (let i = 0; i < 200; i++) {
      const writer = new RecordingWriter(opts);
      const out = writer.write(new Uint8Array(2000));
      const fin = writer.finish().output;
      const reader = new RecordingReader(opts);
      reader.push(concatBytes([out, fin]));
      reader.end();
      new RecordingWriter(opts).abort();
    }
    // 200 x (1 MiB writer + 1 MiB reader) would be 400 MiB if anything leaked.
    expect(raw('test').HEAPU8.length).toBe(before);
  });

  it('checks its options', () => {
    expectCryptoError(
      () => new RecordingWriter(options({ maxChunkBytes: MAX_CHUNK_BYTES + 1 })),
      'INVALID_INPUT',
      'RecordingWriter',
    );
    expectCryptoError(
      () => new RecordingWriter(options({ recordingKey: new Uint8Array(16) })),
      'INVALID_INPUT',
    );
    expectCryptoError(
      () => new RecordingReader({ ...options(), mimeType: '' }),
      'INVALID_INPUT',
      'RecordingReader',
    );
  });
});
