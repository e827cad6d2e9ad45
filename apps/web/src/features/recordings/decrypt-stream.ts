import { isCryptoError, RecordingReader, type RecordingReadResult } from '@conclave/crypto';

/**
 * The player's decryption pipeline, framework-free: ciphertext pieces of any size in (a fetch
 * body), plaintext chunks out to a sink (Media Source Extensions for playback, a file or a
 * Blob for download), one record in memory at a time. The sink is awaited for every chunk, so
 * a full media buffer or a slow disk holds the download back instead of piling up memory.
 *
 * It never throws for what the content turned out to be: a truncated or tampered stream is an
 * outcome the page shows ("plays to where it stops", "altered after chunk 12"). What played
 * before a tampered chunk was authentic; nothing after it is handed to the sink.
 */
export interface PlaintextSink {
  write(chunk: Uint8Array): Promise<void> | void;
}

export interface DecryptProgress {
  /** Ciphertext bytes received so far. */
  receivedBytes: number;
  /** Total ciphertext bytes when known (Content-Length or the recording's size), else null. */
  totalBytes: number | null;
  plaintextBytes: number;
  chunks: number;
}

export type DecryptOutcome =
  | { status: 'complete'; result: RecordingReadResult }
  | { status: 'truncated'; result: RecordingReadResult }
  | {
      status: 'failed';
      /** The crypto error code (CHUNK_AUTH_FAILED, MALFORMED_RECORD, …) or NETWORK / SINK. */
      code: string;
      message: string;
      /** Plaintext chunks handed to the sink before the failure (all authentic). */
      chunksBefore: number;
      plaintextBytesBefore: number;
    }
  | { status: 'aborted' };

export interface DecryptStreamOptions {
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  recordingKey: Uint8Array;
  recordingId: string;
  mimeType: string;
  sink: PlaintextSink;
  totalBytes?: number | null;
  /** Digests to compute while reading; 'plaintext' lets the seal's content hash be checked. */
  hashes?: 'none' | 'plaintext' | 'all';
  onProgress?: (progress: DecryptProgress) => void;
  signal?: AbortSignal;
}

async function* piecesOf(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!('getReader' in source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export async function decryptRecordingStream(
  options: DecryptStreamOptions,
): Promise<DecryptOutcome> {
  const reader = new RecordingReader({
    recordingKey: options.recordingKey,
    recordingId: options.recordingId,
    mimeType: options.mimeType,
    hashes: options.hashes ?? 'none',
  });
  const progress: DecryptProgress = {
    receivedBytes: 0,
    totalBytes: options.totalBytes ?? null,
    plaintextBytes: 0,
    chunks: 0,
  };
  const failed = (code: string, message: string): DecryptOutcome => ({
    status: 'failed',
    code,
    message,
    chunksBefore: progress.chunks,
    plaintextBytesBefore: progress.plaintextBytes,
  });
  try {
    const pieces = piecesOf(options.source);
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await pieces.next();
      } catch (caught) {
        if (options.signal?.aborted) return { status: 'aborted' };
        return failed(
          'NETWORK',
          `The download stopped: ${caught instanceof Error ? caught.message : String(caught)}`,
        );
      }
      if (next.done) break;
      if (options.signal?.aborted) {
        await pieces.return(undefined);
        return { status: 'aborted' };
      }
      let chunks: Uint8Array[];
      try {
        chunks = reader.push(next.value);
      } catch (caught) {
        await pieces.return(undefined);
        if (isCryptoError(caught)) return failed(caught.code, caught.message);
        throw caught;
      }
      progress.receivedBytes += next.value.length;
      for (const chunk of chunks) {
        try {
          await options.sink.write(chunk);
        } catch (caught) {
          await pieces.return(undefined);
          if (options.signal?.aborted) return { status: 'aborted' };
          return failed('SINK', caught instanceof Error ? caught.message : String(caught));
        }
        progress.chunks += 1;
        progress.plaintextBytes += chunk.length;
        if (options.signal?.aborted) {
          await pieces.return(undefined);
          return { status: 'aborted' };
        }
      }
      options.onProgress?.({ ...progress });
    }
    if (options.signal?.aborted) return { status: 'aborted' };
    const result = reader.end();
    return result.complete ? { status: 'complete', result } : { status: 'truncated', result };
  } finally {
    reader.abort();
  }
}

/** A person's words for a failed decryption. */
export function describeDecryptFailure(
  outcome: Extract<DecryptOutcome, { status: 'failed' }>,
): string {
  const where =
    outcome.chunksBefore > 0
      ? ` What was shown before (${outcome.chunksBefore} chunk${outcome.chunksBefore === 1 ? '' : 's'}) was authentic; nothing after it is played.`
      : '';
  switch (outcome.code) {
    case 'CHUNK_AUTH_FAILED':
    case 'UNEXPECTED_TAG':
      return `The recording was altered or damaged: chunk ${outcome.chunksBefore + 1} does not decrypt with this recording's key.${where}`;
    case 'MALFORMED_RECORD':
      return `The stored recording is malformed at chunk ${outcome.chunksBefore + 1}.${where}`;
    case 'TRAILING_DATA':
      return `Unexpected data follows the end of the recording; it was ignored. The recording itself decrypted completely.`;
    case 'NETWORK':
      return `${outcome.message}${where} Try again.`;
    case 'SINK':
      return `The decrypted data could not be used: ${outcome.message}`;
    default:
      return `${outcome.message}${where}`;
  }
}
