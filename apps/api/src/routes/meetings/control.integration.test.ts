import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bindGuestKey,
  generateExchangeKeyPair,
  generateIdentity,
  generateLinkSecret,
  publicIdentity,
  ready,
  toBase64Url,
} from '@conclave/crypto';
import {
  CONTROL_CLOSE_CODES,
  livekitTokenSchema,
  lobbyInfoSchema,
  lobbyTicketSchema,
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
import {
  ControlClient,
  listen,
  meetingNow,
  scheduleMeeting,
  utcLocal,
} from '../../../test/meetings';

const LIVEKIT = {
  LIVEKIT_URL: 'ws://127.0.0.1:7880',
  LIVEKIT_API_KEY: 'APIcontrol',
  LIVEKIT_API_SECRET: 'control-channel-secret-with-enough-characters',
};

const suite = useTestApp({
  env: { ...LIVEKIT, CONCLAVE_TEST_HOOKS: 'true', MEETING_LOBBY_RATE_LIMIT: '6' },
});
let server: { url: string; wsUrl: string; origin: string };
let org: { id: string };
let host: TestUser;
let invitee: TestUser;
let member: TestUser;
let outsider: TestUser;
let asHost: TestClient;
let asInvitee: TestClient;
let asMember: TestClient;
let asOutsider: TestClient;
const open: ControlClient[] = [];

beforeAll(async () => {
  await ready();
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  org = roles.org;
  member = roles.member;
  host = await createUser(suite.db, { displayName: 'Hanna Host' });
  invitee = await createUser(suite.db, { displayName: 'Ivo Invitee' });
  await addMember(suite.db, { org, user: host, role: 'member' });
  await addMember(suite.db, { org, user: invitee, role: 'member' });
  outsider = await createUser(suite.db, { displayName: 'Otto Outsider' });
  await createTestOrg(suite.db, { owner: outsider });
  asHost = await signedInClient(suite.app, host);
  asInvitee = await signedInClient(suite.app, invitee);
  asMember = await signedInClient(suite.app, member);
  asOutsider = await signedInClient(suite.app, outsider);
});

afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

async function connect(
  meeting: Pick<Meeting, 'id'>,
  options: { client?: TestClient; origin?: string | null; ticket?: string; query?: string } = {},
): Promise<ControlClient> {
  const query = options.ticket
    ? `?ticket=${encodeURIComponent(options.ticket)}`
    : (options.query ?? '');
  const control = await ControlClient.open(
    server.wsUrl,
    `/api/meetings/${meeting.id}/control${query}`,
    {
      ...(options.client ? { client: options.client } : {}),
      origin: options.origin === undefined ? server.origin : options.origin,
    },
  );
  open.push(control);
  return control;
}

function meetingForInvitee(overrides = {}) {
  return scheduleMeeting(asHost, org.id, meetingNow({ invitees: [invitee.email], ...overrides }));
}

async function knock(
  meetingId: string,
  body: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await anonymousClient(suite.app).inject({
    method: 'POST',
    url: `/api/meetings/${meetingId}/lobby`,
    payload: body,
  });
  return { status: response.statusCode, json: response.json() };
}

function guestKey(meetingId: string, linkSecret = generateLinkSecret()) {
  const pair = generateExchangeKeyPair();
  return {
    exchangePublicKey: toBase64Url(pair.publicKey),
    binding: bindGuestKey({ linkSecret, meetingId, guestPublicKey: pair.publicKey }),
  };
}

describe('authentication', () => {
  it('a member with the session cookie is welcomed, with the identity from the key directory', async () => {
    const meeting = await meetingForInvitee();
    const hostChannel = await connect(meeting, { client: asHost });
    const welcome = await hostChannel.next('welcome');
    expect(welcome).toMatchObject({
      status: 'admitted',
      self: { id: host.id, kind: 'member', role: 'host', displayName: 'Hanna Host' },
      meeting: { meetingId: meeting.id, e2ee: true, title: meeting.title },
      participants: [],
      ticket: null,
      limits: { maxFrameBytes: 65536, maxRelayPayloadBytes: 32768 },
    });
    expect(welcome.self.identity).toEqual(host.publicIdentity);
    expect(welcome.meeting.roomName).toBe(`conclave-${meeting.id}-${welcome.meeting.occurrenceId}`);

    const inviteeChannel = await connect(meeting, { client: asInvitee });
    expect((await inviteeChannel.next('welcome')).participants.map((p) => p.id)).toEqual([host.id]);
    const joined = await hostChannel.next('participant-joined');
    expect(joined.participant).toMatchObject({
      id: invitee.id,
      role: 'participant',
      identity: invitee.publicIdentity,
    });
  });

  it.each([
    ['no cookie and no ticket', {}, CONTROL_CLOSE_CODES.unauthenticated, 'unauthenticated'],
    [
      'the cookie from another site (Origin)',
      { client: 'host', origin: 'https://evil.example' },
      CONTROL_CLOSE_CODES.forbidden,
      'forbidden',
    ],
    [
      'the cookie without an Origin',
      { client: 'host', origin: null },
      CONTROL_CLOSE_CODES.forbidden,
      'forbidden',
    ],
    [
      'someone who is not in the org',
      { client: 'outsider' },
      CONTROL_CLOSE_CODES.notFound,
      'not_found',
    ],
    [
      'a forged lobby ticket',
      { ticket: 'eyJ2IjoxfQ.bm90LWEtbWFj' },
      CONTROL_CLOSE_CODES.unauthenticated,
      'unauthenticated',
    ],
    [
      'a malformed occurrence',
      { client: 'host', query: '?occurrence=tomorrow' },
      CONTROL_CLOSE_CODES.badRequest,
      'invalid_message',
    ],
  ] as const)(
    'refuses %s with an error message and its close code',
    async (_label, how, code, errorCode) => {
      const meeting = await meetingForInvitee();
      const clients = { host: asHost, outsider: asOutsider } as const;
      const channel = await connect(meeting, {
        ...('client' in how ? { client: clients[how.client] } : {}),
        ...('origin' in how ? { origin: how.origin } : {}),
        ...('ticket' in how ? { ticket: how.ticket } : {}),
        ...('query' in how ? { query: how.query } : {}),
      });
      const closed = await channel.waitClosed();
      expect(closed.code).toBe(code);
      expect(channel.of('error')).toHaveLength(1);
      expect(channel.of('error')[0]).toMatchObject({ code: errorCode });
      expect(channel.of('welcome')).toHaveLength(0);
    },
  );

  it('nobody joins before the meeting opens, after it is cancelled, or after a host ended it', async () => {
    const later = await meetingForInvitee({
      startLocal: utcLocal(48 * 60),
      endLocal: utcLocal(49 * 60),
    });
    const early = await connect(later, { client: asHost });
    expect((await early.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.notOpen);
    expect(early.of('error')[0]?.message).toMatch(/not open yet: you can join from/);
    const token = await asHost.inject({
      method: 'POST',
      url: `/api/orgs/${org.id}/meetings/${later.id}/token`,
      payload: {},
    });
    expectProblem(token, 409);

    const meeting = await meetingForInvitee();
    const hostChannel = await connect(meeting, { client: asHost });
    await hostChannel.next('welcome');
    const inviteeChannel = await connect(meeting, { client: asInvitee });
    await hostChannel.next('participant-joined');
    hostChannel.send({ type: 'end-meeting' });
    for (const channel of [hostChannel, inviteeChannel]) {
      expect((await channel.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.meetingEnded);
      expect(channel.of('meeting-ended')).toEqual([{ type: 'meeting-ended', by: host.id }]);
    }
    const again = await connect(meeting, { client: asInvitee });
    expect((await again.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.meetingEnded);
    expect(again.of('error')[0]?.message).toBe('A host ended this meeting.');
    expectProblem(
      await asInvitee.inject({
        method: 'POST',
        url: `/api/orgs/${org.id}/meetings/${meeting.id}/token`,
        payload: {},
      }),
      410,
    );
    expect(
      await suite.db.auditEntry.count({
        where: { action: 'meeting.ended', subjectId: meeting.id, actorUserId: host.id },
      }),
    ).toBe(1);

    const cancelled = await meetingForInvitee();
    const before = await connect(cancelled, { client: asInvitee });
    await before.next('welcome');
    expect(
      (
        await asHost.inject({
          method: 'DELETE',
          url: `/api/orgs/${org.id}/meetings/${cancelled.id}?notify=false`,
        })
      ).statusCode,
    ).toBe(204);
    expect((await before.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.meetingEnded);
    const after = await connect(cancelled, { client: asInvitee });
    expect((await after.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.meetingEnded);
  });
});

describe('lobby', () => {
  it('an org member who is not invited waits; a host admits them; only then is there a LiveKit token', async () => {
    const meeting = await meetingForInvitee();
    const hostChannel = await connect(meeting, { client: asHost });
    await hostChannel.next('welcome');
    const memberChannel = await connect(meeting, { client: asMember });
    expect(await memberChannel.next('welcome')).toMatchObject({
      status: 'lobby',
      participants: [],
      lobby: [],
    });
    const tokenUrl = `/api/orgs/${org.id}/meetings/${meeting.id}/token`;
    expect(
      await asMember
        .inject({ method: 'POST', url: tokenUrl, payload: {} })
        .then((r) => r.statusCode),
    ).toBe(404);

    const waiting = await hostChannel.next('lobby-joined');
    expect(waiting.entry).toMatchObject({
      id: member.id,
      kind: 'member',
      identity: member.publicIdentity,
    });
    hostChannel.send({ type: 'admit', participantId: member.id });
    const admitted = await memberChannel.next('admitted');
    expect(admitted.participants.map((p) => p.id)).toEqual([host.id]);
    await hostChannel.next('lobby-left', (m) => m.outcome === 'admitted');
    await hostChannel.next('participant-joined', (m) => m.participant.id === member.id);
    expect(
      await suite.db.meetingAdmission.findFirst({
        where: { meetingId: meeting.id, participantId: member.id },
      }),
    ).toMatchObject({ status: 'admitted', decidedById: host.id, kind: 'member' });
    expect(
      await suite.db.auditEntry.count({
        where: { action: 'meeting.participant_admitted', subjectId: meeting.id },
      }),
    ).toBe(1);
  });

  it('a guest knocks with a display name, passcode and bound key; a host admits; the guest gets a token', async () => {
    const meeting = await scheduleMeeting(asHost, org.id, meetingNow({ passcode: 'open sesame' }));
    const info = lobbyInfoSchema.parse(
      (
        await anonymousClient(suite.app).inject({
          method: 'GET',
          url: `/api/meetings/${meeting.id}/lobby`,
        })
      ).json(),
    );
    expect(info).toMatchObject({
      title: null, // a bare meeting id does not tell what the meeting is about
      passcodeRequired: true,
      guests: 'lobby',
      e2ee: true,
    });
    expect(info.nextOccurrence).not.toBeNull();
    const key = guestKey(meeting.id);

    const wrong = await knock(meeting.id, {
      displayName: 'Gail',
      passcode: 'open sesam',
      guestKey: key,
    });
    expect(wrong.status).toBe(403);
    expect(wrong.json.detail).toBe('The passcode is wrong.');
    expect((await knock(meeting.id, { displayName: 'Gail' })).json.detail).toBe(
      'This meeting needs a passcode.',
    );
    const failures = await suite.db.auditEntry.findMany({
      where: { action: 'meeting.passcode_failed', subjectId: meeting.id },
      orderBy: { seq: 'asc' },
    });
    expect(failures.map((entry) => entry.details)).toEqual([
      expect.objectContaining({ given: 'wrong' }),
      expect.objectContaining({ given: 'none' }),
    ]);
    expect(JSON.stringify(failures)).not.toContain('open sesam');
    expect(await suite.db.meetingAdmission.count({ where: { meetingId: meeting.id } })).toBe(0);

    const knocked = await knock(meeting.id, {
      displayName: 'Gail Guest',
      passcode: 'open sesame',
      guestKey: key,
    });
    expect(knocked.status, JSON.stringify(knocked.json)).toBe(200);
    const ticket = lobbyTicketSchema.parse(knocked.json);
    expect(ticket.guestId).toMatch(/^guest-/);
    const guestTokenUrl = `/api/meetings/${meeting.id}/guest-token`;
    const early = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: guestTokenUrl,
      payload: { ticket: ticket.ticket },
    });
    expectProblem(early, 403);

    const hostChannel = await connect(meeting, { client: asHost });
    await hostChannel.next('welcome');
    const guestChannel = await connect(meeting, { ticket: ticket.ticket, origin: null });
    const welcome = await guestChannel.next('welcome');
    expect(welcome).toMatchObject({
      status: 'lobby',
      self: { id: ticket.guestId, kind: 'guest', displayName: 'Gail Guest' },
    });
    expect(welcome.ticket).toEqual(expect.any(String));
    const waiting = await hostChannel.next('lobby-joined');
    expect(waiting.entry.guestKey).toEqual(key);

    hostChannel.send({ type: 'admit', participantId: ticket.guestId });
    await guestChannel.next('admitted');
    const token = await anonymousClient(suite.app).inject({
      method: 'POST',
      url: guestTokenUrl,
      payload: { ticket: ticket.ticket },
    });
    expect(token.statusCode, token.body).toBe(200);
    const body = livekitTokenSchema.parse(token.json());
    const claims = await new TokenVerifier(
      LIVEKIT.LIVEKIT_API_KEY,
      LIVEKIT.LIVEKIT_API_SECRET,
    ).verify(body.token);
    expect(claims.sub).toBe(ticket.guestId);
    expect(claims.name).toBe('Gail Guest');
    expect(claims.video).toMatchObject({
      room: body.roomName,
      roomJoin: true,
      canPublish: true,
      roomAdmin: false,
    });
    expect(body.url).toBe(LIVEKIT.LIVEKIT_URL);

    // A host's token moderates the same room; an invitee's does not.
    const hostToken = livekitTokenSchema.parse(
      (
        await asHost.inject({
          method: 'POST',
          url: `/api/orgs/${org.id}/meetings/${meeting.id}/token`,
          payload: {},
        })
      ).json(),
    );
    const hostClaims = await new TokenVerifier(
      LIVEKIT.LIVEKIT_API_KEY,
      LIVEKIT.LIVEKIT_API_SECRET,
    ).verify(hostToken.token);
    expect(hostClaims).toMatchObject({
      sub: host.id,
      video: { room: body.roomName, roomAdmin: false },
    });
    expect(JSON.parse(hostClaims.metadata ?? '{}')).toMatchObject({
      kind: 'member',
      role: 'host',
      displayName: 'Hanna Host',
    });
  });

  it('a denied guest is told, disconnected with 4412 and gets no token', async () => {
    const meeting = await meetingForInvitee();
    const hostChannel = await connect(meeting, { client: asHost });
    await hostChannel.next('welcome');
    const ticket = lobbyTicketSchema.parse(
      (await knock(meeting.id, { displayName: 'Mallory' })).json,
    );
    const guest = await connect(meeting, { ticket: ticket.ticket });
    await hostChannel.next('lobby-joined');
    hostChannel.send({
      type: 'deny',
      participantId: ticket.guestId,
      reason: 'We do not know you.',
    });
    expect((await guest.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.denied);
    expect(guest.of('denied')).toEqual([{ type: 'denied', reason: 'We do not know you.' }]);
    await hostChannel.next('lobby-left', (m) => m.outcome === 'denied' && m.by === host.id);
    expectProblem(
      await anonymousClient(suite.app).inject({
        method: 'POST',
        url: `/api/meetings/${meeting.id}/guest-token`,
        payload: { ticket: ticket.ticket },
      }),
      403,
    );
  });

  it('guests cannot knock on a meeting that admits none, and knocking is rate-limited', async () => {
    const closed = await meetingForInvitee({ guests: 'forbidden' });
    const info = lobbyInfoSchema.parse(
      (
        await anonymousClient(suite.app).inject({
          method: 'GET',
          url: `/api/meetings/${closed.id}/lobby`,
        })
      ).json(),
    );
    expect(info.guests).toBe('forbidden');
    const refused = await knock(closed.id, { displayName: 'Gus' });
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toMatch(/does not admit guests/);

    const meeting = await meetingForInvitee({ passcode: 'right one' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push(
        (await knock(meeting.id, { displayName: 'Brute', passcode: `guess ${i}` })).status,
      );
    expect(statuses).toEqual([403, 403, 403, 403, 403, 403, 429, 429]);
    expect(
      await suite.db.auditEntry.count({
        where: { action: 'meeting.passcode_failed', subjectId: meeting.id },
      }),
    ).toBe(6);
    expect(
      (await knock('00000000-0000-4000-8000-000000000000', { displayName: 'Nobody' })).status,
    ).toBe(404);
  });
});

describe('relay', () => {
  it('forwards opaque payloads between admitted participants, and names who is outside the meeting', async () => {
    const meeting = await meetingForInvitee();
    const hostChannel = await connect(meeting, { client: asHost });
    await hostChannel.next('welcome');
    const inviteeChannel = await connect(meeting, { client: asInvitee });
    await hostChannel.next('participant-joined');
    await inviteeChannel.next('welcome');
    const payload = JSON.stringify({ v: 1, box: 'b3BhcXVlLWNpcGhlcnRleHQ' });
    hostChannel.send({ type: 'relay', to: invitee.id, channel: 'sender-key', payload, id: 'k-1' });
    expect(await inviteeChannel.next('relay')).toEqual({
      type: 'relay',
      from: host.id,
      channel: 'sender-key',
      payload,
      id: 'k-1',
      broadcast: false,
    });
    hostChannel.send({ type: 'relay', to: outsider.id, channel: 'sender-key', payload, id: 'k-2' });
    const error = await hostChannel.next('error', (m) => m.ref === 'k-2');
    expect(error).toMatchObject({ code: 'recipient_not_in_meeting' });
    expect(error.message).toContain(outsider.id);

    const log = await anonymousClient(suite.app).inject({
      method: 'GET',
      url: `/api/test/meetings/relay-log?meetingId=${meeting.id}`,
    });
    const entries = log.json<{ entries: Record<string, unknown>[] }>().entries;
    expect(entries).toEqual([
      expect.objectContaining({
        from: host.id,
        to: invitee.id,
        channel: 'sender-key',
        bytes: payload.length,
        outcome: 'delivered',
      }),
    ]);
    expect(log.body).not.toContain('b3BhcXVlLWNpcGhlcnRleHQ');
  });

  it('an oversized frame closes with 1009; an oversized payload is refused and the connection stays', async () => {
    const meeting = await meetingForInvitee();
    const a = await connect(meeting, { client: asHost });
    await a.next('welcome');
    const b = await connect(meeting, { client: asInvitee });
    await a.next('participant-joined');
    a.send({
      type: 'relay',
      to: invitee.id,
      channel: 'chat',
      payload: 'x'.repeat(40 * 1024),
      id: 'big',
    });
    expect(await a.next('error', (m) => m.ref === 'big')).toMatchObject({
      code: 'payload_too_large',
    });
    a.send({ type: 'ping', id: 'still-here' });
    await a.next('pong');
    b.socket.send('y'.repeat(70 * 1024));
    expect((await b.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.messageTooBig);
    await a.next('participant-left', (m) => m.participantId === invitee.id);
    expect(b.of('relay')).toHaveLength(0);
  });

  it('the key-swap fault switch changes the identity others are given (test hooks only)', async () => {
    const meeting = await meetingForInvitee();
    const attacker = publicIdentity(generateIdentity());
    const swap = await anonymousClient(suite.app).inject({
      method: 'PUT',
      url: '/api/test/meetings/faults/identity-swap',
      payload: { userId: invitee.id, identity: attacker },
    });
    expect(swap.statusCode, swap.body).toBe(200);
    try {
      const hostChannel = await connect(meeting, { client: asHost });
      await hostChannel.next('welcome');
      await connect(meeting, { client: asInvitee });
      const joined = await hostChannel.next('participant-joined');
      expect(joined.participant.identity).toEqual(attacker);
      expect(joined.participant.identity).not.toEqual(invitee.publicIdentity);
    } finally {
      await anonymousClient(suite.app).inject({
        method: 'DELETE',
        url: '/api/test/meetings/faults/identity-swap',
      });
    }
  });
});
