/**
 * npm run bench -w apps/api [-- --smoke]
 *
 * Recording upload under load: N simulated recorders (20; `--smoke`: 3) each upload a real
 * encrypted stream (packages/crypto RecordingWriter) at 4 Mbit/s with one tus PATCH per second
 * for 60 s (`--smoke`: 4 s), to one API instance in a process of its own, once with local
 * storage and once with S3 (MinIO from .cache/minio, skipped with a note when it is not built).
 * Prints per store: bytes acknowledged per second, PATCH latency p50/p99, the API process's peak
 * RSS (VmHWM) and its event-loop delay. Asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createRecordingResponseSchema, meetingSchema } from '@conclave/contracts';
import { ready, RecordingWriter } from '@conclave/crypto';
import { createSession } from '../src/services/accounts/sessions';
import { newCsrfToken } from '../src/services/accounts/csrf';
import { createTestDatabase } from '../test/database';
import { addMember, createTestOrg, createUser } from '../test/factories';
import { minioBinary, startMinio } from '../test/minio';
import { envelopeFor, recorderSide } from '../test/recordings';

const smoke = process.argv.includes('--smoke');
const RECORDERS = smoke ? 3 : 20;
const SECONDS = smoke ? 4 : 60;
const BYTES_PER_SECOND = (4 * 1000 * 1000) / 8;
const MIME = 'video/webm;codecs=vp8,opus';
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Instance {
  url: string;
  origin: string;
  child: ChildProcess;
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'instance.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (\S+) (\S+)/.exec(buffer);
      if (match?.[1] && match[2]) resolve({ url: match[1], origin: match[2], child });
    });
    child.once('exit', (code) => reject(new Error(`API instance exited with ${code}`)));
  });
}

async function stop(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

function loopDelay(instance: Instance): Promise<{ p99: number; max: number }> {
  return new Promise((resolve) => {
    instance.child.once('message', (message) => resolve(message as { p99: number; max: number }));
    instance.child.send('event-loop-delay');
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(store: string, env: Record<string, string>) {
  const database = await createTestDatabase();
  const serverSecret = randomBytes(32).toString('base64url');
  const instance = await startInstance({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.connectionString,
    SERVER_SECRET: serverSecret,
    ...env,
  });
  const sockets: WebSocket[] = [];
  try {
    const db = database.db;
    const owner = await createUser(db, { displayName: 'Bench Owner' });
    const org = await createTestOrg(db, { owner });
    const recorders = [];
    for (let i = 0; i < RECORDERS; i += 1) {
      const user = await createUser(db, { displayName: `Recorder ${i}` });
      await addMember(db, { org, user, role: 'member' });
      const session = await createSession({ db, userId: user.id, userAgent: 'bench' });
      const csrf = newCsrfToken(serverSecret, session.token);
      const headers = {
        cookie: `conclave_session=${session.token}; conclave_csrf=${csrf}`,
        'x-csrf-token': csrf,
      };
      const local = (minutes: number) =>
        new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
      const created = await fetch(`${instance.url}/api/orgs/${org.id}/meetings`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: `Bench ${i}`,
          startLocal: local(-5),
          endLocal: local(120),
          timeZone: 'UTC',
          notify: false,
        }),
      });
      const meeting = meetingSchema.parse(await created.json());
      const socket = new WebSocket(
        `${instance.url.replace('http', 'ws')}/api/meetings/${meeting.id}/control`,
        {
          headers: { cookie: headers.cookie },
          origin: instance.origin,
        },
      );
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('message', () => resolve());
        socket.once('error', reject);
      });
      const requested = await fetch(`${instance.url}/api/meetings/${meeting.id}/recordings`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'video', mimeType: MIME }),
      });
      if (requested.status !== 201)
        throw new Error(`request: ${requested.status} ${await requested.text()}`);
      const made = createRecordingResponseSchema.parse(await requested.json());
      const side = recorderSide(made, user, MIME);
      const put = await fetch(`${instance.url}/api/recordings/${side.recordingId}/envelope`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ envelope: envelopeFor(side, made.requiredRecipients) }),
      });
      if (put.status !== 200) throw new Error(`envelope: ${put.status} ${await put.text()}`);
      const tus = { ...headers, 'tus-resumable': '1.0.0' };
      const post = await fetch(`${instance.url}/api/recordings/${side.recordingId}/upload`, {
        method: 'POST',
        headers: { ...tus, 'upload-defer-length': '1' },
      });
      if (post.status !== 201) throw new Error(`tus create: ${post.status} ${await post.text()}`);
      const writer = new RecordingWriter({
        recordingKey: side.key,
        recordingId: side.recordingId,
        mimeType: MIME,
        sealHashes: false,
      });
      recorders.push({ id: side.recordingId, tus, writer, offset: 0 });
    }

    await loopDelay(instance);
    const latencies: number[] = [];
    let acknowledged = 0;
    const media = randomBytes(BYTES_PER_SECOND);
    const started = Date.now();
    await Promise.all(
      recorders.map(async (recorder, index) => {
        // Spread the recorders over the second, as real ones are.
        await new Promise((resolve) => setTimeout(resolve, (index * 1000) / RECORDERS));
        for (let second = 0; second < SECONDS; second += 1) {
          const due = started + (second + 1) * 1000 + (index * 1000) / RECORDERS;
          const part = Buffer.concat([recorder.writer.write(media), recorder.writer.flush()]);
          const sent = Date.now();
          const response = await fetch(`${instance.url}/api/recordings/${recorder.id}/upload`, {
            method: 'PATCH',
            headers: {
              ...recorder.tus,
              'content-type': 'application/offset+octet-stream',
              'upload-offset': String(recorder.offset),
            },
            body: part,
          });
          if (response.status !== 204)
            throw new Error(`PATCH: ${response.status} ${await response.text()}`);
          latencies.push(Date.now() - sent);
          recorder.offset = Number(response.headers.get('upload-offset'));
          acknowledged += part.length;
          const wait = due - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }),
    );
    const elapsed = (Date.now() - started) / 1000;
    const delay = await loopDelay(instance);
    latencies.sort((a, b) => a - b);
    return {
      store,
      mbPerSecond: acknowledged / elapsed / 1e6,
      target: (RECORDERS * BYTES_PER_SECOND) / 1e6,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      peakRss: peakRssMiB(instance.child.pid ?? 0),
      loopP99: delay.p99,
      loopMax: delay.max,
    };
  } finally {
    for (const socket of sockets) socket.close();
    await stop(instance);
    await database.drop();
  }
}

async function main() {
  await ready();
  const results = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'conclave-bench-recordings-'));
  try {
    results.push(await run('local files', { DATA_DIR: dataDir }));
    const binary = minioBinary();
    if (binary) {
      const minio = await startMinio(binary);
      try {
        results.push(
          await run('S3 (MinIO)', {
            DATA_DIR: dataDir,
            RECORDING_STORAGE: 's3',
            S3_ENDPOINT: minio.endpoint,
            S3_BUCKET: minio.bucket,
            S3_ACCESS_KEY_ID: minio.accessKeyId,
            S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
          }),
        );
      } finally {
        await minio.stop();
      }
    } else {
      console.log('S3 store skipped: MinIO is not built (bash scripts/minio/build.sh)');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(
    `\nRecording upload: ${RECORDERS} recorders x 4 Mbit/s for ${SECONDS} s, one tus PATCH per second each${smoke ? ' (smoke)' : ''}`,
  );
  console.log(
    '| store | acknowledged MB/s (target) | PATCH p50 / p99 ms | API peak RSS MiB | event-loop p99 / max ms |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.store} | ${r.mbPerSecond.toFixed(2)} (${r.target.toFixed(2)}) | ${r.p50} / ${r.p99} | ${r.peakRss.toFixed(0)} | ${r.loopP99.toFixed(0)} / ${r.loopMax.toFixed(0)} |`,
    );
  }
}

await main();
