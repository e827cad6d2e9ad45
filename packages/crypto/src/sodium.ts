import sodiumLib from 'libsodium-wrappers-sumo';
import { CryptoError } from './errors';

export type Sodium = typeof sodiumLib;

/**
 * The raw Emscripten module under libsodium-wrappers (exported by the wrappers as `libsodium`).
 * The wrappers copy every input into the WebAssembly heap and every output back out, and they
 * never free secretstream states. The recording stream and SHA-256 paths move up to a gigabyte,
 * so they call these functions directly on buffers that live in the heap (see ./heap). 64-bit
 * lengths are passed as (low, high) pairs, as the wrappers do.
 */
export interface RawSodium {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _crypto_secretstream_xchacha20poly1305_statebytes(): number;
  _crypto_secretstream_xchacha20poly1305_init_push(
    state: number,
    header: number,
    key: number,
  ): number;
  _crypto_secretstream_xchacha20poly1305_init_pull(
    state: number,
    header: number,
    key: number,
  ): number;
  _crypto_secretstream_xchacha20poly1305_push(
    state: number,
    c: number,
    clenP: number,
    m: number,
    mlen: number,
    mlenHigh: number,
    ad: number,
    adlen: number,
    adlenHigh: number,
    tag: number,
  ): number;
  _crypto_secretstream_xchacha20poly1305_pull(
    state: number,
    m: number,
    mlenP: number,
    tagP: number,
    c: number,
    clen: number,
    clenHigh: number,
    ad: number,
    adlen: number,
    adlenHigh: number,
  ): number;
  _crypto_hash_sha256_statebytes(): number;
  _crypto_hash_sha256_init(state: number): number;
  _crypto_hash_sha256_update(state: number, m: number, mlen: number, mlenHigh: number): number;
  _crypto_hash_sha256_final(state: number, out: number): number;
  /** Source of every random byte libsodium draws (4 bytes per call). Replaced only by ./testing. */
  getRandomValue?: () => number;
}

const RAW_FUNCTIONS: readonly (keyof RawSodium)[] = [
  '_malloc',
  '_free',
  '_crypto_secretstream_xchacha20poly1305_statebytes',
  '_crypto_secretstream_xchacha20poly1305_init_push',
  '_crypto_secretstream_xchacha20poly1305_init_pull',
  '_crypto_secretstream_xchacha20poly1305_push',
  '_crypto_secretstream_xchacha20poly1305_pull',
  '_crypto_hash_sha256_statebytes',
  '_crypto_hash_sha256_init',
  '_crypto_hash_sha256_update',
  '_crypto_hash_sha256_final',
];

let readyPromise: Promise<void> | undefined;
let rawModule: RawSodium | undefined;

/**
 * Loads libsodium's WebAssembly. Await it once before calling anything else in this package;
 * calling it again is cheap and returns the same promise.
 */
export function ready(): Promise<void> {
  readyPromise ??= sodiumLib.ready.then(() => {
    const candidate = (sodiumLib as unknown as { libsodium?: Partial<RawSodium> }).libsodium;
    const missing = RAW_FUNCTIONS.filter((name) => typeof candidate?.[name] !== 'function');
    if (
      candidate === undefined ||
      missing.length > 0 ||
      !(candidate.HEAPU8 instanceof Uint8Array)
    ) {
      throw new CryptoError(
        'UNSUPPORTED_RUNTIME',
        'ready',
        `libsodium-wrappers-sumo does not expose the raw module functions ${missing.join(', ')}`,
      );
    }
    rawModule = candidate as RawSodium;
  });
  return readyPromise;
}

/** True once `ready()` has resolved. */
export function isReady(): boolean {
  return rawModule !== undefined;
}

export function sodium(operation: string): Sodium {
  if (rawModule === undefined) {
    throw new CryptoError('NOT_READY', operation, 'await ready() before using @conclave/crypto');
  }
  return sodiumLib;
}

export function raw(operation: string): RawSodium {
  if (rawModule === undefined) {
    throw new CryptoError('NOT_READY', operation, 'await ready() before using @conclave/crypto');
  }
  return rawModule;
}

/** Cryptographically secure random bytes from libsodium (the platform's CSPRNG). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new CryptoError('INVALID_INPUT', 'randomBytes', 'length must be a non-negative integer');
  }
  return sodium('randomBytes').randombytes_buf(length);
}
