/**
 * Measurements shared by the Node bench and the Chromium page (isomorphic: no node: imports).
 * Every figure is computed from wall-clock time around real work on real data.
 */
import {
  DEFAULT_KDF_COST,
  RecordingReader,
  RecordingWriter,
  deriveAccountKeys,
  encryptSenderKeyForRecipients,
  generateExchangeKeyPair,
  generateKdfParams,
  generateRecordingKey,
  generateSenderKey,
  type KdfCost,
} from '../src/index';

export const MiB = 1024 * 1024;

const options = () => ({
  recordingKey: generateRecordingKey(),
  recordingId: 'bench',
  mimeType: 'video/webm',
});

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Bulk random bytes from the platform's getRandomValues (64 KiB per call). libsodium.js draws
 * its randomness through one JS callback per byte, fine for keys and nonces but far too slow
 * to fill megabytes of test data.
 */
export function bulkRandom(length: number): Uint8Array {
  const host = globalThis as unknown as {
    crypto: { getRandomValues(array: Uint8Array): Uint8Array };
  };
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65_536) {
    host.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65_536)));
  }
  return out;
}

/** One random 1 MiB block, written `totalMiB` times (what MediaRecorder output looks like to us). */
export function benchBlock(): Uint8Array {
  return bulkRandom(MiB);
}

export interface RecordingBench {
  totalBytes: number;
  encryptMBps: number;
  encryptWithSealHashesMBps: number;
  decryptMBps: number;
  decryptPlaintextHashMBps: number;
  decryptAllHashesMBps: number;
}

/**
 * Encrypts `totalMiB` MiB through RecordingWriter and decrypts it through RecordingReader,
 * with and (unless `withDigests` is false) without the SHA-256 digests, on the same block.
 */
export function benchRecording(
  totalMiB: number,
  block: Uint8Array = benchBlock(),
  withDigests = true,
): RecordingBench {
  const opts = options();
  const encrypt = (mib: number, sealHashes: boolean, keep?: Uint8Array[]) => {
    const writer = new RecordingWriter({ ...opts, sealHashes });
    const start = performance.now();
    for (let i = 0; i < mib; i++) {
      const out = writer.write(block);
      keep?.push(out);
    }
    const last = writer.finish().output;
    keep?.push(last);
    return mbps(mib * MiB, performance.now() - start);
  };
  encrypt(Math.min(8, totalMiB), false); // warm-up
  // Outputs are dropped as an uploader would, so the figure is not a garbage-collector test.
  const encryptMBps = encrypt(totalMiB, false);
  const sealMiB = Math.max(1, Math.floor(totalMiB / 4));
  const encryptWithSealHashesMBps = withDigests ? encrypt(sealMiB, true) : NaN;

  const records: Uint8Array[] = [];
  encrypt(totalMiB, false, records);
  const decrypt = (hashes: 'none' | 'plaintext' | 'all', upTo: number) => {
    const reader = new RecordingReader({ ...opts, hashes });
    let bytes = 0;
    const start = performance.now();
    for (let i = 0; i < upTo; i++)
      for (const chunk of reader.push(records[i]!)) bytes += chunk.length;
    const ms = performance.now() - start;
    if (upTo === records.length) {
      if (!reader.end().complete) throw new Error('bench recording did not read back complete');
    } else {
      reader.abort();
    }
    return mbps(bytes, ms);
  };
  const hashedRecords = Math.min(records.length, sealMiB + 1);
  decrypt('none', Math.min(8, records.length)); // warm-up
  return {
    totalBytes: totalMiB * MiB,
    encryptMBps,
    encryptWithSealHashesMBps,
    decryptMBps: decrypt('none', records.length),
    decryptPlaintextHashMBps: withDigests ? decrypt('plaintext', hashedRecords) : NaN,
    decryptAllHashesMBps: withDigests ? decrypt('all', hashedRecords) : NaN,
  };
}

/** Milliseconds for one sender to encrypt a fresh sender key to `recipients` others. */
export function benchRekey(
  recipients: number,
  runs: number,
): { medianMs: number; runsMs: number[] } {
  const sender = generateExchangeKeyPair();
  const others = Array.from({ length: recipients }, (_, i) => ({
    recipientId: `user-${i}`,
    exchangePublicKey: generateExchangeKeyPair().publicKey,
  }));
  const runsMs: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const start = performance.now();
    const messages = encryptSenderKeyForRecipients({
      meetingId: 'bench-meeting',
      senderId: 'sender',
      keyIndex: r,
      senderKey: generateSenderKey(),
      senderExchangePrivateKey: sender.privateKey,
      recipients: others,
    });
    const ms = performance.now() - start;
    if (messages.length !== recipients)
      throw new Error('rekey produced the wrong number of messages');
    if (r > 0) runsMs.push(ms); // the first run warms up the JIT
  }
  return { medianMs: median(runsMs), runsMs };
}

/** Milliseconds per deriveAccountKeys with the given cost (first run included separately). */
export function benchArgon2(
  runs: number,
  cost: KdfCost = DEFAULT_KDF_COST,
): { firstMs: number; medianMs: number; runsMs: number[] } {
  const params = generateKdfParams(cost);
  const runsMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    deriveAccountKeys('correct horse battery staple', params);
    runsMs.push(performance.now() - start);
  }
  return {
    firstMs: runsMs[0]!,
    medianMs: median(runsMs.length > 1 ? runsMs.slice(1) : runsMs),
    runsMs,
  };
}
