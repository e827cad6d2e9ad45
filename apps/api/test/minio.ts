import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../src/lib/free-port';

/**
 * A real MinIO (S3-compatible) server for the S3 store's tests, started on a free loopback
 * port with a fresh data folder and stopped afterwards. The binary comes from
 * scripts/minio/build.sh (.cache/minio/<version>/minio). Without it: tests skip with a message,
 * except under CI, where .ci/run builds it and a missing binary is a failure.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function minioBinary(): string | null {
  const cache = path.join(root, '.cache/minio');
  if (!existsSync(cache)) return null;
  for (const version of readdirSync(cache).sort().reverse()) {
    const binary = path.join(cache, version, 'minio');
    if (existsSync(binary)) return binary;
  }
  return null;
}

export const MINIO_MISSING =
  'MinIO is not built: run `bash scripts/minio/build.sh` (needs Go) to test the S3 store';

export interface TestMinio {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startMinio(binary: string): Promise<TestMinio> {
  const port = await freePort();
  const consolePort = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'conclave-minio-'));
  const accessKeyId = 'conclave-test';
  const secretAccessKey = 'conclave-test-secret-key';
  const child: ChildProcess = spawn(
    binary,
    [
      'server',
      dir,
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--quiet',
    ],
    {
      env: {
        ...process.env,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_BROWSER: 'off',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`MinIO exited (${child.exitCode}): ${stderr}`);
    const live = await fetch(`${endpoint}/minio/health/live`)
      .then((r) => r.ok)
      .catch(() => false);
    if (live) break;
    if (Date.now() > deadline) throw new Error(`MinIO did not start within 30 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  const bucket = 'recordings';
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    client,
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
