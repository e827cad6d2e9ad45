import { concatBytes, encodeContext } from './encoding';
import { CryptoError } from './errors';
import { HeapBlock, SCRATCH_BYTES, scratch, trackBlocks, untrackBlocks } from './heap';
import { Sha256 } from './sha256';
import { raw, sodium, type RawSodium } from './sodium';
import { requireBytes, requireString } from './validate';

/**
 * The recording format (DESIGN "Recording format"): the 24-byte crypto_secretstream_
 * xchacha20poly1305 header, then records of `uint32 big-endian ciphertext length ||
 * ciphertext`; each chunk's plaintext is at most 1 MiB; the last chunk carries TAG_FINAL; every
 * chunk is pushed with associated data = recordingAssociatedData(recording id, MIME type).
 */
export const RECORDING_FORMAT_VERSION = 1;
export const MAX_CHUNK_BYTES = 1024 * 1024;
export const RECORDING_KEY_BYTES = 32;
export const STREAM_HEADER_BYTES = 24;
/** Per-chunk overhead of secretstream (tag byte + Poly1305 MAC). */
export const CHUNK_OVERHEAD_BYTES = 17;
const PREFIX_BYTES = 4;
const MAX_RECORD_BYTES = MAX_CHUNK_BYTES + CHUNK_OVERHEAD_BYTES;
const TAG_MESSAGE = 0;
const TAG_FINAL = 3;

/** A new random 32-byte recording key. */
export function generateRecordingKey(): Uint8Array {
  return sodium('generateRecordingKey').randombytes_buf(RECORDING_KEY_BYTES);
}

/**
 * The associated data of every chunk: BLAKE2b-256 over the length-prefixed encoding of
 * ("conclave-recording", format version as uint32 BE, recording id, MIME type). Binds each
 * chunk to its recording, so ciphertext cannot be passed off as another recording's.
 */
export function recordingAssociatedData(recordingId: string, mimeType: string): Uint8Array {
  const operation = 'recordingAssociatedData';
  requireString(operation, 'recordingId', recordingId, { maxLength: 256 });
  requireString(operation, 'mimeType', mimeType, { maxLength: 256 });
  return sodium(operation).crypto_generichash(
    32,
    encodeContext('conclave-recording', [RECORDING_FORMAT_VERSION, recordingId, mimeType]),
    null,
  );
}

/** Counts and digests of a stream; what a seal states. Digests are lowercase hex SHA-256. */
export interface RecordingStats {
  chunkCount: number;
  plaintextBytes: number;
  /** Bytes of the stored object: header, length prefixes and ciphertexts. */
  ciphertextBytes: number;
  plaintextSha256?: string;
  /** SHA-256 of the stored object exactly as uploaded (what `sha256sum` prints). */
  ciphertextSha256?: string;
}

export interface RecordingStreamOptions {
  recordingKey: Uint8Array;
  recordingId: string;
  mimeType: string;
}

export interface RecordingWriterOptions extends RecordingStreamOptions {
  /** Plaintext per full chunk, 1 to 1 MiB (default 1 MiB; smaller only for tests). */
  maxChunkBytes?: number;
  /** Compute the SHA-256 digests a seal needs (default true). */
  sealHashes?: boolean;
}

function checkStreamOptions(operation: string, options: RecordingStreamOptions): Uint8Array {
  requireBytes(operation, 'recordingKey', options.recordingKey, RECORDING_KEY_BYTES);
  return recordingAssociatedDataFor(operation, options.recordingId, options.mimeType);
}

function recordingAssociatedDataFor(operation: string, recordingId: string, mimeType: string) {
  requireString(operation, 'recordingId', recordingId, { maxLength: 256 });
  requireString(operation, 'mimeType', mimeType, { maxLength: 256 });
  return recordingAssociatedData(recordingId, mimeType);
}

