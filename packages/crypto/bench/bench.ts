/**
 * npm run bench -w @conclave/crypto [-- --smoke]
 *
 * Prints one table: recording encryption/decryption throughput in Node next to Node's native
 * chacha20-poly1305 on the same buffer in the same run, the same in Chromium (Debian's, via
 * Playwright, on a page served from 127.0.0.1), rekey cost for 99 and 499 recipients, and
 * Argon2id per derivation with the default cost. Numbers are printed, never asserted.
 * `--smoke` uses small sizes (CI); `--hour` decrypts a full 1-hour recording in Chromium
 * instead of extrapolating from 256 MiB.
 */
import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import sodium from 'libsodium-wrappers-sumo';
import { DEFAULT_KDF_COST, ready, recordingAssociatedData } from '../src/index';
import type { TestPageGlobal } from '../test/browser/api';
import { startTestPageServer } from '../test/browser/server';
import {
  MiB,
  benchArgon2,
  benchBlock,
  benchRecording,
  benchRekey,
  type RecordingBench,
} from './core';

/** A 1-hour recording at 2.5 Mbit/s. */
const HOUR_BYTES = (2.5e6 / 8) * 3600;
const smoke = process.argv.includes('--smoke');
/** --hour: decrypt a whole hour (1.125 GB, held in the page's memory) in Chromium. */
const hour = process.argv.includes('--hour');
const sizes = smoke
  ? { nodeMiB: 16, chromiumMiB: 16, rekeyRuns: 3, argonRuns: 2 }
  : { nodeMiB: 512, chromiumMiB: 256, rekeyRuns: 15, argonRuns: 5 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** Node's native (OpenSSL) chacha20-poly1305, one cipher per 1 MiB chunk like our records. */
function nativeChaCha(
  block: Uint8Array,
  totalMiB: number,
): { encryptMBps: number; decryptMBps: number } {
  const key = nodeRandomBytes(32);
  const aad = nodeRandomBytes(32);
  const nonce = (i: number) => {
    const n = Buffer.alloc(12);
    n.writeUInt32BE(i, 8);
    return n;
  };
  const sealed: { ciphertext: Buffer; tag: Buffer }[] = [];
  let start = performance.now();
  for (let i = 0; i < totalMiB; i++) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce(i), { authTagLength: 16 });
    cipher.setAAD(aad, { plaintextLength: block.length });
    const ciphertext = cipher.update(block);
    cipher.final();
    const tag = cipher.getAuthTag();
    if (i < 64) sealed.push({ ciphertext, tag });
  }
  const encryptMBps = mbps(totalMiB * MiB, performance.now() - start);
  start = performance.now();
  for (let i = 0; i < totalMiB; i++) {
    const { ciphertext, tag } = sealed[i % sealed.length]!;
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce(i % sealed.length), {
      authTagLength: 16,
    });
    decipher.setAAD(aad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(tag);
    decipher.update(ciphertext);
    decipher.final();
  }
  return { encryptMBps, decryptMBps: mbps(totalMiB * MiB, performance.now() - start) };
}

/** libsodium-wrappers' own secretstream push (copies in and out per call), for reference. */
function wrapperPush(block: Uint8Array, totalMiB: number): number {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const { state } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  const ad = recordingAssociatedData('bench', 'video/webm');
  const start = performance.now();
  for (let i = 0; i < totalMiB; i++)
    sodium.crypto_secretstream_xchacha20poly1305_push(state, block, ad, 0);
  return mbps(totalMiB * MiB, performance.now() - start);
}

interface ChromiumResults {
  version: string;
  recording: RecordingBench;
  rekey99: number;
  rekey499: number;
  argon: { firstMs: number; medianMs: number; runsMs: number[] };
  hourDecryptMBps?: number;
}

