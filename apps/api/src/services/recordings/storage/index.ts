import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';

/**
 * Where recordings' ciphertext lives. One interface, two kinds: local files under
 * `DATA_DIR/recordings` (local.ts, the default) and S3-compatible object storage (s3.ts).
 * The upload itself goes through the tus DataStore each kind provides; everything else
 * (reading for the seal check and playback, deleting) goes through this interface.
 * Keys are recording ids; the store never sees anything but ciphertext.
 */
export interface RecordingStorage {
  readonly kind: 'local' | 's3';
  /** The tus data store that receives uploads (wrapped by upload-store.ts). */
  readonly tus: DataStore;
  /** Makes the bytes written so far durable before a PATCH is acknowledged. */
  sync(key: string): Promise<void>;
  /** Bytes stored for the key (0 when nothing is). */
  size(key: string): Promise<number>;
  /** Streams the stored bytes, `start` to `end` inclusive (HTTP Range semantics). */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * Cuts the stored bytes back to `size` (only bytes never acknowledged). Kinds that cannot
   * (S3's multipart parts) leave it out.
   */
  truncate?(key: string, size: number): Promise<void>;
  /**
   * Ends an upload that will never declare its length (the recording ended early) at the bytes
   * stored, so `read` can serve them. Kinds that serve unfinished uploads as they are (local
   * files) leave it out.
   */
  finalize?(key: string): Promise<void>;
  /** Removes the bytes and the upload's bookkeeping; a missing object is not an error. */
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}