/** Copies the key into the heap for init_push/init_pull and wipes it right after. */
function initStream(
  module: RawSodium,
  operation: string,
  key: Uint8Array,
  header: HeapBlock,
  direction: 'push' | 'pull',
): HeapBlock {
  const state = new HeapBlock(
    module,
    module._crypto_secretstream_xchacha20poly1305_statebytes(),
    operation,
  );
  const keyBlock = new HeapBlock(module, RECORDING_KEY_BYTES, operation);
  try {
    module.HEAPU8.set(key, keyBlock.pointer);
    const rc =
      direction === 'push'
        ? module._crypto_secretstream_xchacha20poly1305_init_push(
            state.pointer,
            header.pointer,
            keyBlock.pointer,
          )
        : module._crypto_secretstream_xchacha20poly1305_init_pull(
            state.pointer,
            header.pointer,
            keyBlock.pointer,
          );
    if (rc !== 0) {
      state.free();
      throw new CryptoError('INVALID_INPUT', operation, `secretstream init_${direction} failed`);
    }
    return state;
  } finally {
    keyBlock.free();
  }
}

/**
 * Encrypts a recording as it is made. Feed it MediaRecorder's blobs (as Uint8Array) of any
 * size; each call returns the bytes to append to the stored object (possibly empty). The
 * concatenation of everything returned by `write`, `flush` and `finish`, in order, is the
 * recording. Plaintext is buffered into full chunks in the WebAssembly heap, so memory stays at
 * one chunk whatever the blob sizes; each chunk is copied in once and its record out once.
 *
 * `flush()` pushes what is buffered as a shorter, non-final chunk so an uploader can send
 * something every few seconds (a tab that dies then loses at most that interval; what arrived
 * reads as a truncated but decryptable recording). Each flush costs 21 bytes of overhead.
 * `finish()` pushes the rest with TAG_FINAL (an empty final chunk if nothing is buffered)
 * and returns the stats a seal needs. `abort()` wipes and frees without finishing.
 */
export class RecordingWriter {
  readonly maxChunkBytes: number;
  private readonly module: RawSodium;
  private readonly state: HeapBlock;
  private readonly ad: HeapBlock;
  private readonly plain: HeapBlock;
  private readonly plainHash: Sha256 | undefined;
  private readonly cipherHash: Sha256 | undefined;
  private header: Uint8Array | undefined;
  private buffered = 0;
  private finished = false;
  private chunkCount = 0;
  private plaintextBytes = 0;
  private ciphertextBytes = STREAM_HEADER_BYTES;

  constructor(options: RecordingWriterOptions) {
    const operation = 'RecordingWriter';
    const ad = checkStreamOptions(operation, options);
    const maxChunkBytes = options.maxChunkBytes ?? MAX_CHUNK_BYTES;
    if (!Number.isInteger(maxChunkBytes) || maxChunkBytes < 1 || maxChunkBytes > MAX_CHUNK_BYTES) {
      throw new CryptoError(
        'INVALID_INPUT',
        operation,
        `maxChunkBytes must be 1 to ${MAX_CHUNK_BYTES}`,
      );
    }
    this.maxChunkBytes = maxChunkBytes;
    this.module = raw(operation);
    const headerBlock = new HeapBlock(this.module, STREAM_HEADER_BYTES, operation);
    try {
      this.state = initStream(this.module, operation, options.recordingKey, headerBlock, 'push');
      this.header = headerBlock.view().slice();
    } finally {
      headerBlock.free();
    }
    this.ad = new HeapBlock(this.module, ad.length, operation);
    this.module.HEAPU8.set(ad, this.ad.pointer);
    this.plain = new HeapBlock(this.module, maxChunkBytes, operation);
    if (options.sealHashes ?? true) {
      this.plainHash = new Sha256();
      this.cipherHash = new Sha256().update(this.header);
    }
    trackBlocks(this, [this.state, this.ad, this.plain]);
  }

