import { RecordingWriter, type RecordingStats } from '@conclave/crypto';
import { systemClock, type Clock, type TimerHandle } from '../room/clock';
import type { RecordingUpload } from './recording-upload';

/**
 * What produces the plaintext recording: MediaRecorder over the composed stream in a browser
 * (`media-capture.ts`), a scripted source in tests. `onData` pieces arrive in order.
 */
export interface MediaCapture {
  readonly mimeType: string;
  start(onData: (bytes: Uint8Array) => void, onError: (error: Error) => void): void;
  /** Stops and resolves after the last piece was handed to `onData`. */
  stop(): Promise<void>;
}

export interface EncryptingRecorderOptions {
  recordingId: string;
  recordingKey: Uint8Array;
  capture: MediaCapture;
  upload: RecordingUpload;
  /** How often buffered plaintext is pushed as a short chunk and sent (at most 5 s of loss). */
  flushIntervalMs?: number;
  clock?: Clock;
  onError?: (error: Error) => void;
}

/** 3 s: with MediaRecorder's 1 s pieces, a tab that dies loses under 5 s. */
export const FLUSH_INTERVAL_MS = 3_000;

/**
 * Plaintext in, ciphertext out, as it is made: every piece from the capture goes through
 * packages/crypto's RecordingWriter (1 MiB chunks, SHA-256s for the seal computed as it
 * goes); every `flushIntervalMs` what is buffered is pushed as a shorter chunk and handed to
 * the upload, so a tab that dies loses at most that interval. `stop` finishes the stream
 * (TAG_FINAL), waits until the server acknowledged every byte and returns the stats the seal
 * states. No plaintext is kept: the writer holds at most one chunk.
 */
export class EncryptingRecorder {
  private readonly writer: RecordingWriter;
  private readonly clock: Clock;
  private readonly flushIntervalMs: number;
  private flushTimer: { handle: TimerHandle } | null = null;
  private stopped = false;
  private failed: Error | null = null;

  constructor(private readonly options: EncryptingRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.writer = new RecordingWriter({
      recordingKey: options.recordingKey,
      recordingId: options.recordingId,
      mimeType: options.capture.mimeType,
      sealHashes: true,
    });
  }

  start(): void {
    this.options.capture.start(
      (bytes) => this.write(bytes),
      (error) => this.fail(error),
    );
    this.scheduleFlush();
  }

  /** Finishes the stream and the upload; resolves with what the seal must state. */
  async stop(): Promise<RecordingStats> {
    if (this.stopped) throw new Error('EncryptingRecorder.stop: already stopped');
    this.stopped = true;
    this.cancelFlush();
    await this.options.capture.stop();
    if (this.failed) throw this.failed;
    const { output, stats } = this.writer.finish();
    this.options.upload.append(output);
    await this.options.upload.complete();
    return stats;
  }

  /** Gives up without finishing: what the server acknowledged stays, as an early end. */
  abort(): void {
    this.stopped = true;
    this.failed ??= new Error('the recording was abandoned');
    this.cancelFlush();
    void this.options.capture.stop().catch(() => undefined);
    this.writer.abort();
    this.options.upload.abort();
  }

  private write(bytes: Uint8Array): void {
    if (this.failed || bytes.length === 0) return;
    try {
      const out = this.writer.write(bytes);
      if (out.length > 0) this.options.upload.append(out);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.stopped || this.failed) return;
    try {
      const out = this.writer.flush();
      if (out.length > 0) this.options.upload.append(out);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer = {
      handle: this.clock.setTimeout(() => this.flush(), this.flushIntervalMs),
    };
  }

  private cancelFlush(): void {
    if (this.flushTimer !== null) this.clock.clearTimeout(this.flushTimer.handle);
    this.flushTimer = null;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = error;
    this.options.onError?.(error);
  }
}
