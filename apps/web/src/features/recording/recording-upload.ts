import { Upload, type DetailedError, type HttpStack } from 'tus-js-client';
import { LiveUploadSource, type BodyFactory } from './live-upload-source';

/**
 * Uploads a recording's ciphertext while it is being made, with tus 1.0 (tus-js-client):
 * deferred length (the size is known only at the end), one PATCH per flush, retries with
 * back-off, and after a dropped connection or an API restart a HEAD that asks the server what
 * it holds and resumes from there. The server acknowledges a PATCH only once its bytes are
 * durable, so nothing acknowledged is ever sent again or lost.
 */

export interface UploadProgress {
  /** Ciphertext bytes handed to the upload so far. */
  appendedBytes: number;
  /** Bytes the server confirmed it holds. */
  acknowledgedBytes: number;
  state: 'uploading' | 'retrying' | 'complete' | 'failed';
  /** The last problem, in words (while retrying, or the reason it failed). */
  problem: string | null;
}

/** What the recorder needs from an upload; the tus one below, or an in-memory one in tests. */
export interface RecordingUpload {
  append(bytes: Uint8Array): void;
  /** No more bytes: resolves once the server acknowledged all of them. */
  complete(): Promise<void>;
  /** Stops without finishing (the server keeps what it acknowledged). */
  abort(): void;
  progress(): UploadProgress;
  subscribe(listener: () => void): () => void;
}

export interface TusUploadOptions {
  /** The tus creation endpoint, e.g. /api/recordings/<id>/upload. */
  endpoint: string;
  /** Headers for every request (the CSRF token). */
  headers?: Record<string, string>;
  /** Wait before each retry; the counter starts again whenever bytes got through. */
  retryDelaysMs?: number[];
  /** Upper bound of one PATCH; a flush larger than this goes up in several. */
  maxRequestBytes?: number;
  httpStack?: HttpStack;
  /** Request bodies (default Blob, for the browser's XMLHttpRequest). */
  body?: BodyFactory;
}

/** 0 s, 1 s, 2 s, 4 s, then every 8 s for about five minutes without progress. */
export const DEFAULT_RETRY_DELAYS_MS = [0, 1_000, 2_000, 4_000, ...Array<number>(36).fill(8_000)];

export class TusRecordingUpload implements RecordingUpload {
  private readonly source: LiveUploadSource;
  private readonly upload: Upload;
  private readonly listeners = new Set<() => void>();
  private state: UploadProgress['state'] = 'uploading';
  private problem: string | null = null;
  private settle: { resolve: () => void; reject: (error: Error) => void } | null = null;
  private readonly settled: Promise<void>;

  constructor(options: TusUploadOptions) {
    this.source = new LiveUploadSource(options.body);
    this.settled = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Nobody may be waiting yet; the promise's failure is reported through progress too.
    this.settled.catch(() => undefined);
    const source = this.source;
    this.upload = new Upload(source as unknown as Blob, {
      endpoint: options.endpoint,
      uploadLengthDeferred: true,
      chunkSize: options.maxRequestBytes ?? 16 * 1024 * 1024,
      retryDelays: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      headers: options.headers ?? {},
      fileReader: { openFile: () => Promise.resolve(source) },
      ...(options.httpStack ? { httpStack: options.httpStack } : {}),
      onShouldRetry: (error, attempt) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        const retry = status === 0 || status >= 500 || status === 409 || status === 423;
        if (retry) {
          this.state = 'retrying';
          this.problem = `Upload interrupted (${describeHttpError(error)}); retry ${attempt + 1}.`;
          this.changed();
        }
        return retry;
      },
      onChunkComplete: (_chunk, accepted) => {
        source.acknowledge(accepted);
        if (this.state === 'retrying') {
          this.state = 'uploading';
          this.problem = null;
        }
        this.changed();
      },
      onSuccess: () => {
        this.state = 'complete';
        this.problem = null;
        this.changed();
        this.settle?.resolve();
      },
      onError: (error) => {
        this.state = 'failed';
        this.problem = `The upload failed: ${describeHttpError(error)}`;
        this.changed();
        this.settle?.reject(new Error(this.problem));
      },
    });
    this.upload.start();
  }

  append(bytes: Uint8Array): void {
    this.source.append(bytes);
    this.changed();
  }

  complete(): Promise<void> {
    this.source.end();
    return this.settled;
  }

  abort(): void {
    this.source.fail(new Error('the recording was abandoned'));
    void this.upload.abort(false);
  }

  progress(): UploadProgress {
    return {
      appendedBytes: this.source.appendedBytes,
      acknowledgedBytes: this.source.acknowledgedBytes,
      state: this.state,
      problem: this.problem,
    };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The server's problem detail when it sent one, else the status or the network failure. */
export function describeHttpError(error: Error | DetailedError): string {
  const detailed = error as Partial<DetailedError>;
  const response = detailed.originalResponse;
  if (response) {
    const status = response.getStatus();
    const body = response.getBody();
    try {
      const parsed = JSON.parse(body) as { detail?: unknown };
      if (typeof parsed.detail === 'string') return `${status}: ${parsed.detail}`;
    } catch {
      // not a problem document
    }
    return `the server answered ${status}`;
  }
  if (detailed.originalRequest) return 'the server could not be reached';
  return error.message;
}