async function runChromium(): Promise<ChromiumResults | string> {
  if (!existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM}`;
  const server = await startTestPageServer();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      (globalThis as { __CONCLAVE_CRYPTO_TEST__?: boolean }).__CONCLAVE_CRYPTO_TEST__ = true;
    });
    await page.goto(server.url);
    await page.waitForFunction(() => 'conclaveCryptoTest' in globalThis);
    const call = <T>(fn: (arg: number) => Promise<T>, arg: number) => page.evaluate(fn, arg);
    const recording = await call(
      (mib) => (globalThis as TestPageGlobal).conclaveCryptoTest.benchRecording(mib),
      sizes.chromiumMiB,
    );
    const rekey99 = await call(
      (runs) => (globalThis as TestPageGlobal).conclaveCryptoTest.benchRekey(99, runs),
      sizes.rekeyRuns,
    );
    const rekey499 = await call(
      (runs) => (globalThis as TestPageGlobal).conclaveCryptoTest.benchRekey(499, runs),
      sizes.rekeyRuns,
    );
    const argon = await call(
      (runs) => (globalThis as TestPageGlobal).conclaveCryptoTest.benchArgon2(runs),
      sizes.argonRuns,
    );
    const results: ChromiumResults = {
      version: browser.version(),
      recording,
      rekey99: rekey99.medianMs,
      rekey499: rekey499.medianMs,
      argon,
    };
    if (hour) {
      // Last, in a fresh page: 1.1 GB of ciphertext held in memory would skew anything after it.
      const hourPage = await browser.newPage();
      await hourPage.addInitScript(() => {
        (globalThis as { __CONCLAVE_CRYPTO_TEST__?: boolean }).__CONCLAVE_CRYPTO_TEST__ = true;
      });
      await hourPage.goto(server.url);
      await hourPage.waitForFunction(() => 'conclaveCryptoTest' in globalThis);
      const full = await hourPage.evaluate(
        (mib) => (globalThis as TestPageGlobal).conclaveCryptoTest.benchRecording(mib, false),
        Math.ceil(HOUR_BYTES / MiB),
      );
      results.hourDecryptMBps = full.decryptMBps;
    }
    return results;
  } finally {
    await browser.close();
    await server.close();
  }
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${(n * 100).toFixed(0)}%`;

async function main(): Promise<void> {
  await ready();
  console.log(`@conclave/crypto bench${smoke ? ' (--smoke: small sizes, numbers are rough)' : ''}`);
  console.log(
    `Node ${process.version}, libsodium ${sodium.sodium_version_string()}, ${sizes.nodeMiB} MiB in Node, ${sizes.chromiumMiB} MiB in Chromium\n`,
  );

  const block = benchBlock();
  const node = benchRecording(sizes.nodeMiB, block);
  const native = nativeChaCha(block, sizes.nodeMiB);
  const wrapper = wrapperPush(block, Math.min(sizes.nodeMiB, 128));
  const rekey99 = benchRekey(99, sizes.rekeyRuns).medianMs;
  const rekey499 = benchRekey(499, sizes.rekeyRuns).medianMs;
  const argon = benchArgon2(sizes.argonRuns);
  const browser = await runChromium();
  const b = typeof browser === 'string' ? undefined : browser;
  const na = typeof browser === 'string' ? browser : '';

  const rows: [string, string, string, string][] = [
    ['measure', 'Node', 'Chromium', 'goal / note'],
    [
      'recording encrypt, MB/s (RecordingWriter)',
      f0(node.encryptMBps),
      b ? f0(b.recording.encryptMBps) : na,
      '',
    ],
    [
      '  native chacha20-poly1305 encrypt, MB/s',
      f0(native.encryptMBps),
      '-',
      'same 1 MiB buffer, same run',
    ],
    ['  ratio package / native', pct(node.encryptMBps / native.encryptMBps), '-', '>= 15%'],
    ['  libsodium-wrappers push (copies), MB/s', f0(wrapper), '-', 'reference'],
    [
      'recording encrypt + seal SHA-256s, MB/s',
      f0(node.encryptWithSealHashesMBps),
      b ? f0(b.recording.encryptWithSealHashesMBps) : na,
      'what a recorder runs (needs 0.3 MB/s)',
    ],
    [
      'recording decrypt, MB/s (RecordingReader)',
      f0(node.decryptMBps),
      b ? f0(b.recording.decryptMBps) : na,
      '',
    ],
    ['  native chacha20-poly1305 decrypt, MB/s', f0(native.decryptMBps), '-', ''],
    ['  ratio package / native', pct(node.decryptMBps / native.decryptMBps), '-', '>= 15%'],
    [
      'recording decrypt + plaintext SHA-256, MB/s',
      f0(node.decryptPlaintextHashMBps),
      b ? f0(b.recording.decryptPlaintextHashMBps) : na,
      'playback that checks the seal',
    ],
    [
      'recording decrypt + both SHA-256s, MB/s',
      f0(node.decryptAllHashesMBps),
      b ? f0(b.recording.decryptAllHashesMBps) : na,
      'full seal check',
    ],
    [
      '1 h at 2.5 Mbit/s (1.125 GB) decrypt, s',
      f1(HOUR_BYTES / 1e6 / node.decryptMBps),
      b ? f1(HOUR_BYTES / 1e6 / b.recording.decryptMBps) : na,
      `< 5 s in Chromium (extrapolated from ${sizes.chromiumMiB} MiB)`,
    ],
    ...(b?.hourDecryptMBps !== undefined
      ? [
          [
            '  measured on a whole hour in Chromium, s',
            '-',
            f1(HOUR_BYTES / 1e6 / b.hourDecryptMBps),
            '--hour',
          ] as [string, string, string, string],
        ]
      : []),
    [
      '  same with plaintext SHA-256, s',
      f1(HOUR_BYTES / 1e6 / node.decryptPlaintextHashMBps),
      b ? f1(HOUR_BYTES / 1e6 / b.recording.decryptPlaintextHashMBps) : na,
      'extrapolated',
    ],
    [
      'rekey: sender key to 99 recipients, ms',
      f1(rekey99),
      b ? f1(b.rekey99) : na,
      '< 50 ms in Node',
    ],
    ['rekey: sender key to 499 recipients, ms', f1(rekey499), b ? f1(b.rekey499) : na, ''],
    [
      `Argon2id (${DEFAULT_KDF_COST.memLimit / MiB} MiB, ops ${DEFAULT_KDF_COST.opsLimit}), ms median`,
      f0(argon.medianMs),
      b ? f0(b.argon.medianMs) : na,
      '0.3-1 s in Chromium',
    ],
    ['  first derivation (heap growth), ms', f0(argon.firstMs), b ? f0(b.argon.firstMs) : na, ''],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(
      row
        .map((cell, c) =>
          c === 0 || c === 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!),
        )
        .join(' | '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  if (b) console.log(`\nChromium ${b.version}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
