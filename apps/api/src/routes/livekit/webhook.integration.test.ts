import { createHash } from 'node:crypto';
import { WebhookEvent } from '@livekit/protocol';
import type { FastifyInstance } from 'fastify';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attendanceSchema, type Meeting } from '@conclave/contracts';
import { startDevMediaServer, type DevMediaServer } from '@conclave/livekit-dev-server';
import { buildTestApp, testConfig } from '../../../test/app';
import { createTestDatabase, type TestDatabase } from '../../../test/database';
import {
  createOrgWithRoles,
  signedInClient,
  type TestClient,
  type TestUser,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { ControlClient, listen, meetingNow, scheduleMeeting } from '../../../test/meetings';
import { freePort } from '../../lib/free-port';
import { roomNameFor } from '../../services/livekit/tokens';

/**
 * LiveKit webhooks, signed as LiveKit signs them (a JWT from the API key whose sha256 claim is
 * the body's digest), and the development media server (packages/livekit-dev-server), which
 * speaks LiveKit's webhook and RoomService protocols: no LiveKit server can run here.
 */
const apiKey = 'APIwebhooks';
const apiSecret = 'webhooks-secret-with-more-than-32-characters';

let database: TestDatabase;
let app: FastifyInstance;
let media: DevMediaServer;
let server: { url: string; wsUrl: string; origin: string };
let owner: TestUser;
let asOwner: TestClient;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // Each needs the other's address: reserve the API's port first.
  const apiPort = await freePort();
  media = await startDevMediaServer({
    apiKey,
    apiSecret,
    port: 0,
    departureTimeoutSeconds: 0,
    webhookUrls: [`http://127.0.0.1:${apiPort}/api/livekit/webhook`],
  });
  app = await buildTestApp({
    db: database.db,
    config: testConfig({
      LIVEKIT_URL: media.url,
      LIVEKIT_API_KEY: apiKey,
      LIVEKIT_API_SECRET: apiSecret,
    }),
  });
  server = await listen(app, apiPort);
  const roles = await createOrgWithRoles(database.db);
  owner = roles.owner;
  orgId = roles.org.id;
  asOwner = await signedInClient(app, owner);
});

afterAll(async () => {
  await media?.close();
  await app?.close();
  await database?.drop();
});

