import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import { afterEach, describe, expect, it } from 'vitest';
import { TusRecordingUpload } from './recording-upload';

/**
 * The upload against a real tus server (@tus/server with its file store, the API's own
 * stack) on loopback: deferred length, one PATCH per flush, and a resume from the server's
 * offset after the server went away and came back (an API restart).
 */

/** In Node, tus-js-client sends Uint8Arrays; `size` is how it measures a slice. */
class SizedBytes extends Uint8Array {
  get size(): number {
    return this.length;
  }
}
const nodeBody = (parts: Uint8Array[]) => {
  const out = new SizedBytes(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

interface Running {
  http: HttpServer;
  port: number;
  patches: number;
}

async function startTus(directory: string, port = 0): Promise<Running> {
  const tus = new TusServer({ path: '/files', datastore: new FileStore({ directory }) });
  const running: Running = { http: createServer(), port, patches: 0 };
  running.http.on('request', (req, res) => {
    if (req.method === 'PATCH') running.patches += 1;
    void tus.handle(req, res);
  });
  await new Promise<void>((resolve) => running.http.listen(port, '127.0.0.1', resolve));
  running.port = (running.http.address() as AddressInfo).port;
  return running;
}

async function stop(running: Running): Promise<void> {
  running.http.closeAllConnections();
  await new Promise<void>((resolve) => running.http.close(() => resolve()));
}

function random(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let directory: string | null = null;
let servers: Running[] = [];

afterEach(async () => {
  for (const server of servers) await stop(server).catch(() => undefined);
  servers = [];
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = null;
});

async function storedBytes(dir: string, upload: TusRecordingUpload): Promise<Buffer> {
  const url = (upload as unknown as { upload: { url: string } }).upload.url;
  return readFile(join(dir, url.split('/').pop()!));
}

describe('TusRecordingUpload', () => {
  it('sends each flush as it comes, with the length given only at the end', async () => {
    directory = await mkdtemp(join(tmpdir(), 'conclave-tus-'));
    const server = await startTus(directory);
    servers.push(server);
    const upload = new TusRecordingUpload({
      endpoint: `http://127.0.0.1:${server.port}/files`,
      body: nodeBody,
      retryDelaysMs: [10, 20, 40],
    });
    const pieces = [random(1000, 1), random(70_000, 2), random(5, 3)];
    for (const [i, piece] of pieces.entries()) {
      upload.append(piece);
      const expected = pieces.slice(0, i + 1).reduce((n, p) => n + p.length, 0);
      await until(() => upload.progress().acknowledgedBytes === expected, `flush ${i}`);
    }
    expect(server.patches).toBe(3);
    await upload.complete();
    expect(upload.progress()).toMatchObject({ state: 'complete', acknowledgedBytes: 71_005 });
    const stored = await storedBytes(directory, upload);
    expect(Buffer.compare(stored, Buffer.concat(pieces))).toBe(0);
  });

  it('resumes from what the server holds after it restarted, losing and repeating nothing', async () => {
    directory = await mkdtemp(join(tmpdir(), 'conclave-tus-'));
    const first = await startTus(directory);
    servers.push(first);
    const upload = new TusRecordingUpload({
      endpoint: `http://127.0.0.1:${first.port}/files`,
      body: nodeBody,
      retryDelaysMs: [20, 50, 100, 200, 400, 800, 1600],
    });
    const before = random(40_000, 7);
    upload.append(before);
    await until(() => upload.progress().acknowledgedBytes === before.length, 'first flush');
    await stop(first);
    const during = random(30_000, 8);
    upload.append(during);
    await until(() => upload.progress().state === 'retrying', 'the retry');
    expect(upload.progress().problem).toMatch(/could not be reached/);
    const second = await startTus(directory, first.port);
    servers.push(second);
    const after = random(12_345, 9);
    upload.append(after);
    await upload.complete();
    const stored = await storedBytes(directory, upload);
    expect(stored.length).toBe(before.length + during.length + after.length);
    expect(Buffer.compare(stored, Buffer.concat([before, during, after]))).toBe(0);
  });

  it('reports a refusal the server explains, without retrying it', async () => {
    const http = createServer((req, res) => {
      res.writeHead(403, { 'content-type': 'application/problem+json', 'tus-resumable': '1.0.0' });
      res.end(JSON.stringify({ detail: 'Only the recorder may upload to this recording.' }));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    servers.push({ http, port: (http.address() as AddressInfo).port, patches: 0 });
    const upload = new TusRecordingUpload({
      endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}/files`,
      body: nodeBody,
      retryDelaysMs: [10, 10, 10],
    });
    await expect(upload.complete()).rejects.toThrow(
      'The upload failed: 403: Only the recorder may upload to this recording.',
    );
    expect(upload.progress().state).toBe('failed');
  });
});
