/**
 * The browser test page's script: the package, its vectors and its bench, bundled by esbuild
 * for Chromium (see ./server.ts). Nothing here touches the DOM; it only publishes an API on
 * globalThis for Playwright to call.
 */
import { benchArgon2, benchRecording, benchRekey, bulkRandom } from '../../bench/core';
import {
  CryptoError,
  RecordingReader,
  RecordingWriter,
  generateRecordingKey,
  randomBytes,
  ready,
  sha256Hex,
} from '../../src/index';
import { withDeterministicRandom } from '../../src/testing';
import account from '../vectors/account.json';
import audit from '../vectors/audit.json';
import canonicalJson from '../vectors/canonical-json.json';
import ed25519 from '../vectors/ed25519.json';
import envelope from '../vectors/envelope.json';
import identity from '../vectors/identity.json';
import manifest from '../vectors/manifest.json';
import recording from '../vectors/recording.json';
import securityCode from '../vectors/security-code.json';
import senderKeys from '../vectors/sender-keys.json';
import sha256 from '../vectors/sha256.json';
import { checkGeneratedMatch, checkVectors, type VectorSet } from '../vectors/run';
import type { BrowserCryptoApi } from './api';

const vectors: VectorSet = {
  account,
  identity,
  'sender-keys': senderKeys,
  'security-code': securityCode,
  recording,
  envelope,
  audit,
  manifest,
  'canonical-json': canonicalJson,
  sha256,
  ed25519,
};

const testApi: BrowserCryptoApi = {
  userAgent:
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? 'unknown',

  async runVectors() {
    await ready();
    return [...checkVectors(vectors), ...checkGeneratedMatch(vectors)];
  },

  async recordingRoundTrip(totalBytes) {
    await ready();
    const options = {
      recordingKey: generateRecordingKey(),
      recordingId: 'browser',
      mimeType: 'video/webm',
    };
    const plaintext = bulkRandom(totalBytes);
    const writer = new RecordingWriter(options);
    const reader = new RecordingReader({ ...options, hashes: 'all' });
    const out: Uint8Array[] = [];
    // MediaRecorder-like blobs: small and irregular.
    for (let offset = 0, i = 0; offset < plaintext.length; i++) {
      const size = 1 + ((i * 7919) % 65_000);
      for (const c of reader.push(writer.write(plaintext.subarray(offset, offset + size))))
        out.push(c);
      offset += size;
    }
    const { output, stats } = writer.finish();
    for (const c of reader.push(output)) out.push(c);
    const result = reader.end();
    const joined = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of out) {
      joined.set(c, o);
      o += c.length;
    }
    return {
      complete: result.complete,
      chunkCount: result.chunkCount,
      matches:
        sha256Hex(joined) === sha256Hex(plaintext) &&
        result.plaintextSha256 === stats.plaintextSha256 &&
        result.ciphertextSha256 === stats.ciphertextSha256,
    };
  },

  async deterministicRandomOutsideTests() {
    await ready();
    const g = globalThis as { __CONCLAVE_CRYPTO_TEST__?: unknown };
    const flag = g.__CONCLAVE_CRYPTO_TEST__;
    delete g.__CONCLAVE_CRYPTO_TEST__;
    try {
      withDeterministicRandom('x', () => randomBytes(1));
      return 'ran';
    } catch (error) {
      return error instanceof CryptoError ? error.code : String(error);
    } finally {
      g.__CONCLAVE_CRYPTO_TEST__ = flag;
    }
  },

  async benchRecording(totalMiB, withDigests = true) {
    await ready();
    return benchRecording(totalMiB, undefined, withDigests);
  },

  async benchRekey(recipients, runs) {
    await ready();
    return benchRekey(recipients, runs);
  },

  async benchArgon2(runs) {
    await ready();
    return benchArgon2(runs);
  },
};

(globalThis as unknown as { conclaveCryptoTest: BrowserCryptoApi }).conclaveCryptoTest = testApi;
