import type { RecordingBench } from '../../bench/core';
import type { VectorCheck } from '../vectors/run';

/** What the test page exposes as `globalThis.conclaveCryptoTest` (see ./entry.ts). */
export interface BrowserCryptoApi {
  userAgent: string;
  runVectors(): Promise<VectorCheck[]>;
  recordingRoundTrip(
    totalBytes: number,
  ): Promise<{ complete: boolean; chunkCount: number; matches: boolean }>;
  deterministicRandomOutsideTests(): Promise<string>;
  benchRecording(totalMiB: number, withDigests?: boolean): Promise<RecordingBench>;
  benchRekey(recipients: number, runs: number): Promise<{ medianMs: number; runsMs: number[] }>;
  benchArgon2(runs: number): Promise<{ firstMs: number; medianMs: number; runsMs: number[] }>;
}

/** globalThis on the test page, for typing callbacks passed to page.evaluate. */
export type TestPageGlobal = typeof globalThis & { conclaveCryptoTest: BrowserCryptoApi };