  /** Plaintext bytes held back until the next full chunk, flush or finish. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  write(data: Uint8Array): Uint8Array {
    const operation = 'RecordingWriter.write';
    this.checkOpen(operation);
    requireBytes(operation, 'data', data);
    const fullChunks = Math.floor((this.buffered + data.length) / this.maxChunkBytes);
    const out = new Uint8Array(
      this.headerLength() + fullChunks * (PREFIX_BYTES + this.maxChunkBytes + CHUNK_OVERHEAD_BYTES),
    );
    let offset = this.takeHeader(out);
    let consumed = 0;
    while (consumed < data.length) {
      const take = Math.min(this.maxChunkBytes - this.buffered, data.length - consumed);
      this.module.HEAPU8.set(
        data.subarray(consumed, consumed + take),
        this.plain.pointer + this.buffered,
      );
      this.buffered += take;
      consumed += take;
      if (this.buffered === this.maxChunkBytes) {
        offset = this.pushChunk(operation, out, offset, TAG_MESSAGE);
      }
    }
    return out;
  }

  flush(): Uint8Array {
    const operation = 'RecordingWriter.flush';
    this.checkOpen(operation);
    const out = new Uint8Array(
      this.headerLength() +
        (this.buffered > 0 ? PREFIX_BYTES + this.buffered + CHUNK_OVERHEAD_BYTES : 0),
    );
    const offset = this.takeHeader(out);
    if (this.buffered > 0) this.pushChunk(operation, out, offset, TAG_MESSAGE);
    return out;
  }

  finish(): { output: Uint8Array; stats: RecordingStats } {
    const operation = 'RecordingWriter.finish';
    this.checkOpen(operation);
    const out = new Uint8Array(
      this.headerLength() + PREFIX_BYTES + this.buffered + CHUNK_OVERHEAD_BYTES,
    );
    this.pushChunk(operation, out, this.takeHeader(out), TAG_FINAL);
    const stats: RecordingStats = {
      chunkCount: this.chunkCount,
      plaintextBytes: this.plaintextBytes,
      ciphertextBytes: this.ciphertextBytes,
    };
    if (this.plainHash !== undefined && this.cipherHash !== undefined) {
      stats.plaintextSha256 = this.plainHash.hexDigest();
      stats.ciphertextSha256 = this.cipherHash.hexDigest();
    }
    this.release();
    return { output: out, stats };
  }

  abort(): void {
    if (this.finished) return;
    this.release();
  }

  private release(): void {
    this.finished = true;
    this.state.free();
    this.ad.free();
    this.plain.free();
    this.plainHash?.abort();
    this.cipherHash?.abort();
    untrackBlocks(this);
  }

  private checkOpen(operation: string): void {
    if (this.finished) {
      throw new CryptoError('WRITER_FINISHED', operation, 'the writer was finished or aborted');
    }
  }

  private headerLength(): number {
    return this.header === undefined ? 0 : STREAM_HEADER_BYTES;
  }

  private takeHeader(out: Uint8Array): number {
    if (this.header === undefined) return 0;
    out.set(this.header, 0);
    this.header = undefined;
    return STREAM_HEADER_BYTES;
  }

  /** Encrypts the buffered plaintext into scratch as [prefix | ciphertext] and copies it out. */
  private pushChunk(operation: string, out: Uint8Array, offset: number, tag: number): number {
    const work = scratch(operation);
    const cipherLength = this.buffered + CHUNK_OVERHEAD_BYTES;
    this.plainHash?.updateFromHeap(this.plain.pointer, this.buffered);
    const rc = this.module._crypto_secretstream_xchacha20poly1305_push(
      this.state.pointer,
      work.pointer + PREFIX_BYTES,
      0,
      this.plain.pointer,
      this.buffered,
      0,
      this.ad.pointer,
      this.ad.size,
      0,
      tag,
    );
    if (rc !== 0) throw new CryptoError('INVALID_INPUT', operation, 'secretstream push failed');
    const heap = this.module.HEAPU8;
    heap[work.pointer] = cipherLength >>> 24;
    heap[work.pointer + 1] = (cipherLength >>> 16) & 0xff;
    heap[work.pointer + 2] = (cipherLength >>> 8) & 0xff;
    heap[work.pointer + 3] = cipherLength & 0xff;
    this.cipherHash?.updateFromHeap(work.pointer, PREFIX_BYTES + cipherLength);
    out.set(heap.subarray(work.pointer, work.pointer + PREFIX_BYTES + cipherLength), offset);
    this.chunkCount += 1;
    this.plaintextBytes += this.buffered;
    this.ciphertextBytes += PREFIX_BYTES + cipherLength;
    this.buffered = 0;
    return offset + PREFIX_BYTES + cipherLength;
  }
}

