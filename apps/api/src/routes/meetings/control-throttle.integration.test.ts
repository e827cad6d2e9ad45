import type { Socket } from 'node:net';
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
 * Security finding "a participant can flood the control channel": on a real server with real
 * WebSockets, the flooder is throttled and closed (4429) while a reader that cannot keep up
 * stays connected; key requests have their own small budget; violations decay.
 */

const suite = useTestApp({ env: {} });
let server: { wsUrl: string; origin: string };
let orgId: string;
let invitee: TestUser;
let asHost: TestClient;
let asInvitee: TestClient;
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
});

afterEach(() => {
  for (const client of open.splice(0)) client.socket.close();
});

async function room(): Promise<{ meeting: Meeting; sender: ControlClient; reader: ControlClient }> {
  const meeting = await scheduleMeeting(asHost, orgId, meetingNow({ invitees: [invitee.email] }));
  const path = `/api/meetings/${meeting.id}/control`;
  const sender = await ControlClient.open(server.wsUrl, path, {
    client: asHost,
    origin: server.origin,
  });
  const reader = await ControlClient.open(server.wsUrl, path, {
    client: asInvitee,
    origin: server.origin,
  });
  open.push(sender, reader);
  await sender.next('welcome');
  const welcome = await reader.next('welcome');
  if (welcome.status !== 'admitted') throw new Error(JSON.stringify(welcome));
  // Generous on a loaded machine. The flood test runs last, so no test waits for its drain.
  await sender.next('participant-joined', () => true, 15_000);
  return { meeting, sender, reader };
}

const keyRequest = (id: string) => ({
  type: 'relay',
  to: '*',
  channel: 'key-request',
  payload: 'please',
  id,
});

describe('control-channel throttles', () => {
  it('key requests: a burst of 4, then refused with a message naming them', async () => {
    const { sender, reader } = await room();
    for (let i = 0; i < 6; i++) sender.send(keyRequest(`k${i}`));
    const refused = await sender.next('error', (m) => m.ref === 'k5');
    expect(refused.code).toBe('rate_limited');
    expect(refused.message).toMatch(/key-request/);
    await reader.next('relay', (m) => m.id === 'k3');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reader.of('relay').map((m) => m.id)).toEqual(['k0', 'k1', 'k2', 'k3']);
  });

  it(
    'violations decay: refusals spread over time do not add up to a close',
    { timeout: 40_000 },
    async () => {
      const { sender } = await room();
      for (let i = 0; i < 48; i++) sender.send(keyRequest(`a${i}`));
      await sender.next('error', (m) => m.ref === 'a47');
      expect(sender.of('error')).toHaveLength(44);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      // Without decay 44 + 8 refusals would pass the limit of 50 and close the connection.
      for (let i = 0; i < 10; i++) sender.send(keyRequest(`b${i}`));
      await sender.next('error', (m) => m.ref === 'b9');
      expect(sender.closed).toBeNull();
      sender.send({ type: 'ping', id: 'alive' });
      await sender.next('pong', (m) => m.id === 'alive');
    },
  );

  it('a flood is cut at the sender: the flooder is closed with 4429, the slow reader stays', async () => {
    const { sender, reader } = await room();
    // The reader stops reading: its queue on the server grows with every relay.
    const raw = (reader.socket as unknown as { _socket: Socket })._socket;
    raw.pause();
    const payload = 'x'.repeat(30 * 1024);
    for (let i = 0; i < 700 && sender.socket.readyState === sender.socket.OPEN; i++) {
      sender.send({ type: 'relay', to: '*', channel: 'chat', payload, id: `f${i}` });
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await sender.waitClosed(10_000)).code).toBe(CONTROL_CLOSE_CODES.rateLimited);
    raw.resume();
    await reader.next('participant-left', () => true, 10_000);
    expect(reader.closed).toBeNull();
    reader.send({ type: 'ping', id: 'still-here' });
    await reader.next('pong', (m) => m.id === 'still-here');
  });
});
