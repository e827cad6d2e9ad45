/**
 * The recordings player's benchmark, in Chromium, with the portal's own pipeline
 * (src/features/recordings: decrypt-stream.ts and the MSE sink) bundled into a test page:
 * - first frame: from pressing Play (fetch of the ciphertext begins) to the first decoded
 *   video frame (requestVideoFrameCallback), for a 1-hour recording; goal < 1 s. p50 of 5.
 * - whole-file decrypt: the whole hour fetched and decrypted, chunks dropped (no player),
 *   without digests (what playback needs to play) and with the plaintext SHA-256 (what the
 *   seal check costs); goal < 5 s.
 *
 * The recording is real WebM from start to end: ffmpeg encodes a 20 s VP8 + Opus test
 * pattern at ~2.5 Mbit/s, and copies it 180 times into one hour (≈ 1.1 GB; remuxing without
 * re-encoding), then the file is encrypted with RecordingWriter under a fixed key. Both are
 * cached in the system's temp folder. `--smoke` uses a 4 s clip looped 3 times (a few MB).
 *
 *   npm run bench -w apps/web                 (the room's bench, then this one)
 *   npx tsx apps/web/bench/playback.ts [--smoke]
 *
 * The page is served by a small local HTTP server (ciphertext with Content-Length, as the
 * API serves it); the API's own storage and authorisation are not what is measured here.
 * Numbers are printed, not asserted.
 */
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { ready, RecordingWriter, toBase64Url } from '@conclave/crypto';
import { build } from 'esbuild';
import { chromiumLaunchOptions } from '../../../tests/support/chromium';

const smoke = process.argv.includes('--smoke');
const CLIP_SECONDS = smoke ? 4 : 20;
const LOOPS = smoke ? 3 : 180;
const SIZE = smoke ? '640x360' : '1280x720';
const FIRST_FRAME_RUNS = smoke ? 2 : 5;
const RECORDING_ID = '00000000-0000-4000-8000-00000000b0b0';
const MIME = 'video/webm;codecs=vp8,opus';
const KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
const dir = join(tmpdir(), 'conclave-bench-playback');

