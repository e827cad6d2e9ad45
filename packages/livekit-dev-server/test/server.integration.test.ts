import {
  AddTrackRequest,
  DisconnectReason,
  LeaveRequest,
  LeaveRequest_Action,
  ParticipantInfo_State,
  Ping,
  RequestResponse_Reason,
  TrackSource,
  TrackType,
  UpdateParticipantMetadata,
} from '@livekit/protocol';
import { AccessToken, RoomServiceClient, TwirpError, type VideoGrant } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_SERVER_VERSION, startDevMediaServer, type DevMediaServer } from '../src/index';
import { API_KEY, API_SECRET } from './support/credentials';
import { RawSignalClient, joinUrl } from './support/signal-client';
import { startWebhookSink } from './support/webhook-sink';

let server: DevMediaServer;
let sink: Awaited<ReturnType<typeof startWebhookSink>>;
let rooms: RoomServiceClient;
const clients: RawSignalClient[] = [];

async function token(
  identity: string,
  room: string,
  grant: Partial<VideoGrant> = {},
  extra: { name?: string; metadata?: string } = {},
) {
  const at = new AccessToken(API_KEY, API_SECRET, { identity, ttl: '5m', ...extra });
  at.addGrant({ roomJoin: true, room, ...grant });
  return at.toJwt();
}

async function join(
  identity: string,
  room: string,
  grant: Partial<VideoGrant> = {},
  extra: { name?: string; metadata?: string } = {},
) {
  const client = await RawSignalClient.connect(
    server.url,
    await token(identity, room, grant, extra),
  );
  clients.push(client);
  const response = await client.next('join');
  return { client, response };
}

beforeAll(async () => {
  sink = await startWebhookSink(API_KEY, API_SECRET);
  server = await startDevMediaServer({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    webhookUrls: [sink.url],
    departureTimeoutSeconds: 0,
  });
  rooms = new RoomServiceClient(server.url, API_KEY, API_SECRET);
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  await sink?.close();
});

describe('listening', () => {
  it('listens on loopback by default and answers LiveKit health checks', async () => {
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(server.httpUrl).toBe(server.url.replace('ws:', 'http:'));
    const response = await fetch(`${server.httpUrl}/`);
    expect(await response.text()).toBe('OK');
  });
});

