import { AccessToken, type VideoGrant } from 'livekit-server-sdk';

/**
 * LiveKit access tokens (livekit-server-sdk's AccessToken, a JWT signed with the API secret).
 * The API issues one only to a participant who is admitted to an occurrence whose join window
 * is open (services/meetings/access.ts decides); the grant is for that occurrence's room
 * alone. Tokens are short-lived: LiveKit checks them when a client connects and refreshes them
 * itself for connected clients, so a leaked token is of little use for long.
 *
 * No LiveKit server can run on the machines this was built on (see docs/meetings.md): the
 * grants are checked by decoding tokens with the SDK's own TokenVerifier and by the
 * development media server, which enforces the same grants.
 */
export const LIVEKIT_TOKEN_TTL_SECONDS = 10 * 60;

export interface LivekitCredentials {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export interface TokenSubject {
  roomName: string;
  /** The LiveKit identity: the user id for members, the guest id for guests. */
  identity: string;
  displayName: string;
  kind: 'member' | 'guest';
  role: 'host' | 'participant';
  meetingId: string;
  occurrenceId: string;
}

/**
 * What the participant may do in the media room: join this room, publish, subscribe and send
 * data; nothing more, hosts included. Hosts moderate through the control channel: they ask
 * someone to mute (the participant's own browser mutes, DESIGN.md: hosts request, they do not
 * force), and removing someone is the API's own RoomService call with the API key, after the
 * hub checked the host. A host's token with `roomAdmin` could instead mute, remove or
 * re-permission anyone through LiveKit directly, around the audit log and the control channel.
 */
export function grantsFor(subject: Pick<TokenSubject, 'roomName' | 'role'>): VideoGrant {
  return {
    room: subject.roomName,
    roomJoin: true,
    canPublish: true,
    canSubscribe: true,
    canPublishData: true,
    canUpdateOwnMetadata: false,
    roomAdmin: false,
    roomCreate: false,
    roomList: false,
    roomRecord: false,
  };
}

export async function issueLivekitToken(
  credentials: LivekitCredentials,
  subject: TokenSubject,
  options: { ttlSeconds?: number; nowMs?: number } = {},
): Promise<{ token: string; expiresAt: Date }> {
  const ttlSeconds = options.ttlSeconds ?? LIVEKIT_TOKEN_TTL_SECONDS;
  const token = new AccessToken(credentials.apiKey, credentials.apiSecret, {
    identity: subject.identity,
    name: subject.displayName,
    ttl: ttlSeconds,
    // Public to everyone in the room (LiveKit shows metadata to all participants): nothing secret.
    metadata: JSON.stringify({
      kind: subject.kind,
      role: subject.role,
      displayName: subject.displayName,
      meetingId: subject.meetingId,
      occurrenceId: subject.occurrenceId,
    }),
  });
  token.addGrant(grantsFor(subject));
  const jwt = await token.toJwt();
  return { token: jwt, expiresAt: new Date((options.nowMs ?? Date.now()) + ttlSeconds * 1000) };
}

/** The room of one occurrence: `conclave-<meeting id>-<occurrence id>`. */
export function roomNameFor(meetingId: string, occurrenceId: string): string {
  return `conclave-${meetingId}-${occurrenceId}`;
}

const ROOM_NAME =
  /^conclave-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d{8}T\d{6}Z)$/;

export function parseRoomName(name: string): { meetingId: string; occurrenceId: string } | null {
  const match = ROOM_NAME.exec(name);
  return match?.[1] && match[2] ? { meetingId: match[1], occurrenceId: match[2] } : null;
}