function makeWebm(): string {
  mkdirSync(dir, { recursive: true });
  const clip = join(dir, `clip-${CLIP_SECONDS}s-${SIZE}.webm`);
  const long = join(dir, `recording-${CLIP_SECONDS * LOOPS}s-${SIZE}.webm`);
  if (!existsSync(clip)) {
    console.log(`encoding a ${CLIP_SECONDS} s ${SIZE} VP8+Opus test pattern with ffmpeg…`);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${SIZE}:rate=30`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(CLIP_SECONDS), '-c:v', 'libvpx', '-b:v', '2400k', '-g', '60'],
      ...['-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-b:a', '64k'],
      ...['-f', 'webm', `${clip}.part`],
    ]);
    renameSync(`${clip}.part`, clip);
  }
  if (!existsSync(long)) {
    console.log(`copying it ${LOOPS} times into ${CLIP_SECONDS * LOOPS} s…`);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', String(LOOPS - 1)],
      ...['-i', clip, '-c', 'copy', '-f', 'webm', `${long}.part`],
    ]);
    renameSync(`${long}.part`, long);
  }
  return long;
}

async function encrypt(plainPath: string): Promise<string> {
  const out = `${plainPath}.conclave`;
  if (existsSync(out)) return out;
  console.log('encrypting with RecordingWriter…');
  await ready();
  const writer = new RecordingWriter({
    recordingKey: KEY,
    recordingId: RECORDING_ID,
    mimeType: MIME,
    sealHashes: false,
  });
  const sink = createWriteStream(`${out}.part`);
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      sink.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  // Blobs of ~1 s at 2.5 Mbit/s, with a flush every 5 s, as the recorder uploads them.
  let blobs = 0;
  for await (const piece of createReadStream(plainPath, { highWaterMark: 320 * 1024 })) {
    await write(writer.write(piece as Buffer));
    if (++blobs % 5 === 0) await write(writer.flush());
  }
  await write(writer.finish().output);
  await new Promise<void>((resolve, reject) =>
    sink.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(`${out}.part`, out);
  return out;
}

const PAGE_SOURCE = `
import { ready, fromBase64Url } from '@conclave/crypto';
import { decryptRecordingStream } from './decrypt-stream';
import { MediaSourceSink } from './media-sinks';

async function open(url) {
  const response = await fetch(url, { cache: 'no-store' });
  return { body: response.body, total: Number(response.headers.get('content-length')) };
}

globalThis.benchPlayback = {
  async firstFrame(url, key, recordingId, mimeType) {
    await ready();
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    const controller = new AbortController();
    const t0 = performance.now();
    const framed = new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now() - t0)));
    const { body, total } = await open(url);
    const sink = await MediaSourceSink.attach(video, mimeType, null);
    void video.play();
    const done = decryptRecordingStream({
      source: body, recordingKey: fromBase64Url(key), recordingId, mimeType, totalBytes: total,
      sink, signal: controller.signal,
    });
    const ms = await framed;
    controller.abort();
    await done;
    video.pause();
    video.removeAttribute('src');
    video.load();
    video.remove();
    sink.dispose();
    return ms;
  },
  async decrypt(url, key, recordingId, mimeType, hashes) {
    await ready();
    const t0 = performance.now();
    const { body, total } = await open(url);
    const outcome = await decryptRecordingStream({
      source: body, recordingKey: fromBase64Url(key), recordingId, mimeType, totalBytes: total,
      hashes, sink: { write() {} },
    });
    return { ms: performance.now() - t0, status: outcome.status, bytes: outcome.result?.plaintextBytes ?? 0 };
  },
};
`;

async function servePage(ciphertextPath: string): Promise<{ url: string; server: Server }> {
  const result = await build({
    stdin: {
      contents: PAGE_SOURCE,
      resolveDir: fileURLToPath(new URL('../src/features/recordings/', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const script = result.outputFiles[0]!.text;
  const size = statSync(ciphertextPath).size;
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else if (req.url === '/recording') {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(size),
        'cache-control': 'no-store',
      });
      createReadStream(ciphertextPath, { highWaterMark: 256 * 1024 }).pipe(res);
    } else if (req.url === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><meta charset="utf-8"><title>playback bench</title><script type="module" src="/bench.js"></script>',
        );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function main() {
  const plain = makeWebm();
  const ciphertext = await encrypt(plain);
  const bytes = statSync(ciphertext).size;
  const { url, server } = await servePage(ciphertext);
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => 'benchPlayback' in globalThis);
    const args = [`${url}/recording`, toBase64Url(KEY), RECORDING_ID, MIME] as const;
    type Bench = {
      benchPlayback: {
        firstFrame(...a: typeof args): Promise<number>;
        decrypt(
          ...a: [...typeof args, string]
        ): Promise<{ ms: number; status: string; bytes: number }>;
      };
    };
    const firstFrames: number[] = [];
    for (let i = 0; i < FIRST_FRAME_RUNS; i++) {
      firstFrames.push(
        await page.evaluate(
          (a) => (globalThis as unknown as Bench).benchPlayback.firstFrame(...a),
          args,
        ),
      );
    }
    const plainRun = await page.evaluate(
      (a) => (globalThis as unknown as Bench).benchPlayback.decrypt(...a, 'none'),
      args,
    );
    const hashedRun = await page.evaluate(
      (a) => (globalThis as unknown as Bench).benchPlayback.decrypt(...a, 'plaintext'),
      args,
    );
    if (plainRun.status !== 'complete' || hashedRun.status !== 'complete') {
      throw new Error(`bench: decryption ended ${plainRun.status}/${hashedRun.status}`);
    }
    const mb = bytes / 1e6;
    console.log(
      `\nplayback bench${smoke ? ' (smoke)' : ''}: ${CLIP_SECONDS * LOOPS} s of ${SIZE} VP8+Opus, ${mb.toFixed(1)} MB of ciphertext`,
    );
    console.table([
      {
        measure: 'open → first decoded frame (ms), goal < 1000',
        runs: firstFrames.length,
        p50: Math.round(median(firstFrames)),
        min: Math.round(Math.min(...firstFrames)),
        max: Math.round(Math.max(...firstFrames)),
      },
      {
        measure: 'whole-file fetch + decrypt (ms), goal < 5000',
        runs: 1,
        p50: Math.round(plainRun.ms),
        'MB/s': Math.round(mb / (plainRun.ms / 1000)),
      },
      {
        measure: 'whole-file fetch + decrypt + plaintext SHA-256 (ms)',
        runs: 1,
        p50: Math.round(hashedRun.ms),
        'MB/s': Math.round(mb / (hashedRun.ms / 1000)),
      },
    ]);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

await main();