describe('joining', () => {
  const validate = async (url: string) => {
    const response = await fetch(
      url.replace(/^ws/, 'http').replace('/rtc/v1?', '/rtc/v1/validate?'),
    );
    return { status: response.status, text: await response.text() };
  };

  it('validates a good token and explains refusals, as livekit-client asks after a failed upgrade', async () => {
    expect(await validate(joinUrl(server.url, await token('a', 'validate')))).toEqual({
      status: 200,
      text: 'success',
    });

    const forged = new AccessToken(API_KEY, 'another-secret-that-is-also-long-enough', {
      identity: 'a',
    });
    forged.addGrant({ roomJoin: true, room: 'validate' });
    const bad = await validate(joinUrl(server.url, await forged.toJwt()));
    expect(bad.status).toBe(401);
    expect(bad.text).toMatch(/invalid token/);

    const noJoin = await validate(
      joinUrl(server.url, await token('a', 'validate', { roomJoin: false })),
    );
    expect(noJoin).toEqual({ status: 403, text: 'token has no roomJoin grant' });

    const newer = await validate(
      joinUrl(server.url, await token('a', 'validate'), { protocol: 18 }),
    );
    expect(newer.status).toBe(403);
    expect(newer.text).toMatch(/uses protocol 18/);
    expect(newer.text).toMatch(/livekit-client 2\.23\.0/);

    const legacy = await fetch(`${server.httpUrl}/rtc/validate?access_token=x`);
    expect(legacy.status).toBe(403);
    expect(await legacy.text()).toMatch(/single peer connection/);
  });

  it('refuses the WebSocket upgrade for a bad token', async () => {
    await expect(RawSignalClient.connect(server.url, 'not-a-jwt')).rejects.toThrow(/HTTP 401/);
  });

  it('answers with the room, the participant and its permissions from the token', async () => {
    const { response } = await join(
      'ann',
      'join-room',
      { canPublish: false, canPublishData: false },
      { name: 'Ann', metadata: '{"role":"host"}' },
    );
    expect(response.room?.name).toBe('join-room');
    expect(response.room?.sid).toMatch(/^RM_/);
    expect(response.participant).toMatchObject({
      identity: 'ann',
      name: 'Ann',
      metadata: '{"role":"host"}',
    });
    expect(response.participant?.sid).toMatch(/^PA_/);
    expect(response.participant?.permission).toMatchObject({
      canPublish: false,
      canSubscribe: true,
      canPublishData: false,
      canUpdateMetadata: false,
    });
    expect(response.subscriberPrimary).toBe(false);
    expect(response.serverInfo?.version).toBe(EMULATED_SERVER_VERSION);
    expect(response.pingInterval).toBeGreaterThan(0);
    expect(response.pingTimeout).toBeGreaterThan(response.pingInterval);
  });

  it('shows participants to each other and answers pings', async () => {
    const { client: first } = await join('p1', 'presence');
    const { client: second, response } = await join(
      'p2',
      'presence',
      {},
      { metadata: 'from-token' },
    );
    expect(response.otherParticipants.map((p) => p.identity)).toEqual(['p1']);
    const update = await first.next('update', (u) =>
      u.participants.some((p) => p.identity === 'p2'),
    );
    expect(update.participants[0]).toMatchObject({
      identity: 'p2',
      metadata: 'from-token',
      state: ParticipantInfo_State.JOINED,
    });

    second.send({ case: 'ping', value: 123n });
    expect(await second.next('pong')).toBeGreaterThan(0n);
    second.send({ case: 'pingReq', value: new Ping({ timestamp: 456n }) });
    expect((await second.next('pongResp')).lastPingTimestamp).toBe(456n);

    second.send({
      case: 'leave',
      value: new LeaveRequest({ reason: DisconnectReason.CLIENT_INITIATED }),
    });
    const gone = await first.next('update', (u) =>
      u.participants.some(
        (p) => p.identity === 'p2' && p.state === ParticipantInfo_State.DISCONNECTED,
      ),
    );
    expect(gone.participants[0]?.disconnectReason).toBe(DisconnectReason.CLIENT_INITIATED);
  });

  it('replaces a participant who joins again with the same identity', async () => {
    const { client: old } = await join('twin', 'duplicates');
    await join('twin', 'duplicates');
    const leave = await old.next('leave');
    expect(leave.reason).toBe(DisconnectReason.DUPLICATE_IDENTITY);
    expect(leave.action).toBe(LeaveRequest_Action.DISCONNECT);
  });

  it('asks a client that tries to resume to join again instead', async () => {
    const client = await RawSignalClient.connect(server.url, await token('resumer', 'resume'), {
      reconnect: true,
    });
    clients.push(client);
    const leave = await client.next('leave');
    expect(leave.action).toBe(LeaveRequest_Action.RECONNECT);
  });
});

describe('grants', () => {
  it('refuses to publish without canPublish, and sources outside canPublishSources', async () => {
    const { client: viewer } = await join('viewer', 'grants', { canPublish: false });
    viewer.send({
      case: 'addTrack',
      value: new AddTrackRequest({
        cid: 'c1',
        type: TrackType.AUDIO,
        source: TrackSource.MICROPHONE,
      }),
    });
    const refused = await viewer.next('requestResponse');
    expect(refused.reason).toBe(RequestResponse_Reason.NOT_ALLOWED);
    expect(refused.request.case).toBe('addTrack');

    const { client: speaker } = await join('speaker', 'grants', {
      canPublish: true,
      canPublishSources: [TrackSource.MICROPHONE],
    });
    speaker.send({
      case: 'addTrack',
      value: new AddTrackRequest({ cid: 'cam', type: TrackType.VIDEO, source: TrackSource.CAMERA }),
    });
    expect((await speaker.next('requestResponse')).reason).toBe(RequestResponse_Reason.NOT_ALLOWED);
    speaker.send({
      case: 'addTrack',
      value: new AddTrackRequest({
        cid: 'mic',
        type: TrackType.AUDIO,
        source: TrackSource.MICROPHONE,
      }),
    });
    const published = await speaker.next('trackPublished');
    expect(published.cid).toBe('mic');
    expect(published.track?.sid).toMatch(/^TR_/);
  });

  it('lets a participant change its name and metadata only with canUpdateOwnMetadata', async () => {
    const { client: watcher } = await join('watcher', 'metadata');
    const { client: locked } = await join('locked', 'metadata', { canUpdateOwnMetadata: false });
    locked.send({
      case: 'updateMetadata',
      value: new UpdateParticipantMetadata({ requestId: 7, metadata: 'x' }),
    });
    const refused = await locked.next('requestResponse');
    expect(refused).toMatchObject({ requestId: 7, reason: RequestResponse_Reason.NOT_ALLOWED });

    const { client: open } = await join('open', 'metadata', { canUpdateOwnMetadata: true });
    open.send({
      case: 'updateMetadata',
      value: new UpdateParticipantMetadata({ requestId: 8, metadata: 'hand-raised', name: 'Open' }),
    });
    const seen = await watcher.next('update', (u) =>
      u.participants.some((p) => p.identity === 'open' && p.metadata === 'hand-raised'),
    );
    expect(seen.participants[0]?.name).toBe('Open');
    expect((await open.next('requestResponse')).reason).toBe(RequestResponse_Reason.OK);
  });
});