export interface RecordingReaderOptions extends RecordingStreamOptions {
  /**
   * Which SHA-256 digests to compute while reading (default 'none'). Checking a seal fully
   * takes 'all'. SHA-256 in WebAssembly runs at about 380 MB/s, slower than decryption, so
   * playback that only needs the content skips it; 'plaintext' proves the content is what the
   * recorder sealed, 'all' also covers the stored bytes (which a server or the CLI can hash
   * natively instead).
   */
  hashes?: 'none' | 'plaintext' | 'all';
}

/** What a reader found once the input ended. */
export interface RecordingReadResult extends RecordingStats {
  /** The final chunk (TAG_FINAL) was read and nothing followed it. */
  complete: boolean;
  /** The stream ended without TAG_FINAL: what was returned is a prefix of the recording. */
  truncated: boolean;
  /** Bytes at the end that did not form a whole record (or header); not decrypted. */
  danglingBytes: number;
}

type ReaderPhase = 'header' | 'prefix' | 'body' | 'final' | 'closed';

/**
 * Decrypts a stored recording fed in pieces of any size (fetch chunks, file reads). `push`
 * returns the plaintext chunks completed by the piece; `end` reports whether the recording was
 * complete or truncated. Memory: one record. Errors (the reader is unusable afterwards):
 * CHUNK_AUTH_FAILED (a chunk was tampered with, reordered, duplicated, dropped before it, from
 * another recording or key), MALFORMED_RECORD (impossible length prefix), UNEXPECTED_TAG,
 * TRAILING_DATA (bytes after the final chunk), READER_FINISHED (used after end/abort/error).
 */
export class RecordingReader {
  private readonly module: RawSodium;
  private readonly key: Uint8Array;
  private readonly ad: HeapBlock;
  private readonly headerBlock: HeapBlock;
  private readonly input: HeapBlock;
  private readonly plainHash: Sha256 | undefined;
  private readonly cipherHash: Sha256 | undefined;
  private state: HeapBlock | undefined;
  private phase: ReaderPhase = 'header';
  private have = 0;
  private need = 0;
  private chunkCount = 0;
  private plaintextBytes = 0;
  private ciphertextBytes = 0;

  constructor(options: RecordingReaderOptions) {
    const operation = 'RecordingReader';
    const ad = checkStreamOptions(operation, options);
    this.module = raw(operation);
    this.key = options.recordingKey.slice();
    this.ad = new HeapBlock(this.module, ad.length, operation);
    this.module.HEAPU8.set(ad, this.ad.pointer);
    this.headerBlock = new HeapBlock(this.module, STREAM_HEADER_BYTES, operation);
    this.input = new HeapBlock(this.module, PREFIX_BYTES + MAX_RECORD_BYTES, operation);
    const hashes = options.hashes ?? 'none';
    if (hashes !== 'none' && hashes !== 'plaintext' && hashes !== 'all') {
      throw new CryptoError('INVALID_INPUT', operation, 'hashes must be none, plaintext or all');
    }
    if (hashes !== 'none') this.plainHash = new Sha256();
    if (hashes === 'all') this.cipherHash = new Sha256();
    trackBlocks(this, [this.ad, this.headerBlock, this.input]);
  }

