import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready, RecordingReader } from '@conclave/crypto';
import { createRecordingResponseSchema } from '@conclave/contracts';
import { buildTestApp, testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import {
  addMember,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';
import { MINIO_MISSING, minioBinary, startMinio, type TestMinio } from '../../../test/minio';
import {
  EBML_MAGIC,
  encryptRecording,
  envelopeFor,
  recorderSide,
  requestRecording,
  sealFor,
  tusCreate,
  tusHead,
  tusPatch,
  webmLike,
} from '../../../test/recordings';

/**
 * The S3 store against a real S3-compatible server (MinIO, started here). Skipped only when
 * MinIO is not built and this is not CI (CI builds it in .ci/run).
 */
const binary = minioBinary();
if (!binary && process.env.CI) throw new Error(`${MINIO_MISSING} (CI must run the S3 tests)`);
if (!binary) console.warn(`skipping the S3 recording store tests: ${MINIO_MISSING}`);

const MIME = 'video/webm;codecs=vp8,opus';

describe.skipIf(!binary)('recordings in S3-compatible storage (MinIO)', () => {
  let minio: TestMinio;
  let database: TestDatabase;
  let app: FastifyInstance;
  let host: TestUser;
  let env: Record<string, string>;
  let socket: ControlClient;
  let lostSocket: ControlClient | undefined;
  let server: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    await ready();
    minio = await startMinio(binary ?? '');
    database = await createTestDatabase();
    env = {
      RECORDING_STORAGE: 's3',
      S3_ENDPOINT: minio.endpoint,
      S3_BUCKET: minio.bucket,
      S3_ACCESS_KEY_ID: minio.accessKeyId,
      S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
    };
    app = await buildTestApp({ db: database.db, config: testConfig(env) });
    server = await listen(app);
  });

  afterAll(async () => {
    socket?.close();
    lostSocket?.close();
    await app?.close();
    await database?.drop();
    await minio?.stop();
  });

  it('uploads in parts, resumes on another API process, seals, serves ranges and deletes', async () => {
    const roles = await createOrgWithRoles(database.db);
    host = await createUser(database.db, { displayName: 'Hanna Host' });
    await addMember(database.db, { org: roles.org, user: host, role: 'member' });
    const asHost = await signedInClient(app, host);
    const meeting = await scheduleMeeting(asHost, roles.org.id, meetingNow());
    socket = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
      client: asHost,
      origin: server.origin,
    });
    await socket.next('welcome');

    const response = await requestRecording(asHost, meeting.id, { mimeType: MIME });
    expect(response.statusCode, response.body).toBe(201);
    const made = createRecordingResponseSchema.parse(response.json());
    const side = recorderSide(made, host, MIME);
    const put = await asHost.inject({
      method: 'PUT',
      url: `/api/recordings/${side.recordingId}/envelope`,
      payload: { envelope: envelopeFor(side, made.requiredRecipients) },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await tusCreate(asHost, side.recordingId)).statusCode).toBe(201);

    // 9 MiB in 1 MiB flushes: more than one 8 MiB multipart part, and a tail kept as .part.
    const plaintext = webmLike(9 * 1024 * 1024);
    const { parts, stats } = encryptRecording(side, plaintext, 1024 * 1024);
    const all = Buffer.concat(parts);
    const half = Buffer.concat(parts.slice(0, 5));
    expect((await tusPatch(asHost, side.recordingId, 0, half)).statusCode).toBe(204);
    // Bad bytes are refused here too, and what was stored stays.
    const bad = Buffer.alloc(8, 0xff);
    expect(
      expectProblem(await tusPatch(asHost, side.recordingId, half.length, bad), 422).detail,
    ).toMatch(/declares/);

    const second = await buildTestApp({ db: database.db, config: testConfig(env) });
    try {
      const asHostThere = await signedInClient(second, host);
      const head = await tusHead(asHostThere, side.recordingId);
      expect(head.headers['upload-offset']).toBe(String(half.length));
      const rest = all.subarray(half.length);
      const resumed = await tusPatch(asHostThere, side.recordingId, half.length, rest, all.length);
      expect(resumed.statusCode, resumed.body).toBe(204);
      expect(resumed.headers['upload-offset']).toBe(String(all.length));
    } finally {
      await second.close();
    }
    const head = await minio.client.send(
      new HeadObjectCommand({ Bucket: minio.bucket, Key: side.recordingId }),
    );
    expect(head.ContentLength).toBe(all.length);

    const sealed = await asHost.inject({
      method: 'POST',
      url: `/api/recordings/${side.recordingId}/seal`,
      payload: { seal: sealFor(side, stats) },
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
    const range = await asHost.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
      headers: { range: 'bytes=100-199' },
    });
    expect(range.statusCode).toBe(206);
    expect(range.rawPayload.equals(all.subarray(100, 200))).toBe(true);

    // Nothing in the bucket is plaintext.
    const listed = await minio.client.send(new ListObjectsV2Command({ Bucket: minio.bucket }));
    for (const object of listed.Contents ?? []) {
      const body = await minio.client.send(
        new GetObjectCommand({ Bucket: minio.bucket, Key: object.Key }),
      );
      const bytes = Buffer.from(await body.Body!.transformToByteArray());
      expect(bytes.includes(EBML_MAGIC), object.Key).toBe(false);
    }

    await database.db.recording.update({
      where: { id: side.recordingId },
      data: { deletableFrom: null },
    });
    const deleted = await asHost.inject({
      method: 'DELETE',
      url: `/api/recordings/${side.recordingId}`,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    const after = await minio.client.send(new ListObjectsV2Command({ Bucket: minio.bucket }));
    expect(after.Contents ?? []).toEqual([]);
  });
  it('completes an ended-early upload at the acknowledged bytes, served as a truncated recording', async () => {
    const roles = await createOrgWithRoles(database.db);
    const recorder = await createUser(database.db, { displayName: 'Rita Recorder' });
    await addMember(database.db, { org: roles.org, user: recorder, role: 'member' });
    const asRecorder = await signedInClient(app, recorder);
    const meeting = await scheduleMeeting(asRecorder, roles.org.id, meetingNow());
    lostSocket = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
      client: asRecorder,
      origin: server.origin,
    });
    await lostSocket.next('welcome');
    const response = await requestRecording(asRecorder, meeting.id, { mimeType: MIME });
    expect(response.statusCode, response.body).toBe(201);
    const made = createRecordingResponseSchema.parse(response.json());
    const side = recorderSide(made, recorder, MIME);
    const put = await asRecorder.inject({
      method: 'PUT',
      url: `/api/recordings/${side.recordingId}/envelope`,
      payload: { envelope: envelopeFor(side, made.requiredRecipients) },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await tusCreate(asRecorder, side.recordingId)).statusCode).toBe(201);

    // 9 of 12 one-MiB flushes acknowledged: one full 8 MiB part in S3 and a tail in <id>.part;
    // the length is never declared and the recording is never sealed.
    const plaintext = webmLike(12 * 1024 * 1024);
    const { parts } = encryptRecording(side, plaintext, 1024 * 1024);
    const acknowledged = Buffer.concat(parts.slice(0, 9));
    const patched = await tusPatch(asRecorder, side.recordingId, 0, acknowledged);
    expect(patched.statusCode, patched.body).toBe(204);
    await expect(
      minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: side.recordingId })),
    ).rejects.toThrow();

    // The upload stalls: the sweep ends it early and completes the multipart upload.
    await app.recordings.runJobs(new Date(Date.now() + 10 * 60_000));
    const row = await database.db.recording.findUniqueOrThrow({
      where: { id: side.recordingId },
    });
    expect(row).toMatchObject({ state: 'ended_early', endReason: 'stalled' });
    const object = await minio.client.send(
      new HeadObjectCommand({ Bucket: minio.bucket, Key: side.recordingId }),
    );
    expect(object.ContentLength).toBe(acknowledged.length);

    const content = await asRecorder.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
    });
    expect(content.statusCode, content.body).toBe(200);
    expect(content.headers['x-recording-state']).toBe('ended_early');
    expect(content.rawPayload.equals(acknowledged)).toBe(true);
    const reader = new RecordingReader({
      recordingKey: side.key,
      recordingId: side.recordingId,
      mimeType: MIME,
    });
    const decrypted = Buffer.concat(reader.push(content.rawPayload).map((c) => Buffer.from(c)));
    const result = reader.end();
    expect(result).toMatchObject({ complete: false, truncated: true, danglingBytes: 0 });
    expect(decrypted.length).toBe(9 * 1024 * 1024);
    expect(decrypted.equals(plaintext.subarray(0, decrypted.length))).toBe(true);
    const tail = await asRecorder.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
      headers: { range: `bytes=${acknowledged.length - 100}-` },
    });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(acknowledged.subarray(acknowledged.length - 100))).toBe(true);
  });
});
