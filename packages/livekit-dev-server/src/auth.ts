import { ParticipantInfo_Kind, ParticipantPermission, TrackSource } from '@livekit/protocol';
import { TokenVerifier, type ClaimGrants, type VideoGrant } from 'livekit-server-sdk';

/** A refusal with the HTTP status LiveKit answers with; the message reaches the client. */
export class AccessDeniedError extends Error {
  readonly status: 401 | 403;

  constructor(status: 401 | 403, message: string) {
    super(message);
    this.name = 'AccessDeniedError';
    this.status = status;
  }
}

export interface JoinGrant {
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  room: string;
  kind: ParticipantInfo_Kind;
  permission: ParticipantPermission;
}

const sourcesByName: Record<string, TrackSource> = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

const kindsByName: Record<string, ParticipantInfo_Kind> = {
  standard: ParticipantInfo_Kind.STANDARD,
  ingress: ParticipantInfo_Kind.INGRESS,
  egress: ParticipantInfo_Kind.EGRESS,
  sip: ParticipantInfo_Kind.SIP,
  agent: ParticipantInfo_Kind.AGENT,
};

export function createTokenVerifier(apiKey: string, apiSecret: string): TokenVerifier {
  return new TokenVerifier(apiKey, apiSecret);
}

async function verify(verifier: TokenVerifier, token: string): Promise<ClaimGrants> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AccessDeniedError(401, `invalid token: ${reason}`);
  }
}

/** LiveKit's defaults: publish, subscribe and data are allowed unless the grant says otherwise. */
export function permissionFromGrant(video: VideoGrant): ParticipantPermission {
  const sources: unknown[] = Array.isArray(video.canPublishSources) ? video.canPublishSources : [];
  return new ParticipantPermission({
    canPublish: video.canPublish ?? true,
    canSubscribe: video.canSubscribe ?? true,
    canPublishData: video.canPublishData ?? true,
    canPublishSources: sources.flatMap((source) => {
      const mapped = typeof source === 'string' ? sourcesByName[source] : undefined;
      return mapped === undefined ? [] : [mapped];
    }),
    canUpdateMetadata: video.canUpdateOwnMetadata ?? false,
    hidden: video.hidden ?? false,
  });
}

export async function verifyJoinToken(verifier: TokenVerifier, token: string): Promise<JoinGrant> {
  if (!token) {
    throw new AccessDeniedError(401, 'no access token given');
  }
  const claims = await verify(verifier, token);
  const video = claims.video ?? {};
  if (!video.roomJoin) {
    throw new AccessDeniedError(403, 'token has no roomJoin grant');
  }
  if (!video.room) {
    throw new AccessDeniedError(403, 'token grants no room');
  }
  if (!claims.sub) {
    throw new AccessDeniedError(401, 'token has no identity (sub)');
  }
  return {
    identity: claims.sub,
    name: claims.name ?? '',
    metadata: claims.metadata ?? '',
    attributes: claims.attributes ?? {},
    room: video.room,
    kind: kindsByName[claims.kind ?? 'standard'] ?? ParticipantInfo_Kind.STANDARD,
    permission: permissionFromGrant(video),
  };
}

export type AdminNeed = { roomAdmin: string } | { roomList: true } | { roomCreate: true };

/** Checks a RoomService call's `Authorization: Bearer <jwt>` the way LiveKit does. */
export async function verifyAdminToken(
  verifier: TokenVerifier,
  authorization: string | undefined,
  need: AdminNeed,
): Promise<ClaimGrants> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new AccessDeniedError(401, 'authorization header is missing or not a Bearer token');
  }
  const claims = await verify(verifier, match[1]);
  const video = claims.video ?? {};
  if ('roomAdmin' in need) {
    if (!video.roomAdmin || video.room !== need.roomAdmin) {
      throw new AccessDeniedError(403, `token has no roomAdmin grant for room "${need.roomAdmin}"`);
    }
  } else if ('roomList' in need) {
    if (!video.roomList) {
      throw new AccessDeniedError(403, 'token has no roomList grant');
    }
  } else if (!video.roomCreate) {
    throw new AccessDeniedError(403, 'token has no roomCreate grant');
  }
  return claims;
}
