/**
 * Test-only entry (`@conclave/crypto/testing`), never re-exported from the package root.
 *
 * Known-answer vectors need fixed keys, nonces, salts and stream headers, and several of
 * those are drawn inside libsodium (secretstream headers, crypto_box_seal's ephemeral key).
 * `withDeterministicRandom` swaps libsodium's one source of randomness for a seeded generator
 * for the duration of a synchronous callback, then restores it. It refuses to run unless the
 * process is a vitest worker (VITEST=true) or the page declared itself a test page
 * (`globalThis.__CONCLAVE_CRYPTO_TEST__ = true`, set only by the Playwright test and the bench).
 */
import { CryptoError } from './errors';
import { raw } from './sodium';

interface TestGlobals {
  __CONCLAVE_CRYPTO_TEST__?: unknown;
  process?: { env?: Record<string, string | undefined> };
}

export function isTestEnvironment(): boolean {
  const g = globalThis as TestGlobals;
  return g.__CONCLAVE_CRYPTO_TEST__ === true || g.process?.env?.VITEST === 'true';
}

/** sfc32 seeded from the string via xmur3: small, fast, identical in every JS engine. */
function seededGenerator(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = (): number => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
}

let active = false;

/**
 * Runs `fn` with libsodium's randomness replaced by a generator seeded with `seed`. Every key,
 * nonce, salt and header drawn inside is then reproducible (Node and browsers alike).
 */
export function withDeterministicRandom<T>(seed: string, fn: () => T): T {
  const operation = 'withDeterministicRandom';
  if (!isTestEnvironment()) {
    throw new CryptoError(
      'TEST_ONLY',
      operation,
      'deterministic randomness is only available in tests',
    );
  }
  if (active) {
    throw new CryptoError('INVALID_INPUT', operation, 'calls may not be nested');
  }
  const module = raw(operation);
  const original = module.getRandomValue;
  module.getRandomValue = seededGenerator(seed);
  active = true;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new CryptoError('INVALID_INPUT', operation, 'the callback must be synchronous');
    }
    return result;
  } finally {
    if (original === undefined) delete module.getRandomValue;
    else module.getRandomValue = original;
    active = false;
  }
}
