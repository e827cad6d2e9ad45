import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@conclave/crypto';
import { createRecordingResponseSchema, type Meeting } from '@conclave/contracts';
import { buildTestApp, testConfig, useTestApp } from '../../../test/app';
import {
  addMember,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { RECORDER_RECONNECT_GRACE_MS } from '../../services/recordings/room-events';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';
import {
  encryptRecording,
  envelopeFor,
  recorderSide,
  requestRecording,
  sealFor,
  setPolicy,
  tusCreate,
  tusHead,
  tusPatch,
  uploadAll,
  webmLike,
  type RecorderSide,
} from '../../../test/recordings';

const dataDir = mkdtempSync(path.join(tmpdir(), 'conclave-recording-rules-'));
const QUOTA = 100 * 1024 * 1024;
const env = {
  DATA_DIR: dataDir,
  RECORDING_MAX_BYTES: String(600 * 1024),
  RECORDING_ORG_QUOTA_BYTES: String(QUOTA),
};
const suite = useTestApp({ env });
const MIME = 'video/webm;codecs=vp8,opus';

let server: Awaited<ReturnType<typeof listen>>;
let host: TestUser;
let cohost: TestUser;
let member: TestUser;
let orgId: string;
let asHost: TestClient;
let asMember: TestClient;
let asOwner: TestClient;
let asAdmin: TestClient;
const sockets: ControlClient[] = [];

async function join(client: TestClient, meeting: Meeting): Promise<ControlClient> {
  const control = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
    client,
    origin: server.origin,
  });
  sockets.push(control);
  await control.next('welcome');
  return control;
}

async function liveMeeting(options: { cohost?: boolean } = {}) {
  const meeting = await scheduleMeeting(
    asHost,
    orgId,
    meetingNow({ invitees: [member.email], ...(options.cohost ? { hosts: [cohost.email] } : {}) }),
  );
  const hostSocket = await join(asHost, meeting);
  const memberSocket = await join(asMember, meeting);
  return { meeting, hostSocket, memberSocket };
}

async function request(client: TestClient, meeting: Meeting, mode: 'video' | 'audio' = 'video') {
  const response = await requestRecording(client, meeting.id, {
    mode,
    mimeType: mode === 'video' ? MIME : 'audio/webm;codecs=opus',
  });
  return response;
}

async function running(meeting: Meeting): Promise<RecorderSide> {
  const response = await request(asHost, meeting);
  expect(response.statusCode, response.body).toBe(201);
  const made = createRecordingResponseSchema.parse(response.json());
  const side = recorderSide(made, host, MIME);
  const stored = await asHost.inject({
    method: 'PUT',
    url: `/api/recordings/${side.recordingId}/envelope`,
    payload: { envelope: envelopeFor(side, made.requiredRecipients) },
  });
  expect(stored.statusCode, stored.body).toBe(200);
  return side;
}

async function stopRecording(side: RecorderSide) {
  await suite.db.recording.update({
    where: { id: side.recordingId },
    data: { state: 'ended_early' },
  });
}

beforeAll(async () => {
  await ready();
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  orgId = roles.org.id;
  member = roles.member;
  host = await createUser(suite.db, { displayName: 'Hanna Host' });
  cohost = await createUser(suite.db, { displayName: 'Cora Cohost' });
  await addMember(suite.db, { org: roles.org, user: host, role: 'member' });
  await addMember(suite.db, { org: roles.org, user: cohost, role: 'member' });
  asHost = await signedInClient(suite.app, host);
  asMember = await signedInClient(suite.app, member);
  asOwner = await signedInClient(suite.app, roles.owner);
  asAdmin = await signedInClient(suite.app, roles.admin);
});

afterAll(() => {
  for (const socket of sockets) socket.close();
});

