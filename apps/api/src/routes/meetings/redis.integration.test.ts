import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_CLOSE_CODES, lobbyTicketSchema } from '@conclave/contracts';
import { buildTestApp, testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import {
  addMember,
  anonymousClient,
  createOrgWithRoles,
  createUser,
  signedInClient,
  TestClient,
  type TestUser,
} from '../../../test/factories';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * Two API instances on the Redis running on this machine (REDIS_URL, default
 * redis://127.0.0.1:6379), sharing one database, as several instances behind a load balancer
 * would. Keys and channels get a prefix of their own per run, so parallel runs do not meet.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `conclave-test-${randomBytes(4).toString('hex')}:`;

let database: TestDatabase;
let one: FastifyInstance;
let two: FastifyInstance;
let servers: { wsUrl: string; origin: string }[];
let org: { id: string };
let host: TestUser;
let invitee: TestUser;
const sockets: ControlClient[] = [];

async function instance(): Promise<FastifyInstance> {
  const config = testConfig({
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    PUBLIC_URL: 'http://localhost:3000',
  });
  return buildTestApp({ db: database.db, config: { ...config, SERVER_SECRET: sharedSecret } });
}
const sharedSecret = randomBytes(32).toString('base64url');

beforeAll(async () => {
  database = await createTestDatabase();
  one = await instance();
  two = await instance();
  servers = [await listen(one), await listen(two)];
  const roles = await createOrgWithRoles(database.db);
  org = roles.org;
  host = await createUser(database.db, { displayName: 'Hanna Host' });
  invitee = await createUser(database.db, { displayName: 'Ivo Invitee' });
  await addMember(database.db, { org, user: host, role: 'member' });
  await addMember(database.db, { org, user: invitee, role: 'member' });
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await one?.close();
  await two?.close();
  const redis = new Redis(REDIS_URL);
  const leftovers = await redis.keys(`${prefix}*`);
  if (leftovers.length > 0) await redis.del(...leftovers);
  await redis.quit();
  await database?.drop();
});

async function connect(
  index: 0 | 1,
  path: string,
  client?: Awaited<ReturnType<typeof signedInClient>>,
) {
  const server = servers[index]!;
  const socket = await ControlClient.open(server.wsUrl, path, {
    ...(client ? { client } : {}),
    origin: server.origin,
  });
  sockets.push(socket);
  return socket;
}

describe('two API instances through Redis', () => {
  it('uses the Redis bus', () => {
    expect(one.meetings.bus.kind).toBe('redis');
    expect(two.meetings.bus.kind).toBe('redis');
    expect(one.meetings.hub.instanceId).not.toBe(two.meetings.hub.instanceId);
  });

  it('a message from a client of one instance reaches a client of the other, and presence and the lobby span both', async () => {
    const meeting = await scheduleMeeting(
      await signedInClient(one, host),
      org.id,
      meetingNow({ invitees: [invitee.email] }),
    );
    const path = `/api/meetings/${meeting.id}/control`;
    const onOne = await connect(0, path, await signedInClient(one, host));
    await onOne.next('welcome');
    const onTwo = await connect(1, path, await signedInClient(two, invitee));
    // Instance two loaded instance one's participant from Redis.
    expect((await onTwo.next('welcome')).participants.map((p) => p.id)).toEqual([host.id]);
    await onOne.next('participant-joined', (m) => m.participant.id === invitee.id);

    onOne.send({
      type: 'relay',
      to: invitee.id,
      channel: 'sender-key',
      payload: 'from-instance-one',
      id: 'x1',
    });
    expect(await onTwo.next('relay')).toMatchObject({
      from: host.id,
      payload: 'from-instance-one',
      broadcast: false,
    });
    onTwo.send({ type: 'relay', to: '*', channel: 'sealed', payload: 'from-instance-two' });
    expect(await onOne.next('relay')).toMatchObject({
      from: invitee.id,
      payload: 'from-instance-two',
      broadcast: true,
    });

    // A guest knocks on instance two; the host on instance one admits.
    const knock = await anonymousClient(two).inject({
      method: 'POST',
      url: `/api/meetings/${meeting.id}/lobby`,
      payload: { displayName: 'Gail Guest' },
    });
    const ticket = lobbyTicketSchema.parse(knock.json());
    const guest = await connect(1, `${path}?ticket=${encodeURIComponent(ticket.ticket)}`);
    await guest.next('welcome');
    await onOne.next('lobby-joined', (m) => m.entry.id === ticket.guestId);
    onOne.send({ type: 'admit', participantId: ticket.guestId });
    const admitted = await guest.next('admitted');
    expect(admitted.participants.map((p) => p.id).sort()).toEqual([host.id, invitee.id].sort());
    await onTwo.next('participant-joined', (m) => m.participant.id === ticket.guestId);

    // Someone leaving on one instance is gone for the other; relays to them are refused.
    onTwo.send({ type: 'leave' });
    await onOne.next('participant-left', (m) => m.participantId === invitee.id);
    onOne.send({
      type: 'relay',
      to: invitee.id,
      channel: 'sender-key',
      payload: 'too late',
      id: 'x2',
    });
    expect(await onOne.next('error', (m) => m.ref === 'x2')).toMatchObject({
      code: 'recipient_not_in_meeting',
    });
  });

  it('a session ended on one instance closes its control channel on the other (4401), and the room sees it go', async () => {
    const meeting = await scheduleMeeting(
      await signedInClient(one, host),
      org.id,
      meetingNow({ invitees: [invitee.email] }),
    );
    const path = `/api/meetings/${meeting.id}/control`;
    const onOne = await connect(0, path, await signedInClient(one, host));
    await onOne.next('welcome');
    const browser = await signedInClient(two, invitee);
    const onTwo = await connect(1, path, browser);
    await onTwo.next('welcome');
    await onOne.next('participant-joined', (m) => m.participant.id === invitee.id);

    // The load balancer sends the sign-out to instance one; the socket is held by instance two.
    const signOut = await new TestClient(one, Object.fromEntries(browser.cookies)).inject({
      method: 'POST',
      url: '/api/auth/sign-out',
    });
    expect(signOut.statusCode).toBe(204);
    expect((await onTwo.waitClosed()).code).toBe(CONTROL_CLOSE_CODES.unauthenticated);
    expect(onTwo.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthenticated' });
    expect(
      await onOne.next('participant-left', (m) => m.participantId === invitee.id),
    ).toMatchObject({ reason: 'disconnected' });
    expect(onOne.closed).toBeNull();
  });

  it("keys live under the run's prefix only", async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.some((key) => key.startsWith(`${prefix}instance:`))).toBe(true);
      expect(await redis.keys(`conclave:instance:${one.meetings.hub.instanceId}`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
