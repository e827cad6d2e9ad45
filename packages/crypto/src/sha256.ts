import { toHex } from './encoding';
import { CryptoError } from './errors';
import { HeapBlock, scratch, trackBlocks, untrackBlocks } from './heap';
import { raw, type RawSodium } from './sodium';
import { requireBytes } from './validate';

const STAGING_BYTES = 1024 * 1024;

/**
 * Incremental SHA-256 on libsodium's crypto_hash_sha256 (the same code in browsers and Node;
 * WebCrypto has no incremental digest and node:crypto is not isomorphic). Input of any size is
 * fed through a 1 MiB staging area in the WebAssembly heap.
 */
export class Sha256 {
  private readonly module: RawSodium;
  private readonly state: HeapBlock;
  private done = false;

  constructor() {
    this.module = raw('Sha256');
    this.state = new HeapBlock(this.module, this.module._crypto_hash_sha256_statebytes(), 'Sha256');
    this.module._crypto_hash_sha256_init(this.state.pointer);
    trackBlocks(this, [this.state]);
  }

  update(data: Uint8Array): this {
    requireBytes('Sha256.update', 'data', data);
    if (this.done)
      throw new CryptoError('INVALID_INPUT', 'Sha256.update', 'digest() was already called');
    const staging = scratch('Sha256.update');
    for (let offset = 0; offset < data.length; offset += STAGING_BYTES) {
      const part = data.subarray(offset, offset + STAGING_BYTES);
      this.module.HEAPU8.set(part, staging.pointer);
      this.module._crypto_hash_sha256_update(this.state.pointer, staging.pointer, part.length, 0);
    }
    return this;
  }

  /** Hashes bytes that already sit in the heap (used by the recording stream). */
  updateFromHeap(pointer: number, length: number): void {
    this.module._crypto_hash_sha256_update(this.state.pointer, pointer, length, 0);
  }

  digest(): Uint8Array {
    if (this.done)
      throw new CryptoError('INVALID_INPUT', 'Sha256.digest', 'digest() was already called');
    this.done = true;
    const out = scratch('Sha256.digest');
    this.module._crypto_hash_sha256_final(this.state.pointer, out.pointer);
    const digest = out.view(0, 32).slice();
    this.state.free();
    untrackBlocks(this);
    return digest;
  }

  /** Wipes and frees the state without producing a digest (idempotent). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.state.free();
    untrackBlocks(this);
  }

  hexDigest(): string {
    return toHex(this.digest());
  }
}

/** SHA-256 of one byte string. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}

export function sha256Hex(data: Uint8Array): string {
  return toHex(sha256(data));
}

/**
 * SHA-256 and total length of a stream of byte chunks (a file read in parts, a fetch body):
 * `{ sha256: hex, size }`. Async because the source is.
 */
export async function sha256Stream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hasher = new Sha256();
  let size = 0;
  for await (const chunk of source) {
    hasher.update(chunk);
    size += chunk.length;
  }
  return { sha256: hasher.hexDigest(), size };
}