describe('who may record (policy x role)', () => {
  it('follows recording.allowed, audioOnly and presence, one recording per room', async () => {
    const { meeting } = await liveMeeting();
    // Default policy: hosts only.
    const byMember = expectProblem(await request(asMember, meeting), 403);
    expect(byMember.detail).toMatch(/hosts/);
    const first = await request(asHost, meeting);
    expect(first.statusCode, first.body).toBe(201);
    expect(expectProblem(await request(asHost, meeting), 409).detail).toMatch(
      /already being recorded/,
    );
    await suite.db.recording.updateMany({ data: { state: 'ended_early' } });

    await setPolicy(asOwner, orgId, { allowed: 'everyone' });
    expect((await request(asMember, meeting)).statusCode).toBe(201);
    await suite.db.recording.updateMany({ data: { state: 'ended_early' } });

    await setPolicy(asOwner, orgId, { allowed: 'everyone', audioOnly: 'required' });
    expect(expectProblem(await request(asMember, meeting, 'video'), 422).detail).toMatch(/audio/);
    expect((await request(asMember, meeting, 'audio')).statusCode).toBe(201);
    await suite.db.recording.updateMany({ data: { state: 'ended_early' } });

    await setPolicy(asOwner, orgId, { allowed: 'off' });
    expect(expectProblem(await request(asHost, meeting), 403).detail).toBe(
      'Recording is off for this meeting.',
    );
    await setPolicy(asOwner, orgId, {});

    // Not in the live room: the admin may see the meeting but is not a participant.
    expect(expectProblem(await request(asAdmin, meeting), 403).detail).toMatch(/Join the meeting/);
  });
});

