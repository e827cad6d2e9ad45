import { TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it, vi } from 'vitest';
import { issueLivekitToken, parseRoomName, roomNameFor, LIVEKIT_TOKEN_TTL_SECONDS } from './tokens';

const credentials = {
  url: 'ws://127.0.0.1:7880',
  apiKey: 'APItest',
  apiSecret: 'a-secret-of-at-least-thirty-two-characters!',
};
const meetingId = '6f0e2c1a-8b7d-4c3e-9f21-0a1b2c3d4e5f';
const roomName = roomNameFor(meetingId, '20261201T090000Z');

describe("LiveKit tokens, decoded with the SDK's TokenVerifier", () => {
  it('a participant may join this room, publish, subscribe and send data, not moderate', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { token, expiresAt } = await issueLivekitToken(credentials, {
      roomName,
      identity: 'guest-1234',
      displayName: 'Gail Guest',
      kind: 'guest',
      role: 'participant',
      meetingId,
      occurrenceId: '20261201T090000Z',
    });
    const claims = await new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(token);
    expect(claims.sub).toBe('guest-1234');
    expect(claims.name).toBe('Gail Guest');
    expect(claims.video).toEqual({
      room: roomName,
      roomJoin: true,
      canPublish: true,
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: false,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
    });
    expect(JSON.parse(claims.metadata ?? '')).toEqual({
      kind: 'guest',
      role: 'participant',
      displayName: 'Gail Guest',
      meetingId,
      occurrenceId: '20261201T090000Z',
    });
    expect(claims.exp! - claims.nbf!).toBe(LIVEKIT_TOKEN_TTL_SECONDS);
    expect(claims.exp).toBeGreaterThanOrEqual(before + LIVEKIT_TOKEN_TTL_SECONDS);
    expect(Math.abs(expiresAt.getTime() / 1000 - claims.exp!)).toBeLessThan(2);
    expect(claims.iss).toBe(credentials.apiKey);
  });

  it('a host gets the same grants as everyone: no roomAdmin, no room creation, listing or recording', async () => {
    const subject = {
      roomName,
      identity: '11111111-2222-4333-8444-555555555555',
      displayName: 'Hannah Host',
      kind: 'member' as const,
      meetingId,
      occurrenceId: '20261201T090000Z',
    };
    const verifier = new TokenVerifier(credentials.apiKey, credentials.apiSecret);
    const host = await verifier.verify(
      (await issueLivekitToken(credentials, { ...subject, role: 'host' })).token,
    );
    const participant = await verifier.verify(
      (await issueLivekitToken(credentials, { ...subject, role: 'participant' })).token,
    );
    expect(host.video).toEqual(participant.video);
    expect(host.video).toMatchObject({
      room: roomName,
      roomJoin: true,
      roomAdmin: false,
      roomCreate: false,
      roomList: false,
      roomRecord: false,
      canUpdateOwnMetadata: false,
    });
    expect(JSON.parse(host.metadata ?? '')).toMatchObject({ role: 'host' });
  });

  it('a token signed with another secret does not verify', async () => {
    const { token } = await issueLivekitToken(
      { ...credentials, apiSecret: 'x'.repeat(40) },
      {
        roomName,
        identity: 'someone',
        displayName: 'Someone',
        kind: 'guest',
        role: 'participant',
        meetingId,
        occurrenceId: '20261201T090000Z',
      },
    );
    await expect(
      new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(token),
    ).rejects.toThrow();
  });

  it('an expired token is refused by the verifier', async () => {
    const { token } = await issueLivekitToken(
      credentials,
      {
        roomName,
        identity: 'x',
        displayName: 'X',
        kind: 'guest',
        role: 'participant',
        meetingId,
        occurrenceId: '20261201T090000Z',
      },
      { ttlSeconds: 1 },
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 60_000);
      await expect(
        new TokenVerifier(credentials.apiKey, credentials.apiSecret).verify(token, 0),
      ).rejects.toThrow(/exp/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('room names name one occurrence of one meeting, and parse back', () => {
    expect(roomName).toBe(`conclave-${meetingId}-20261201T090000Z`);
    expect(parseRoomName(roomName)).toEqual({ meetingId, occurrenceId: '20261201T090000Z' });
    expect(parseRoomName('someone-elses-room')).toBeNull();
    expect(parseRoomName(`conclave-${meetingId}-2026-12-01`)).toBeNull();
  });
});
