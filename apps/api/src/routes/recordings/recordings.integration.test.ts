import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bindGuestKey,
  generateExchangeKeyPair,
  generateLinkSecret,
  generateSigningKeyPair,
  openRecordingKey,
  openSharedRecordingKey,
  ready,
  RecordingReader,
  signConsent,
  signRecordingShare,
  toBase64Url,
  verifyConsent,
  verifyGuestKeyBinding,
  verifyRecordingEnvelope,
  verifyRecordingShare,
  type ConsentStatement,
  type RecordingEnvelope,
  type RecordingShare,
  type Signed,
} from '@conclave/crypto';
import {
  createRecordingResponseSchema,
  lobbyTicketSchema,
  recordingDetailSchema,
  recordingPageSchema,
  type Meeting,
} from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createTestOrg,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';
import {
  consentFor,
  EBML_MAGIC,
  encryptRecording,
  envelopeFor,
  recorderSide,
  requestRecording,
  sealFor,
  tusCreate,
  tusHead,
  uploadAll,
  webmLike,
} from '../../../test/recordings';

const dataDir = mkdtempSync(path.join(tmpdir(), 'conclave-recordings-'));
const logLines: string[] = [];
const suite = useTestApp({ env: { DATA_DIR: dataDir, LOG_LEVEL: 'info' }, logLines });
const MIME = 'video/webm;codecs=vp8,opus';

let server: Awaited<ReturnType<typeof listen>>;
let host: TestUser;
let member: TestUser;
let admin: TestUser;
let outsider: TestUser;
let orgId: string;
let asHost: TestClient;
let asMember: TestClient;
let asAdmin: TestClient;
let asOutsider: TestClient;
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

/** A meeting hosted by `host` with `member` invited, both in the live room. */
async function liveMeeting() {
  const meeting = await scheduleMeeting(asHost, orgId, meetingNow({ invitees: [member.email] }));
  const hostSocket = await join(asHost, meeting);
  const memberSocket = await join(asMember, meeting);
  return { meeting, hostSocket, memberSocket };
}

async function created(response: Awaited<ReturnType<typeof requestRecording>>) {
  expect(response.statusCode, response.body).toBe(201);
  return createRecordingResponseSchema.parse(response.json());
}

async function putEnvelope(client: TestClient, id: string, envelope: unknown) {
  return client.inject({
    method: 'PUT',
    url: `/api/recordings/${id}/envelope`,
    payload: { envelope },
  });
}

beforeAll(async () => {
  await ready();
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  orgId = roles.org.id;
  admin = roles.admin;
  member = roles.member;
  host = await createUser(suite.db, { displayName: 'Hanna Host' });
  await addMember(suite.db, { org: roles.org, user: host, role: 'member' });
  outsider = await createUser(suite.db, { displayName: 'Otto Outsider' });
  await createTestOrg(suite.db, { owner: outsider });
  asHost = await signedInClient(suite.app, host);
  asMember = await signedInClient(suite.app, member);
  asAdmin = await signedInClient(suite.app, admin);
  asOutsider = await signedInClient(suite.app, outsider);
});

afterAll(() => {
  for (const socket of sockets) socket.close();
});