describe('bad input is refused with a problem naming it', () => {
  it('refuses forged, foreign and incomplete envelopes, and accepts the identical repeat only', async () => {
    const { meeting } = await liveMeeting({ cohost: true });
    const response = await request(asHost, meeting);
    const made = createRecordingResponseSchema.parse(response.json());
    expect(made.requiredRecipients.map((r) => r.kind).sort()).toEqual(['host', 'recorder']);
    const side = recorderSide(made, host, MIME);
    const put = (envelope: unknown, client = asHost) =>
      client.inject({
        method: 'PUT',
        url: `/api/recordings/${side.recordingId}/envelope`,
        payload: { envelope },
      });

    const good = envelopeFor(side, made.requiredRecipients);
    const forged = {
      ...good,
      signature: good.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    };
    expect(expectProblem(await put(forged), 422).detail).toMatch(/BAD_SIGNATURE/);
    const missingHost = envelopeFor(
      side,
      made.requiredRecipients.filter((r) => r.kind === 'recorder'),
    );
    expect(expectProblem(await put(missingHost), 422).detail).toMatch(
      new RegExp(`not sealed to host ${cohost.id}`),
    );
    const otherRecording = envelopeFor(
      { ...side, recordingId: '00000000-0000-4000-8000-000000000000' },
      made.requiredRecipients,
    );
    expect(expectProblem(await put(otherRecording), 422).detail).toMatch(/another recording/);
    const byImpostor = envelopeFor({ ...side, identity: member.identity }, made.requiredRecipients);
    expect(expectProblem(await put(byImpostor), 422).detail).toMatch(
      /KEY_MISMATCH|UNKNOWN_SIGNER|BAD_SIGNATURE/,
    );
    expect(expectProblem(await put(good, asMember), 403).detail).toMatch(/recorder/);
    expect(expectProblem(await tusCreate(asHost, side.recordingId), 409).detail).toMatch(
      /envelope/,
    );

    expect((await put(good)).statusCode).toBe(200);
    expect((await put(good)).statusCode).toBe(200);
    const another = envelopeFor(side, made.requiredRecipients);
    expect(expectProblem(await put(another), 409).detail).toMatch(/different envelope/);
    await stopRecording(side);
  });

  it('refuses torn and oversized records without touching what was stored, and uploads to someone else’s recording', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    expect(expectProblem(await tusCreate(asMember, side.recordingId), 403).detail).toMatch(
      /Only the recorder/,
    );
    expect((await tusCreate(asHost, side.recordingId)).statusCode).toBe(201);
    const { parts } = encryptRecording(side, webmLike(50 * 1024), 10 * 1024);
    const first = Buffer.concat(parts.slice(0, 2));
    expect((await tusPatch(asHost, side.recordingId, 0, first)).statusCode).toBe(204);
    const file = path.join(dataDir, 'recordings', side.recordingId);
    const before = readFileSync(file);
    expect(before.equals(first)).toBe(true);

    // A record whose length prefix is out of bounds (here: 2 MiB), after one good record.
    const good = parts[2]!;
    const bad = Buffer.alloc(40);
    bad.writeUInt32BE(2 * 1024 * 1024, 0);
    const torn = await tusPatch(asHost, side.recordingId, first.length, Buffer.concat([good, bad]));
    expect(expectProblem(torn, 422).detail).toMatch(
      new RegExp(`record at byte ${first.length + good.length} declares 2097152 bytes`),
    );
    const after = readFileSync(file);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(after.equals(Buffer.concat([first, good]))).toBe(true);
    expect((await tusHead(asHost, side.recordingId)).headers['upload-offset']).toBe(
      String(after.length),
    );
    // Too short a record (below 17 bytes of ciphertext) is refused the same way.
    const tiny = Buffer.alloc(8);
    tiny.writeUInt32BE(3, 0);
    expect(
      expectProblem(await tusPatch(asHost, side.recordingId, after.length, tiny), 422).detail,
    ).toMatch(/declares 3 bytes/);
    // A replayed PATCH at an old offset is a conflict.
    expect(expectProblem(await tusPatch(asHost, side.recordingId, 0, first), 409).status).toBe(409);
    await stopRecording(side);
  });

  it('refuses bytes past the size limit with 413', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts } = encryptRecording(side, webmLike(700 * 1024), 100 * 1024);
    let offset = 0;
    let refused: Awaited<ReturnType<typeof tusPatch>> | null = null;
    for (const part of parts) {
      const response = await tusPatch(asHost, side.recordingId, offset, part);
      if (response.statusCode !== 204) {
        refused = response;
        break;
      }
      offset = Number(response.headers['upload-offset']);
    }
    if (!refused) throw new Error('the upload past the limit was accepted');
    expect(expectProblem(refused, 413).detail).toMatch(/at most 614400 bytes/);
    await stopRecording(side);
  });

  it('refuses bytes past the organisation’s quota with 413', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    // The org's other recordings already fill the quota but for 10 KiB.
    const other = await suite.db.recording.findFirstOrThrow({
      where: { orgId, id: { not: side.recordingId } },
    });
    const used = await suite.db.recording.aggregate({
      where: { orgId, id: { not: side.recordingId } },
      _sum: { sizeBytes: true },
    });
    const filler = BigInt(QUOTA - 10 * 1024) - (used._sum.sizeBytes ?? 0n) + other.sizeBytes;
    await suite.db.recording.update({ where: { id: other.id }, data: { sizeBytes: filler } });
    try {
      const { parts } = encryptRecording(side, webmLike(40 * 1024), 40 * 1024);
      const refused = await tusPatch(asHost, side.recordingId, 0, parts[0]!);
      expect(expectProblem(refused, 413).detail).toMatch(/recording storage is full/);
    } finally {
      await suite.db.recording.update({
        where: { id: other.id },
        data: { sizeBytes: other.sizeBytes },
      });
    }
    await stopRecording(side);
  });

  it('refuses a seal that does not match the stored object, or a torn end', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts, stats } = encryptRecording(side, webmLike(30 * 1024), 10 * 1024);
    const seal = (body: unknown, client = asHost) =>
      client.inject({
        method: 'POST',
        url: `/api/recordings/${side.recordingId}/seal`,
        payload: { seal: body },
      });
    // Everything but the last 10 bytes: the object ends inside a record.
    const all = Buffer.concat(parts);
    const cut = all.subarray(0, all.length - 10);
    expect((await tusPatch(asHost, side.recordingId, 0, cut)).statusCode).toBe(204);
    const tornStats = { ...stats, ciphertextBytes: cut.length };
    expect(expectProblem(await seal(sealFor(side, tornStats)), 422).detail).toMatch(/torn record/);
    expect(
      (await tusPatch(asHost, side.recordingId, cut.length, all.subarray(cut.length), all.length))
        .statusCode,
    ).toBe(204);

    expect(
      expectProblem(
        await seal(sealFor(side, { ...stats, ciphertextBytes: stats.ciphertextBytes + 1 })),
        422,
      ).detail,
    ).toMatch(/ciphertextBytes is/);
    const wrongHash = { ...stats, ciphertextSha256: '0'.repeat(64) };
    expect(expectProblem(await seal(sealFor(side, wrongHash)), 422).detail).toMatch(
      /ciphertextSha256/,
    );
    const forged = sealFor(side, stats);
    forged.payload.chunkCount += 1;
    expect(expectProblem(await seal(forged), 422).detail).toMatch(/BAD_SIGNATURE/);
    expect(expectProblem(await seal(sealFor(side, stats), asMember), 403).detail).toMatch(
      /Only the recorder/,
    );
    expect((await seal(sealFor(side, stats))).statusCode).toBe(200);
  });
});

