/**
 * The bytes of a recording that is still being made, as tus-js-client reads them
 * (its `fileReader`/`FileSource` interface). The recorder appends ciphertext as it flushes;
 * tus asks for `slice(offset, offset + chunkSize)` and gets whatever is there past `offset`
 * (waiting until a flush brings something), so every PATCH carries one flush's worth and the
 * server holds everything up to the last flush. Bytes stay here until the server acknowledged
 * them (`acknowledge`), so a retry after a dropped connection or an API restart can resume from
 * whatever offset the server reports. Memory: what is not yet acknowledged.
 */

export interface SliceResult {
  /** A Blob in browsers (what XMLHttpRequest sends); anything with a `size` tus can send. */
  value: { size: number } | null;
  done: boolean;
}

/** How a slice's bytes become a request body: a Blob by default. */
export type BodyFactory = (parts: Uint8Array[]) => { size: number };

const blobBody: BodyFactory = (parts) => new Blob(parts as BlobPart[]);

export class LiveUploadSource {
  /** Unknown until `end()`: tus uses deferred length. */
  readonly size = Number.NaN;
  private readonly pieces: Uint8Array[] = [];
  /** Absolute offset of the first byte of `pieces`. */
  private base = 0;
  private total = 0;
  private ended = false;
  private failure: Error | null = null;
  private waiters: (() => void)[] = [];

  constructor(private readonly body: BodyFactory = blobBody) {}

  /** Bytes appended so far (the stored object's size once everything is acknowledged). */
  get appendedBytes(): number {
    return this.total;
  }

  /** Bytes the server acknowledged and this source forgot. */
  get acknowledgedBytes(): number {
    return this.base;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  append(bytes: Uint8Array): void {
    if (this.ended) throw new Error('LiveUploadSource.append: the source has ended');
    if (bytes.length === 0) return;
    this.pieces.push(bytes);
    this.total += bytes.length;
    this.wake();
  }

  /** No more bytes will come: the next slice that reaches the end says `done`. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The recording is abandoned: pending and future slices fail with this error. */
  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }

  /** The server holds every byte before `offset`: they are no longer needed. */
  acknowledge(offset: number): void {
    while (this.pieces.length > 0) {
      const first = this.pieces[0]!;
      if (this.base + first.length > offset) break;
      this.base += first.length;
      this.pieces.shift();
    }
  }

  async slice(start: number, end: number): Promise<SliceResult> {
    while (start >= this.total && !this.ended && this.failure === null) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.failure) throw this.failure;
    if (start < this.base) {
      // The server reports less than it acknowledged before: the bytes are gone from here.
      throw new Error(
        `LiveUploadSource.slice: the server asked for offset ${start}, but it had acknowledged ` +
          `${this.base} bytes; the recording cannot be resumed from there`,
      );
    }
    const stop = Math.min(end, this.total);
    const parts: Uint8Array[] = [];
    let position = this.base;
    for (const piece of this.pieces) {
      const pieceEnd = position + piece.length;
      if (pieceEnd > start && position < stop) {
        parts.push(
          piece.subarray(Math.max(0, start - position), Math.min(piece.length, stop - position)),
        );
      }
      position = pieceEnd;
      if (position >= stop) break;
    }
    const done = this.ended && stop >= this.total;
    return { value: this.body(parts), done };
  }

  close(): void {
    // tus calls this after the last chunk; the recorder decides when the data is released.
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