async function signed(
  event: Partial<ConstructorParameters<typeof WebhookEvent>[0]> & { event: string },
  secret = apiSecret,
) {
  const body = new WebhookEvent({
    id: `EV_${Math.random().toString(36).slice(2)}`,
    createdAt: BigInt(Math.floor(Date.now() / 1000)),
    ...event,
  }).toJsonString();
  const token = new AccessToken(apiKey, secret, { ttl: '5m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return { body, authorization: await token.toJwt() };
}

async function post(
  body: string,
  authorization?: string,
  contentType = 'application/webhook+json',
) {
  return app.inject({
    method: 'POST',
    url: '/api/livekit/webhook',
    headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
    payload: body,
  });
}

async function roomOf(meeting: Meeting): Promise<string> {
  const token = await asOwner.inject({
    method: 'POST',
    url: `/api/orgs/${orgId}/meetings/${meeting.id}/token`,
    payload: {},
  });
  expect(token.statusCode, token.body).toBe(200);
  return token.json<{ roomName: string }>().roomName;
}

async function waitFor<T>(probe: () => Promise<T | null | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('POST /api/livekit/webhook', () => {
  it('records attendance and the room lifecycle from signed events', async () => {
    const meeting = await scheduleMeeting(asOwner, orgId, meetingNow());
    const roomName = await roomOf(meeting);
    const room = { name: roomName, sid: 'RM_test' };
    const joinedAt = BigInt(Math.floor(Date.now() / 1000) - 30);
    for (const event of [
      { event: 'room_started', room },
      {
        event: 'participant_joined',
        room,
        participant: { identity: owner.id, name: 'Owner', sid: 'PA_1', joinedAt },
      },
      {
        event: 'participant_joined',
        room,
        participant: { identity: 'guest-abc', name: 'Gail Guest', sid: 'PA_2', joinedAt },
      },
      {
        event: 'participant_left',
        room,
        participant: { identity: 'guest-abc', name: 'Gail Guest', sid: 'PA_2' },
      },
      { event: 'track_published', room, participant: { identity: owner.id, sid: 'PA_1' } },
    ]) {
      const { body, authorization } = await signed(event);
      const response = await post(body, authorization);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        received: true,
        event: event.event,
        handled: event.event !== 'track_published',
      });
    }
    const attendance = attendanceSchema.parse(
      (
        await asOwner.inject({
          method: 'GET',
          url: `/api/orgs/${orgId}/meetings/${meeting.id}/attendance`,
        })
      ).json(),
    );
    const occurrence = attendance.occurrences[0];
    expect(occurrence).toMatchObject({ roomName, endedAt: null });
    expect(occurrence?.startedAt).not.toBeNull();
    expect(
      occurrence?.attendees.map((a) => [a.identity, a.userId, a.displayName, a.leftAt === null]),
    ).toEqual([
      [owner.id, owner.id, 'Owner', true],
      ['guest-abc', null, 'Gail Guest', false],
    ]);
    expect(occurrence?.attendees[0]?.joinedAt).toBe(
      new Date(Number(joinedAt) * 1000).toISOString(),
    );

    const { body, authorization } = await signed({ event: 'room_finished', room });
    expect((await post(body, authorization)).statusCode).toBe(200);
    const after = attendanceSchema.parse(
      (
        await asOwner.inject({
          method: 'GET',
          url: `/api/orgs/${orgId}/meetings/${meeting.id}/attendance`,
        })
      ).json(),
    );
    expect(after.occurrences[0]?.endedAt).not.toBeNull();
    expect(after.occurrences[0]?.attendees.every((a) => a.leftAt !== null)).toBe(true);
  });

  it('refuses unsigned, wrongly signed, altered, stale and replayed events, and stores none of them', async () => {
    const meeting = await scheduleMeeting(asOwner, orgId, meetingNow());
    const room = { name: await roomOf(meeting) };
    const participant = { identity: 'guest-replay', name: 'Replay', sid: 'PA_r' };
    const before = await database.db.meetingAttendance.count();

    const good = await signed({ event: 'participant_joined', room, participant });
    expectProblem(await post(good.body), 401);
    const other = await signed(
      { event: 'participant_joined', room, participant },
      'another-secret-that-is-long-enough-for-jwt',
    );
    expectProblem(await post(other.body, other.authorization), 401);
    expectProblem(await post(good.body.replace('Replay', 'Altered'), good.authorization), 401);
    const stale = await signed({
      event: 'participant_joined',
      room,
      participant,
      createdAt: BigInt(Math.floor(Date.now() / 1000) - 3600),
    });
    expect(expectProblem(await post(stale.body, stale.authorization), 400).detail).toMatch(
      /too old/,
    );
    expectProblem(await post(good.body, good.authorization, 'application/json'), 415);
    const notAnEvent = '{"hello":"world"}';
    const token = new AccessToken(apiKey, apiSecret, { ttl: '5m' });
    token.sha256 = createHash('sha256').update(notAnEvent).digest('base64');
    expectProblem(await post(notAnEvent, await token.toJwt()), 400);
    expect(await database.db.meetingAttendance.count()).toBe(before);

    expect((await post(good.body, good.authorization)).statusCode).toBe(200);
    const replay = expectProblem(await post(good.body, good.authorization), 409);
    expect(replay.detail).toMatch(/already received/);
    expect(await database.db.meetingAttendance.count()).toBe(before + 1);
  });

  it('acknowledges events for rooms that are not Conclave meetings, and says 503 without LiveKit', async () => {
    const { body, authorization } = await signed({
      event: 'room_started',
      room: { name: 'somebody-elses-room' },
    });
    const response = await post(body, authorization);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ handled: false });
    const bare = await buildTestApp({ db: database.db, config: testConfig() });
    try {
      const refused = await bare.inject({
        method: 'POST',
        url: '/api/livekit/webhook',
        headers: { 'content-type': 'application/webhook+json', authorization },
        payload: body,
      });
      expectProblem(refused, 503);
    } finally {
      await bare.close();
    }
  });
});

describe('with the development media server', () => {
  it('its signed webhooks reach the API, and ending a meeting deletes the room through RoomService', async () => {
    const meeting = await scheduleMeeting(asOwner, orgId, meetingNow());
    const host = await ControlClient.open(server.wsUrl, `/api/meetings/${meeting.id}/control`, {
      client: asOwner,
      origin: server.origin,
    });
    const welcome = await host.next('welcome');
    const roomName = roomNameFor(meeting.id, welcome.meeting.occurrenceId);
    const client = { client: new RoomServiceClient(media.url, apiKey, apiSecret) };
    await client.client.createRoom({ name: roomName });
    const started = await waitFor(
      () => database.db.meetingRoom.findFirst({ where: { roomName, startedAt: { not: null } } }),
      'room_started from the media server',
    );
    expect(started.livekitRoomSid).toMatch(/^RM_/);
    expect((await client.client.listRooms([roomName])).map((r) => r.name)).toEqual([roomName]);

    // Removing someone who is not in the media room is not an error.
    await app.meetings.media!.removeParticipant(roomName, 'guest-not-there');

    host.send({ type: 'end-meeting' });
    await host.waitClosed();
    await waitFor(
      () =>
        database.db.meetingRoom.findFirst({
          where: { roomName, finishedAt: { not: null }, endedAt: { not: null } },
        }),
      'room_finished after the host ended the meeting',
    );
    expect(await client.client.listRooms([roomName])).toEqual([]);
    expect(
      await database.db.livekitWebhookEvent.count({ where: { roomName } }),
    ).toBeGreaterThanOrEqual(2);
  });
});