describe('RoomService over Twirp, with the unmodified RoomServiceClient', () => {
  it('lists rooms and participants, and checks the admin grant is for that room', async () => {
    await join('alice', 'service-a');
    await join('bob', 'service-a');
    await join('carol', 'service-b');

    const listed = await rooms.listRooms(['service-a', 'service-b']);
    expect(listed.map((room) => room.name).sort()).toEqual(['service-a', 'service-b']);
    expect(listed.find((room) => room.name === 'service-a')?.numParticipants).toBe(2);
    const participants = await rooms.listParticipants('service-a');
    expect(participants.map((p) => p.identity).sort()).toEqual(['alice', 'bob']);
    expect((await rooms.getParticipant('service-b', 'carol')).identity).toBe('carol');

    // A token with roomAdmin for another room, or none at all, is refused like LiveKit does.
    const otherAdmin = new AccessToken(API_KEY, API_SECRET, { ttl: '1m' });
    otherAdmin.addGrant({ roomAdmin: true, room: 'service-b' });
    const response = await fetch(`${server.httpUrl}/twirp/livekit.RoomService/ListParticipants`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await otherAdmin.toJwt()}`,
      },
      body: JSON.stringify({ room: 'service-a' }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'permission_denied' });
    const unsigned = await fetch(`${server.httpUrl}/twirp/livekit.RoomService/ListRooms`, {
      method: 'POST',
      body: '{}',
    });
    expect(unsigned.status).toBe(401);

    const wrongSecret = new RoomServiceClient(
      server.url,
      API_KEY,
      'not-the-secret-not-the-secret-not-it',
    );
    await expect(wrongSecret.listRooms()).rejects.toBeInstanceOf(TwirpError);
    const missing = await rooms
      .getParticipant('service-a', 'nobody')
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(TwirpError);
    expect((missing as TwirpError).status).toBe(404);
  });

  it('updates, removes participants and deletes rooms, telling the clients', async () => {
    const { client: dora } = await join('dora', 'service-c');
    const { client: eve } = await join('eve', 'service-c');

    await rooms.updateParticipant('service-c', 'dora', { metadata: 'moderator', name: 'Dora' });
    const updated = await eve.next('update', (u) =>
      u.participants.some((p) => p.identity === 'dora' && p.metadata === 'moderator'),
    );
    expect(updated.participants[0]?.name).toBe('Dora');

    await rooms.removeParticipant('service-c', 'eve');
    expect((await eve.next('leave')).reason).toBe(DisconnectReason.PARTICIPANT_REMOVED);
    await dora.next('update', (u) =>
      u.participants.some(
        (p) => p.identity === 'eve' && p.state === ParticipantInfo_State.DISCONNECTED,
      ),
    );
    expect((await rooms.listParticipants('service-c')).map((p) => p.identity)).toEqual(['dora']);

    await rooms.deleteRoom('service-c');
    expect((await dora.next('leave')).reason).toBe(DisconnectReason.ROOM_DELETED);
    expect(await rooms.listRooms(['service-c'])).toEqual([]);
  });
});

describe('webhooks', () => {
  it('posts signed room_started and room_finished events that WebhookReceiver accepts', async () => {
    const { client } = await join('hook', 'webhooks');
    client.close();
    await expect
      .poll(() => sink.events('webhooks'), { timeout: 5000 })
      .toEqual(['room_started', 'room_finished']);
    expect(sink.rejected).toEqual([]);
    const deliveries = sink.accepted.filter((webhook) => webhook.event.room?.name === 'webhooks');
    for (const webhook of deliveries) {
      expect(webhook.contentType).toBe('application/webhook+json');
      expect(webhook.authorization).not.toMatch(/^Bearer /);
      expect(webhook.event.id).toMatch(/^EV_/);
      expect(Number(webhook.event.createdAt)).toBeGreaterThan(Date.now() / 1000 - 60);
    }
    expect(new Set(sink.accepted.map((webhook) => webhook.event.id)).size).toBe(
      sink.accepted.length,
    );
  });
});
