import { CryptoError } from './errors';
import { raw, type RawSodium } from './sodium';

/**
 * Memory inside libsodium's WebAssembly heap, for the paths that move large amounts of data
 * (recording streams, SHA-256): data is copied in once, processed in place, copied out once.
 * Views must be taken fresh after any call into libsodium, because the heap can grow and
 * replace its ArrayBuffer.
 */
export class HeapBlock {
  readonly pointer: number;
  readonly size: number;
  private freed = false;

  constructor(
    private readonly module: RawSodium,
    size: number,
    operation: string,
  ) {
    const pointer = module._malloc(Math.max(size, 1));
    if (pointer === 0) {
      throw new CryptoError('INVALID_INPUT', operation, `could not allocate ${size} bytes`);
    }
    this.pointer = pointer;
    this.size = size;
  }

  view(offset = 0, length = this.size - offset): Uint8Array {
    return this.module.HEAPU8.subarray(this.pointer + offset, this.pointer + offset + length);
  }

  /** Zeroes and frees the block (idempotent). */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.module.HEAPU8.fill(0, this.pointer, this.pointer + this.size);
    this.module._free(this.pointer);
  }
}

/**
 * Frees heap blocks whose owner (a writer, reader or hasher) was dropped without `finish`,
 * `end` or `abort`, so an abandoned recording does not pin a megabyte of heap for ever.
 */
const abandoned = new FinalizationRegistry<HeapBlock[]>((blocks) => {
  for (const block of blocks) block.free();
});

export function trackBlocks(owner: object, blocks: HeapBlock[]): void {
  abandoned.register(owner, blocks, owner);
}

export function untrackBlocks(owner: object): void {
  abandoned.unregister(owner);
}

/** One record of the recording format at its largest, plus room for its length prefix. */
export const SCRATCH_BYTES = 1024 * 1024 + 64;
let scratchBlock: HeapBlock | undefined;

/**
 * The shared scratch area (SCRATCH_BYTES, allocated once). Only for use within one synchronous
 * call: the next call to any function of this package may overwrite it.
 */
export function scratch(operation: string): HeapBlock {
  scratchBlock ??= new HeapBlock(raw(operation), SCRATCH_BYTES, operation);
  return scratchBlock;
}