describe('a recording from request to playback', () => {
  it('requests, collects consent, uploads with tus, seals and serves the ciphertext to key holders', async () => {
    const { meeting, hostSocket, memberSocket } = await liveMeeting();
    const made = await created(await requestRecording(asHost, meeting.id, { mimeType: MIME }));
    expect(made.recording).toMatchObject({
      state: 'requested',
      consent: 'explicit',
      mode: 'video',
    });
    expect(made.requiredRecipients).toEqual([
      expect.objectContaining({
        kind: 'recorder',
        userId: host.id,
        keyId: host.publicIdentity.exchangeKeyId,
      }),
    ]);
    const announced = await memberSocket.next(
      'recording',
      (m) => m.recording.id === made.recording.id,
    );
    expect(announced.recording).toMatchObject({
      state: 'requested',
      recorder: { participantId: host.id, userId: host.id, name: 'Hanna Host' },
    });

    // The member consents through the control channel; everyone sees the stored statement.
    const side = recorderSide(made, host, MIME);
    const consent = consentFor({
      meetingId: meeting.id,
      recordingId: side.recordingId,
      userId: member.id,
      identity: member.identity,
    });
    memberSocket.send({
      type: 'recording-consent',
      recordingId: side.recordingId,
      statement: consent,
    });
    const relayed = await hostSocket.next('recording-consent');
    expect(relayed).toMatchObject({
      participantId: member.id,
      recordingId: side.recordingId,
      guestBinding: null,
    });
    // The same decision again is a no-op; another one is refused.
    memberSocket.send({
      type: 'recording-consent',
      recordingId: side.recordingId,
      statement: consent,
    });
    const decline = consentFor(
      {
        meetingId: meeting.id,
        recordingId: side.recordingId,
        userId: member.id,
        identity: member.identity,
      },
      'decline',
    );
    memberSocket.send({
      type: 'recording-consent',
      recordingId: side.recordingId,
      statement: decline,
      id: 'second',
    });
    const conflict = await memberSocket.next('error', (m) => m.ref === 'second');
    expect(conflict.code).toBe('conflict');
    // A statement signed by someone else than the sender is refused.
    const forged = consentFor({
      meetingId: meeting.id,
      recordingId: side.recordingId,
      userId: member.id,
      identity: host.identity,
    });
    hostSocket.send({
      type: 'recording-consent',
      recordingId: side.recordingId,
      statement: forged,
      id: 'forged',
    });
    const refused = await hostSocket.next('error', (m) => m.ref === 'forged');
    expect(refused.code).toBe('invalid_message');

    // Envelope with the consent, then the upload in parts, then the seal.
    const envelope = envelopeFor(side, made.requiredRecipients, [consent]);
    const stored = await putEnvelope(asHost, side.recordingId, envelope);
    expect(stored.statusCode, stored.body).toBe(200);
    expect((await putEnvelope(asHost, side.recordingId, envelope)).statusCode).toBe(200);
    await memberSocket.next('recording', (m) => m.recording.state === 'recording');

    const plaintext = webmLike(300 * 1024);
    const { parts, stats } = encryptRecording(side, plaintext, 40 * 1024);
    const creation = await tusCreate(asHost, side.recordingId);
    expect(creation.statusCode, creation.body).toBe(201);
    expect(creation.headers.location).toBe(`/api/recordings/${side.recordingId}/upload`);
    expectProblem(await tusCreate(asHost, side.recordingId), 409);
    const total = await uploadAll(asHost, side.recordingId, parts);
    const head = await tusHead(asHost, side.recordingId);
    expect(head.headers['upload-offset']).toBe(String(total));

    const sealed = await asHost.inject({
      method: 'POST',
      url: `/api/recordings/${side.recordingId}/seal`,
      payload: { seal: sealFor(side, stats) },
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
    expect(sealed.json()).toMatchObject({
      recording: { state: 'complete', sizeBytes: total, consentCount: 1 },
    });
    await memberSocket.next('recording', (m) => m.recording.state === 'complete');

    // The host (recorder) fetches, unwraps and decrypts: the plaintext comes back.
    const detail = recordingDetailSchema.parse(
      (await asHost.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}` })).json(),
    );
    expect(detail.consents).toHaveLength(1);
    expect(detail.recipients[0]).toMatchObject({ kind: 'recorder', userId: host.id });
    const verified = verifyRecordingEnvelope(
      detail.envelope as unknown as Signed<RecordingEnvelope>,
      { trustEmbeddedKeys: true },
    );
    const key = openRecordingKey(verified, {
      publicKey: host.identity.exchangePublicKey,
      privateKey: host.identity.exchangePrivateKey,
    });
    const content = await asHost.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
    });
    expect(content.statusCode).toBe(200);
    const reader = new RecordingReader({
      recordingKey: key,
      recordingId: side.recordingId,
      mimeType: MIME,
    });
    const decrypted = Buffer.concat(reader.push(content.rawPayload).map((c) => Buffer.from(c)));
    expect(reader.end().complete).toBe(true);
    expect(decrypted.equals(plaintext)).toBe(true);
    const range = await asHost.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}/content`,
      headers: { range: 'bytes=0-23' },
    });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 0-23/${total}`);
    expect(range.rawPayload.equals(content.rawPayload.subarray(0, 24))).toBe(true);

    // The member holds no key: sees nothing; the admin sees it exists but cannot open it.
    expectProblem(
      await asMember.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}` }),
      404,
    );
    const adminView = await asAdmin.inject({
      method: 'GET',
      url: `/api/recordings/${side.recordingId}`,
    });
    expect(adminView.json()).toMatchObject({ recording: { canOpen: false, canDelete: true } });
    expectProblem(
      await asAdmin.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}/content` }),
      403,
    );
    expectProblem(
      await asOutsider.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}` }),
      404,
    );
    expectProblem(
      await asOutsider.inject({ method: 'GET', url: `/api/orgs/${orgId}/recordings` }),
      404,
    );

    // The host shares with the member: a signed grant sealing the key to the member's key.
    const grant = signRecordingShare({
      recordingId: side.recordingId,
      recordingKey: key,
      recipientUserId: member.id,
      recipientExchangePublicKey: member.identity.exchangePublicKey,
      grantedByUserId: host.id,
      identity: host.identity,
    });
    const share = (body: unknown, client = asHost) =>
      client.inject({
        method: 'POST',
        url: `/api/recordings/${side.recordingId}/recipients`,
        payload: { grant: body },
      });
    const toAdmin = signRecordingShare({
      recordingId: side.recordingId,
      recordingKey: key,
      recipientUserId: admin.id,
      recipientExchangePublicKey: member.identity.exchangePublicKey,
      grantedByUserId: host.id,
      identity: host.identity,
    });
    expect(expectProblem(await share(toAdmin), 422).detail).toMatch(/not the member's current key/);
    const forgedGrant = {
      ...grant,
      payload: { ...grant.payload, recipient: { ...grant.payload.recipient, userId: admin.id } },
    };
    expect(expectProblem(await share(forgedGrant), 422).detail).toMatch(/BAD_SIGNATURE/);
    expect(expectProblem(await share(grant, asAdmin), 403).detail).toMatch(/recorder/);
    const shared = await share(grant);
    expect(shared.statusCode, shared.body).toBe(201);
    expectProblem(await share(grant), 409);
    const memberView = recordingDetailSchema.parse(
      (await asMember.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}` })).json(),
    );
    expect(memberView.recording.canOpen).toBe(true);
    const grantFor = verifyRecordingShare(
      memberView.shares[0]!.grant as unknown as Signed<RecordingShare>,
      { trustEmbeddedKeys: true },
    );
    const memberKey = openSharedRecordingKey(grantFor, {
      publicKey: member.identity.exchangePublicKey,
      privateKey: member.identity.exchangePrivateKey,
    });
    expect(Buffer.from(memberKey).equals(Buffer.from(key))).toBe(true);
    expect(
      (await asMember.inject({ method: 'GET', url: `/api/recordings/${side.recordingId}/content` }))
        .statusCode,
    ).toBe(200);

    const opened = await asHost.inject({
      method: 'POST',
      url: `/api/recordings/${side.recordingId}/opened`,
    });
    expect(opened.statusCode).toBe(204);
    const list = recordingPageSchema.parse(
      (
        await asHost.inject({ method: 'GET', url: `/api/meetings/${meeting.id}/recordings` })
      ).json(),
    );
    expect(list.recordings.map((r) => r.id)).toEqual([side.recordingId]);
    const actions = (
      await suite.db.auditEntry.findMany({
        where: { subjectId: side.recordingId },
        orderBy: { seq: 'asc' },
      })
    ).map((e) => e.action);
    expect(actions).toEqual([
      'recording.requested',
      'recording.consent_accepted',
      'recording.started',
      'recording.sealed',
      'recording.shared',
      'recording.opened',
    ]);

    // Nothing readable at rest: the stored object, the rows and the log hold no WebM magic.
    const object = readFileSync(path.join(dataDir, 'recordings', side.recordingId));
    expect(object.equals(content.rawPayload)).toBe(true);
    expect(object.includes(EBML_MAGIC)).toBe(false);
    const rows = JSON.stringify(
      await suite.db.recording.findMany({ include: { consents: true, shares: true } }),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
    expect(rows.includes(Buffer.from(key).toString('base64url'))).toBe(false);
    expect(logLines.join('').includes(Buffer.from(key).toString('base64url'))).toBe(false);
    for (const file of readdirSync(path.join(dataDir, 'recordings'))) {
      expect(readFileSync(path.join(dataDir, 'recordings', file)).includes(EBML_MAGIC)).toBe(false);
    }
  });
});

describe('guests and late joiners in a recorded room', () => {
  it('stores a guest’s consent signed with its link-bound ephemeral key, and tells late joiners', async () => {
    const meeting = await scheduleMeeting(asHost, orgId, meetingNow({ invitees: [member.email] }));
    const hostSocket = await join(asHost, meeting);
    const linkSecret = generateLinkSecret();
    const exchange = generateExchangeKeyPair();
    const knocked = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: `/api/meetings/${meeting.id}/lobby`,
      payload: {
        displayName: 'Gail Guest',
        guestKey: {
          exchangePublicKey: toBase64Url(exchange.publicKey),
          binding: bindGuestKey({
            linkSecret,
            meetingId: meeting.id,
            guestPublicKey: exchange.publicKey,
          }),
        },
      },
    });
    expect(knocked.statusCode, knocked.body).toBe(200);
    const ticket = lobbyTicketSchema.parse(knocked.json());
    const guestSocket = await ControlClient.open(
      server.wsUrl,
      `/api/meetings/${meeting.id}/control?ticket=${encodeURIComponent(ticket.ticket)}`,
      {},
    );
    sockets.push(guestSocket);
    await guestSocket.next('welcome');
    hostSocket.send({ type: 'admit', participantId: ticket.guestId });
    await guestSocket.next('admitted');

    const made = await created(await requestRecording(asHost, meeting.id, { mimeType: MIME }));
    const recordingId = made.recording.id;
    await guestSocket.next('recording', (m) => m.recording.id === recordingId);

    const ephemeral = generateSigningKeyPair();
    const statement = signConsent({
      meetingId: meeting.id,
      recordingId,
      decision: 'decline',
      userId: ticket.guestId,
      identity: { signingPublicKey: ephemeral.publicKey, signingPrivateKey: ephemeral.privateKey },
    });
    const guestBinding = bindGuestKey({
      linkSecret,
      meetingId: meeting.id,
      guestPublicKey: ephemeral.publicKey,
    });
    guestSocket.send({ type: 'recording-consent', recordingId, statement, id: 'unbound' });
    expect((await guestSocket.next('error', (m) => m.ref === 'unbound')).message).toMatch(
      /guestBinding/,
    );
    const asSomeoneElse = signConsent({
      meetingId: meeting.id,
      recordingId,
      decision: 'accept',
      userId: 'guest-someone-else',
      identity: { signingPublicKey: ephemeral.publicKey, signingPrivateKey: ephemeral.privateKey },
    });
    guestSocket.send({
      type: 'recording-consent',
      recordingId,
      statement: asSomeoneElse,
      guestBinding,
      id: 'other',
    });
    expect((await guestSocket.next('error', (m) => m.ref === 'other')).message).toMatch(
      /another participant/,
    );
    guestSocket.send({ type: 'recording-consent', recordingId, statement, guestBinding });
    const relayed = await hostSocket.next(
      'recording-consent',
      (m) => m.participantId === ticket.guestId,
    );
    expect(relayed.guestBinding).toBe(guestBinding);

    // A client holding the link checks the binding, then the signature under the bound key.
    verifyGuestKeyBinding({
      linkSecret,
      meetingId: meeting.id,
      guestPublicKey: ephemeral.publicKey,
      binding: relayed.guestBinding ?? '',
    });
    expect(
      verifyConsent(
        relayed.statement as unknown as Signed<ConsentStatement>,
        { trustEmbeddedKeys: true },
        { meetingId: meeting.id, recordingId },
      ).decision,
    ).toBe('decline');

    // A late joiner learns the recording and the consents so far, right after welcome.
    const late = await join(asMember, meeting);
    const state = await late.next('recording');
    expect(state.recording).toMatchObject({ id: recordingId, state: 'requested' });
    const known = await late.next('recording-consent');
    expect(known).toMatchObject({ participantId: ticket.guestId, guestBinding });
    const stored = await suite.db.recordingConsent.findMany({ where: { recordingId } });
    expect(stored).toEqual([
      expect.objectContaining({
        kind: 'guest',
        userId: null,
        decision: 'decline',
        displayName: 'Gail Guest',
      }),
    ]);
  });
});
