import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '@conclave/crypto';
import { CONTROL_CLOSE_CODES, type Meeting } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  addMember,
  createOrgWithRoles,
  createUser,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * A control channel lives no longer than the session it was opened with, nor than its
 * member's membership of the meeting's org: signing out, revoking the session from another
 * device and being removed from the org close it at once (docs/meetings.md, "Close codes").
 */
const suite = useTestApp();
let server: { wsUrl: string; origin: string };
let org: { id: string };
let admin: TestUser;
let host: TestUser;
let attendee: TestUser;
let asHost: TestClient;
const open: ControlClient[] = [];

beforeAll(async () => {
  await ready();
  server = await listen(suite.app);
  const roles = await createOrgWithRoles(suite.db);
  org = roles.org;
  admin = roles.admin;
  host = await createUser(suite.db, { displayName: 'Hanna Host' });
  await addMember(suite.db, { org, user: host, role: 'member' });
  asHost = await signedInClient(suite.app, host);
});

afterEach(() => {
  for (const client of open.splice(0)) client.close();
});

/** A fresh member invited to a fresh meeting, so no test depends on another's leftovers. */
async function newAttendee(): Promise<TestUser> {
  attendee = await createUser(suite.db, { displayName: 'Ada Attendee' });
  await addMember(suite.db, { org, user: attendee, role: 'member' });
  return attendee;
}

async function meetingWith(...invitees: TestUser[]): Promise<Meeting> {
  return scheduleMeeting(
    asHost,
    org.id,
    meetingNow({ invitees: invitees.map((user) => user.email) }),
  );
}

async function connect(meeting: Pick<Meeting, 'id'>, client: TestClient): Promise<ControlClient> {
  const control = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
    client,
    origin: server.origin,
  });
  open.push(control);
  await control.next('welcome');
  return control;
}

async function sessionIds(client: TestClient): Promise<{ id: string; current: boolean }[]> {
  const response = await client.inject({ method: 'GET', url: '/api/account/sessions' });
  expect(response.statusCode).toBe(200);
  return response.json<{ sessions: { id: string; current: boolean }[] }>().sessions;
}

describe('a session that ends closes its control channel', () => {
  it('sign-out: an error, close 4401, and the others see the participant leave', async () => {
    const user = await newAttendee();
    const meeting = await meetingWith(user);
    const hostChannel = await connect(meeting, asHost);
    const browser = await signedInClient(suite.app, user);
    const channel = await connect(meeting, browser);
    await hostChannel.next('participant-joined', (m) => m.participant.id === user.id);

    const signOut = await browser.inject({ method: 'POST', url: '/api/auth/sign-out' });
    expect(signOut.statusCode).toBe(204);

    const closed = await channel.waitClosed();
    expect(closed.code).toBe(CONTROL_CLOSE_CODES.unauthenticated);
    expect(closed.reason).toMatch(/signed out/);
    expect(channel.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthenticated' });
    expect(
      await hostChannel.next('participant-left', (m) => m.participantId === user.id),
    ).toMatchObject({ reason: 'disconnected' });
    expect(hostChannel.closed).toBeNull();
    expect(suite.app.meetings.hub.connectionCount).toBe(1);
  });

  it('revoking one session from another device closes only that session’s channel', async () => {
    const user = await newAttendee();
    const [first, second] = [await meetingWith(user), await meetingWith(user)];
    const laptop = await signedInClient(suite.app, user);
    const phone = await signedInClient(suite.app, user);
    const onLaptop = await connect(first, laptop);
    const onPhone = await connect(second, phone);

    const laptopSession = (await sessionIds(laptop)).find((s) => s.current)!;
    const revoke = await phone.inject({
      method: 'DELETE',
      url: `/api/account/sessions/${laptopSession.id}`,
    });
    expect(revoke.statusCode).toBe(204);

    expect((await onLaptop.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.unauthenticated);
    onPhone.send({ type: 'ping', id: 'still-there' });
    expect(await onPhone.next('pong', (m) => m.id === 'still-there')).toBeTruthy();
    expect(onPhone.closed).toBeNull();
  });

  it('someone else’s session id changes nothing', async () => {
    const user = await newAttendee();
    const meeting = await meetingWith(user);
    const browser = await signedInClient(suite.app, user);
    const channel = await connect(meeting, browser);
    const [userSession] = await sessionIds(browser);
    const revoke = await asHost.inject({
      method: 'DELETE',
      url: `/api/account/sessions/${userSession!.id}`,
    });
    expect(revoke.statusCode).toBe(404);
    channel.send({ type: 'ping', id: 'p' });
    await channel.next('pong');
    expect(channel.closed).toBeNull();
  });
});

describe('a membership that ends closes the control channels into the org’s meetings', () => {
  it('an admin removes a member: an error, close 4403, and the others see them go', async () => {
    const user = await newAttendee();
    const meeting = await meetingWith(user);
    const hostChannel = await connect(meeting, asHost);
    const channel = await connect(meeting, await signedInClient(suite.app, user));
    await hostChannel.next('participant-joined', (m) => m.participant.id === user.id);

    const removal = await (
      await signedInClient(suite.app, admin)
    ).inject({ method: 'DELETE', url: `/api/orgs/${org.id}/members/${user.id}` });
    expect(removal.statusCode).toBe(204);

    const closed = await channel.waitClosed();
    expect(closed.code).toBe(CONTROL_CLOSE_CODES.forbidden);
    expect(closed.reason).toMatch(/removed from this meeting's organisation/);
    expect(channel.messages.at(-1)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(
      await hostChannel.next('participant-left', (m) => m.participantId === user.id),
    ).toMatchObject({ reason: 'removed' });
    expect(hostChannel.closed).toBeNull();
  });

  it('a member who leaves the org is closed with 4403 too', async () => {
    const user = await newAttendee();
    const meeting = await meetingWith(user);
    const browser = await signedInClient(suite.app, user);
    const channel = await connect(meeting, browser);
    const leave = await browser.inject({ method: 'POST', url: `/api/orgs/${org.id}/leave` });
    expect(leave.statusCode).toBe(204);
    const closed = await channel.waitClosed();
    expect(closed.code).toBe(CONTROL_CLOSE_CODES.forbidden);
    expect(closed.reason).toMatch(/You left/);
  });
});