  push(data: Uint8Array): Uint8Array[] {
    const operation = 'RecordingReader.push';
    if (this.phase === 'closed') {
      throw new CryptoError(
        'READER_FINISHED',
        operation,
        'the reader was ended, aborted or failed',
      );
    }
    requireBytes(operation, 'data', data);
    const plaintexts: Uint8Array[] = [];
    let i = 0;
    while (i < data.length) {
      switch (this.phase) {
        case 'header': {
          const take = Math.min(STREAM_HEADER_BYTES - this.have, data.length - i);
          this.module.HEAPU8.set(data.subarray(i, i + take), this.headerBlock.pointer + this.have);
          this.have += take;
          i += take;
          if (this.have === STREAM_HEADER_BYTES) this.startStream(operation);
          break;
        }
        case 'prefix': {
          const take = Math.min(PREFIX_BYTES - this.have, data.length - i);
          this.module.HEAPU8.set(data.subarray(i, i + take), this.input.pointer + this.have);
          this.have += take;
          i += take;
          if (this.have === PREFIX_BYTES) this.readPrefix(operation);
          break;
        }
        case 'body': {
          const take = Math.min(this.need - this.have, data.length - i);
          this.module.HEAPU8.set(
            data.subarray(i, i + take),
            this.input.pointer + PREFIX_BYTES + this.have,
          );
          this.have += take;
          i += take;
          if (this.have === this.need) plaintexts.push(this.decryptRecord(operation));
          break;
        }
        case 'final':
          this.fail(
            'TRAILING_DATA',
            operation,
            `${data.length - i} bytes follow the final chunk (chunk ${this.chunkCount})`,
          );
      }
    }
    return plaintexts;
  }

  /** Ends the input and reports. Never throws for truncation: check `truncated`. */
  end(): RecordingReadResult {
    const operation = 'RecordingReader.end';
    if (this.phase === 'closed') {
      throw new CryptoError(
        'READER_FINISHED',
        operation,
        'the reader was ended, aborted or failed',
      );
    }
    const complete = this.phase === 'final';
    const danglingBytes =
      this.phase === 'body' ? PREFIX_BYTES + this.have : this.phase === 'final' ? 0 : this.have;
    const result: RecordingReadResult = {
      complete,
      truncated: !complete,
      danglingBytes,
      chunkCount: this.chunkCount,
      plaintextBytes: this.plaintextBytes,
      ciphertextBytes: this.ciphertextBytes,
    };
    if (this.plainHash !== undefined) result.plaintextSha256 = this.plainHash.hexDigest();
    if (this.cipherHash !== undefined) result.ciphertextSha256 = this.cipherHash.hexDigest();
    this.release();
    return result;
  }

  abort(): void {
    if (this.phase !== 'closed') this.release();
  }

  private release(): void {
    this.phase = 'closed';
    this.key.fill(0);
    this.state?.free();
    this.ad.free();
    this.headerBlock.free();
    this.input.free();
    this.plainHash?.abort();
    this.cipherHash?.abort();
    untrackBlocks(this);
  }

  private fail(
    code:
      | 'CHUNK_AUTH_FAILED'
      | 'MALFORMED_RECORD'
      | 'UNEXPECTED_TAG'
      | 'TRAILING_DATA'
      | 'READER_FINISHED',
    operation: string,
    reason: string,
  ): never {
    this.release();
    throw new CryptoError(code, operation, reason);
  }

  private startStream(operation: string): void {
    this.state = initStream(this.module, operation, this.key, this.headerBlock, 'pull');
    this.key.fill(0);
    this.cipherHash?.updateFromHeap(this.headerBlock.pointer, STREAM_HEADER_BYTES);
    this.ciphertextBytes = STREAM_HEADER_BYTES;
    this.phase = 'prefix';
    this.have = 0;
  }

  private readPrefix(operation: string): void {
    const heap = this.module.HEAPU8;
    const p = this.input.pointer;
    const length =
      ((heap[p]! << 24) | (heap[p + 1]! << 16) | (heap[p + 2]! << 8) | heap[p + 3]!) >>> 0;
    if (length < CHUNK_OVERHEAD_BYTES || length > MAX_RECORD_BYTES) {
      this.fail(
        'MALFORMED_RECORD',
        operation,
        `chunk ${this.chunkCount} declares ${length} bytes (allowed ${CHUNK_OVERHEAD_BYTES} to ${MAX_RECORD_BYTES})`,
      );
    }
    this.need = length;
    this.have = 0;
    this.phase = 'body';
  }

