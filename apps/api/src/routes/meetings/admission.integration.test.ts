import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@conclave/crypto';
import { CONTROL_CLOSE_CODES, type Meeting } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * Security finding "removed, then denied, then back in": the exact sequence against a real
 * server, PostgreSQL and WebSocket clients, plus a second device. The rules themselves are
 * services/meetings/admission.ts, tested transition by transition beside it.
 */

const suite = useTestApp({
  env: {
    LIVEKIT_URL: 'ws://127.0.0.1:7880',
    LIVEKIT_API_KEY: 'APIadmission',
    LIVEKIT_API_SECRET: 'admission-secret-with-enough-characters',
  },
});
let server: { wsUrl: string; origin: string };
let orgId: string;
let invitee: TestUser;
let asHost: TestClient;
let asInvitee: TestClient;
let asUninvited: TestClient;
const open: ControlClient[] = [];

beforeAll(async () => {
  await ready();
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  orgId = roles.org.id;
  const host = await createUser(suite.db, { displayName: 'Hanna Host' });
  invitee = await createUser(suite.db, { displayName: 'Ivo Invitee' });
  await addMember(suite.db, { org: roles.org, user: host, role: 'member' });
  await addMember(suite.db, { org: roles.org, user: invitee, role: 'member' });
  asHost = await signedInClient(suite.app, host);
  asInvitee = await signedInClient(suite.app, invitee);
  const uninvited = await createUser(suite.db, { displayName: 'Uma Uninvited' });
  await addMember(suite.db, { org: roles.org, user: uninvited, role: 'member' });
  asUninvited = await signedInClient(suite.app, uninvited);
});

afterEach(() => {
  for (const client of open.splice(0)) client.socket.close();
});

async function connect(meeting: Meeting, client: TestClient): Promise<ControlClient> {
  const control = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
    client,
    origin: server.origin,
  });
  open.push(control);
  return control;
}

async function token(meeting: Meeting) {
  return asInvitee.inject({
    method: 'POST',
    url: `/api/orgs/${orgId}/meetings/${meeting.id}/token`,
    payload: {},
  });
}

describe('admission', () => {
  it('removed, then denied in the lobby, the invitee reconnects to the lobby and gets no media token', async () => {
    const meeting = await scheduleMeeting(asHost, orgId, meetingNow({ invitees: [invitee.email] }));
    const hostChannel = await connect(meeting, asHost);
    await hostChannel.next('welcome');
    const first = await connect(meeting, asInvitee);
    expect((await first.next('welcome')).status).toBe('admitted');
    expect((await token(meeting)).statusCode).toBe(200);

    hostChannel.send({ type: 'remove', participantId: invitee.id });
    expect((await first.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.removed);
    expect((await token(meeting)).statusCode).toBe(403);

    const second = await connect(meeting, asInvitee);
    expect((await second.next('welcome')).status).toBe('lobby');
    await hostChannel.next('lobby-joined', (m) => m.entry.id === invitee.id);
    hostChannel.send({ type: 'deny', participantId: invitee.id });
    expect((await second.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.denied);

    // Back again, on two devices: both wait; no token. (Before the fix: admitted, with a token.)
    const third = await connect(meeting, asInvitee);
    expect((await third.next('welcome')).status).toBe('lobby');
    expect((await token(meeting)).statusCode).toBe(403);
    const stored = await suite.db.meetingAdmission.findFirst({
      where: { meetingId: meeting.id, participantId: invitee.id },
    });
    expect(stored?.status).toBe('waiting');

    const otherDevice = await connect(meeting, asInvitee);
    expect((await otherDevice.next('welcome')).status).toBe('lobby');
    expect((await third.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.replaced);
    expect((await token(meeting)).statusCode).toBe(403);

    // Only a host's admit lets them in again.
    await hostChannel.next('lobby-joined', (m) => m.entry.id === invitee.id);
    hostChannel.send({ type: 'admit', participantId: invitee.id });
    await otherDevice.next('admitted');
    expect((await token(meeting)).statusCode).toBe(200);
  });

  it('a host cannot deny someone who is in the room, nor admit someone who is', async () => {
    const meeting = await scheduleMeeting(asHost, orgId, meetingNow({ invitees: [invitee.email] }));
    const hostChannel = await connect(meeting, asHost);
    await hostChannel.next('welcome');
    const channel = await connect(meeting, asInvitee);
    await channel.next('welcome');
    hostChannel.send({ type: 'deny', participantId: invitee.id, ref: 'd' });
    const error = await hostChannel.next('error');
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('is not waiting in the lobby');
    expect((await token(meeting)).statusCode).toBe(200);
  });
});

describe('what the caller may see of a meeting', () => {
  it('the lobby page tells the title only to a member who may see the meeting', async () => {
    const meeting = await scheduleMeeting(
      asHost,
      orgId,
      meetingNow({ title: 'Secret merger talks', invitees: [invitee.email] }),
    );
    const lobby = (client: TestClient) =>
      client.inject({ method: 'GET', url: `/api/meetings/${meeting.id}/lobby` });
    const anonymous = await lobby(anonymousClient(suite.app));
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toMatchObject({ meetingId: meeting.id, title: null });
    expect(anonymous.body).not.toContain('merger');
    expect((await lobby(asUninvited)).json()).toMatchObject({ title: null });
    expect((await lobby(asInvitee)).json()).toMatchObject({ title: 'Secret merger talks' });
  });

  it('the control channel welcomes an uninvited member in the lobby without the title; once admitted, they learn it', async () => {
    const meeting = await scheduleMeeting(
      asHost,
      orgId,
      meetingNow({ title: 'Secret merger talks', invitees: [invitee.email] }),
    );
    const hostChannel = await connect(meeting, asHost);
    expect((await hostChannel.next('welcome')).meeting.title).toBe('Secret merger talks');
    const knocking = await connect(meeting, asUninvited);
    const welcome = await knocking.next('welcome');
    expect(welcome.status).toBe('lobby');
    expect(welcome.meeting.title).toBeNull();
    const inviteeChannel = await connect(meeting, asInvitee);
    expect((await inviteeChannel.next('welcome')).meeting.title).toBe('Secret merger talks');
    const entry = await hostChannel.next('lobby-joined');
    hostChannel.send({ type: 'admit', participantId: entry.entry.id });
    await knocking.next('admitted');
    const again = await connect(meeting, asUninvited);
    expect((await again.next('welcome')).meeting.title).toBe('Secret merger talks');
  });
});