describe('resuming, ending early, deleting', () => {
  it('resumes after an API restart from the acknowledged offset, losing nothing', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const plaintext = webmLike(120 * 1024);
    const { parts, stats } = encryptRecording(side, plaintext, 20 * 1024);
    const half = Math.floor(parts.length / 2);
    const firstHalf = Buffer.concat(parts.slice(0, half));
    expect((await tusPatch(asHost, side.recordingId, 0, firstHalf)).statusCode).toBe(204);

    // Other API processes on the same database and storage: one started and stopped (what a
    // restart looks like to the client), then one that resumes. The API keeps no upload state
    // in memory: the offset comes from storage, the framing state from the database.
    const second = await buildTestApp({ db: suite.db, config: testConfig(env) });
    try {
      const asHostThere = await signedInClient(second, host);
      const head = await tusHead(asHostThere, side.recordingId);
      expect(head.statusCode).toBe(200);
      expect(head.headers['upload-offset']).toBe(String(firstHalf.length));
    } finally {
      await second.close();
    }
    const third = await buildTestApp({ db: suite.db, config: testConfig(env) });
    try {
      const asHostThere = await signedInClient(third, host);
      let offset = Number((await tusHead(asHostThere, side.recordingId)).headers['upload-offset']);
      expect(offset).toBe(firstHalf.length);
      const rest = Buffer.concat(parts.slice(half));
      const resumed = await tusPatch(
        asHostThere,
        side.recordingId,
        offset,
        rest,
        firstHalf.length + rest.length,
      );
      expect(resumed.statusCode, resumed.body).toBe(204);
      offset = Number(resumed.headers['upload-offset']);
      const sealed = await asHostThere.inject({
        method: 'POST',
        url: `/api/recordings/${side.recordingId}/seal`,
        payload: { seal: sealFor(side, stats) },
      });
      expect(sealed.statusCode, sealed.body).toBe(200);
      expect(
        readFileSync(path.join(dataDir, 'recordings', side.recordingId)).equals(
          Buffer.concat(parts),
        ),
      ).toBe(true);
    } finally {
      await third.close();
    }
  });

  it('keeps what arrived of a request cut off mid-way, and resumes from there', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts, stats } = encryptRecording(side, webmLike(60 * 1024), 10 * 1024);
    const all = Buffer.concat(parts);
    const sentBefore = Buffer.concat(parts.slice(0, 3));
    // A real connection sends three records of a longer body, then drops.
    const cookie = [...asHost.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const request = http.request(`${server.url}/api/recordings/${side.recordingId}/upload`, {
      method: 'PATCH',
      headers: {
        cookie,
        'x-csrf-token': asHost.cookies.get('conclave_csrf') ?? '',
        'tus-resumable': '1.0.0',
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'content-length': String(all.length),
      },
    });
    request.on('error', () => undefined);
    request.write(sentBefore);
    await new Promise((resolve) => setTimeout(resolve, 300));
    request.destroy();
    let offset = 0;
    for (let i = 0; i < 50 && offset === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      offset = Number((await tusHead(asHost, side.recordingId)).headers['upload-offset']);
    }
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sentBefore.length);
    const resumed = await tusPatch(
      asHost,
      side.recordingId,
      offset,
      all.subarray(offset),
      all.length,
    );
    expect(resumed.statusCode, resumed.body).toBe(204);
    const sealed = await asHost.inject({
      method: 'POST',
      url: `/api/recordings/${side.recordingId}/seal`,
      payload: { seal: sealFor(side, stats) },
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
  });

  it('ends early when the recorder leaves, and stays playable to where it stops', async () => {
    const { meeting, hostSocket, memberSocket } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts } = encryptRecording(side, webmLike(40 * 1024), 10 * 1024);
    const sent = Buffer.concat(parts.slice(0, 2));
    expect((await tusPatch(asHost, side.recordingId, 0, sent)).statusCode).toBe(204);
    hostSocket.send({ type: 'leave' });
    const ended = await memberSocket.next('recording', (m) => m.recording.state === 'ended_early');
    expect(ended.recording.recorder.participantId).toBeNull();
    const content = await asHost.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
    });
    expect(content.statusCode).toBe(200);
    expect(content.headers['x-recording-state']).toBe('ended_early');
    expect(content.rawPayload.equals(sent)).toBe(true);
    expect(
      expectProblem(await tusPatch(asHost, side.recordingId, sent.length, parts[2]!), 409).detail,
    ).toMatch(/ended early/);
  });

  it('gives a recorder whose control channel drops a grace: the upload goes on, back in time it seals, not back it ends early', async () => {
    const state = async (id: string) =>
      (await suite.db.recording.findUniqueOrThrow({ where: { id } })).state;
    const inGrace = () => new Date(Date.now() + RECORDER_RECONNECT_GRACE_MS / 2);
    const pastGrace = () => new Date(Date.now() + RECORDER_RECONNECT_GRACE_MS + 5_000);

    // Back within the grace: nothing ends, PATCHes go on, and the recording is sealed.
    const first = await liveMeeting();
    const side = await running(first.meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts, stats } = encryptRecording(side, webmLike(40 * 1024), 10 * 1024);
    const all = Buffer.concat(parts);
    const head = Buffer.concat(parts.slice(0, 2));
    expect((await tusPatch(asHost, side.recordingId, 0, head)).statusCode).toBe(204);
    first.hostSocket.socket.terminate(); // no close frame: the server sees the connection drop
    await first.memberSocket.next('participant-left', (m) => m.participantId === host.id);
    await suite.app.recordings.runJobs(inGrace());
    expect(await state(side.recordingId)).toBe('recording');
    const during = await tusPatch(asHost, side.recordingId, head.length, parts[2]!);
    expect(during.statusCode, during.body).toBe(204);
    await join(asHost, first.meeting);
    await suite.app.recordings.runJobs(pastGrace());
    expect(await state(side.recordingId)).toBe('recording');
    const at = head.length + parts[2]!.length;
    const rest = await tusPatch(asHost, side.recordingId, at, all.subarray(at), all.length);
    expect(rest.statusCode, rest.body).toBe(204);
    const sealed = await asHost.inject({
      method: 'POST',
      url: `/api/recordings/${side.recordingId}/seal`,
      payload: { seal: sealFor(side, stats) },
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
    expect(await state(side.recordingId)).toBe('complete');

    // Not back and no upload when the grace runs out: ended early, further PATCHes refused.
    const second = await liveMeeting();
    const lost = await running(second.meeting);
    await tusCreate(asHost, lost.recordingId);
    const lostParts = encryptRecording(lost, webmLike(20 * 1024), 10 * 1024).parts;
    expect((await tusPatch(asHost, lost.recordingId, 0, lostParts[0]!)).statusCode).toBe(204);
    second.hostSocket.socket.terminate();
    await second.memberSocket.next('participant-left', (m) => m.participantId === host.id);
    await suite.app.recordings.runJobs(inGrace());
    expect(await state(lost.recordingId)).toBe('recording');
    await suite.app.recordings.runJobs(pastGrace());
    const ended = await second.memberSocket.next(
      'recording',
      (m) => m.recording.id === lost.recordingId && m.recording.state === 'ended_early',
    );
    expect(ended.recording.recorder.participantId).toBeNull();
    const row = await suite.db.recording.findUniqueOrThrow({ where: { id: lost.recordingId } });
    expect(row).toMatchObject({ state: 'ended_early', endReason: 'recorder_left' });
    expect(
      expectProblem(
        await tusPatch(asHost, lost.recordingId, lostParts[0]!.length, lostParts[1]!),
        409,
      ).detail,
    ).toMatch(/ended early/);
  });

  it('marks a stalled upload ended early, refuses deletion before minRetentionDays, and the retention job deletes the bytes', async () => {
    await setPolicy(asOwner, orgId, { minRetentionDays: 30, retentionDays: 60 });
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts } = encryptRecording(side, webmLike(20 * 1024), 10 * 1024);
    expect((await tusPatch(asHost, side.recordingId, 0, parts[0]!)).statusCode).toBe(204);
    const file = path.join(dataDir, 'recordings', side.recordingId);

    const later = new Date(Date.now() + 10 * 60_000);
    expect((await suite.app.recordings.runJobs(later)).endedEarly).toBeGreaterThanOrEqual(1);
    const row = await suite.db.recording.findUniqueOrThrow({ where: { id: side.recordingId } });
    expect(row).toMatchObject({ state: 'ended_early', endReason: 'stalled' });

    const del = () =>
      asHost.inject({ method: 'DELETE', url: `/api/recordings/${side.recordingId}` });
    expect(expectProblem(await del(), 409).detail).toMatch(/minimum retention/);
    expect(
      expectProblem(
        await asMember.inject({ method: 'DELETE', url: `/api/recordings/${side.recordingId}` }),
        404,
      ).status,
    ).toBe(404);
    expect(existsSync(file)).toBe(true);

    // 61 days later the retention job deletes it, bytes included, through the same function.
    const expired = new Date(Date.now() + 61 * 86_400_000);
    expect((await suite.app.recordings.runJobs(expired)).deleted).toBeGreaterThanOrEqual(1);
    expect(existsSync(file)).toBe(false);
    expect(await suite.db.recording.findUnique({ where: { id: side.recordingId } })).toBeNull();
    const audit = await suite.db.auditEntry.findFirst({
      where: { subjectId: side.recordingId, action: 'recording.deleted' },
    });
    expect(audit?.details).toMatchObject({ reason: 'retention' });
    await setPolicy(asOwner, orgId, {});
  });

  it('lets the recorder delete once allowed, removing the bytes', async () => {
    const { meeting } = await liveMeeting();
    const side = await running(meeting);
    await tusCreate(asHost, side.recordingId);
    const { parts } = encryptRecording(side, webmLike(10 * 1024), 10 * 1024);
    await uploadAll(asHost, side.recordingId, parts);
    await stopRecording(side);
    const file = path.join(dataDir, 'recordings', side.recordingId);
    expect(existsSync(file)).toBe(true);
    const response = await asHost.inject({
      method: 'DELETE',
      url: `/api/recordings/${side.recordingId}`,
    });
    expect(response.statusCode, response.body).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect(
      expectProblem(
        await asHost.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}` }),
        404,
      ).status,
    ).toBe(404);
  });
});