  private decryptRecord(operation: string): Uint8Array {
    const work = scratch(operation);
    const tagPointer = work.pointer + SCRATCH_BYTES - 1;
    const plainLength = this.need - CHUNK_OVERHEAD_BYTES;
    const rc = this.module._crypto_secretstream_xchacha20poly1305_pull(
      this.state!.pointer,
      work.pointer,
      0,
      tagPointer,
      this.input.pointer + PREFIX_BYTES,
      this.need,
      0,
      this.ad.pointer,
      this.ad.size,
      0,
    );
    if (rc !== 0) {
      this.fail(
        'CHUNK_AUTH_FAILED',
        operation,
        `chunk ${this.chunkCount} failed authentication: altered, reordered, duplicated, ` +
          'preceded by a dropped chunk, or from another recording or key',
      );
    }
    const heap = this.module.HEAPU8;
    const tag = heap[tagPointer]!;
    if (tag !== TAG_MESSAGE && tag !== TAG_FINAL) {
      this.fail('UNEXPECTED_TAG', operation, `chunk ${this.chunkCount} carries tag ${tag}`);
    }
    this.cipherHash?.updateFromHeap(this.input.pointer, PREFIX_BYTES + this.need);
    this.plainHash?.updateFromHeap(work.pointer, plainLength);
    const plaintext = heap.slice(work.pointer, work.pointer + plainLength);
    heap.fill(0, work.pointer, work.pointer + plainLength);
    this.chunkCount += 1;
    this.plaintextBytes += plainLength;
    this.ciphertextBytes += PREFIX_BYTES + this.need;
    this.have = 0;
    this.phase = tag === TAG_FINAL ? 'final' : 'prefix';
    return plaintext;
  }
}

/** Encrypts a whole recording held in memory (tests, small files). */
export function encryptRecordingBytes(
  plaintext: Uint8Array,
  options: RecordingWriterOptions,
): { ciphertext: Uint8Array; stats: RecordingStats } {
  const writer = new RecordingWriter(options);
  try {
    const first = writer.write(plaintext);
    const { output, stats } = writer.finish();
    return { ciphertext: concatBytes([first, output]), stats };
  } finally {
    writer.abort();
  }
}

/** Decrypts a whole recording held in memory. Truncation is reported in `result`, not thrown. */
export function decryptRecordingBytes(
  ciphertext: Uint8Array,
  options: RecordingReaderOptions,
): { plaintext: Uint8Array; result: RecordingReadResult } {
  const reader = new RecordingReader(options);
  try {
    const chunks = reader.push(ciphertext);
    return { plaintext: concatBytes(chunks), result: reader.end() };
  } finally {
    reader.abort();
  }
}

/**
 * Decrypts a recording from an async source (fetch body, file stream), handing each plaintext
 * chunk to `onPlaintext` (awaited, so a slow sink applies back-pressure). Resolves with the
 * result; truncation is reported there, not thrown (see `requireComplete`).
 */
export async function readRecording(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: RecordingReaderOptions,
  onPlaintext: (chunk: Uint8Array) => void | Promise<void>,
): Promise<RecordingReadResult> {
  const reader = new RecordingReader(options);
  try {
    for await (const piece of source) {
      for (const chunk of reader.push(piece)) await onPlaintext(chunk);
    }
    return reader.end();
  } finally {
    reader.abort();
  }
}

/** Throws TRUNCATED unless the recording was read to its final chunk. */
export function requireComplete(result: RecordingReadResult): RecordingReadResult {
  if (!result.complete) {
    throw new CryptoError(
      'TRUNCATED',
      'requireComplete',
      `recording ends without its final chunk after ${result.chunkCount} chunks` +
        (result.danglingBytes > 0 ? ` and ${result.danglingBytes} incomplete bytes` : ''),
    );
  }
  return result;
}
