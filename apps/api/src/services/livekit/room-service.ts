import { RoomServiceClient, TwirpError } from 'livekit-server-sdk';
import type { MediaControl } from '../control-channel/hub';
import type { LivekitCredentials } from './tokens';

/**
 * Host actions that need the media server, through LiveKit's RoomService (Twirp over HTTP,
 * authorised with a token the SDK signs). Someone already gone from the media room, or a room
 * that never started, is not an error: the control channel has removed them anyway.
 *
 * Tested against the development media server (packages/livekit-dev-server), which serves the
 * same Twirp methods; no real LiveKit server can run where this was written.
 */
export function livekitMediaControl(credentials: LivekitCredentials): MediaControl & {
  client: RoomServiceClient;
} {
  const client = new RoomServiceClient(credentials.url, credentials.apiKey, credentials.apiSecret);
  const ignoreNotFound = (error: unknown) => {
    if (error instanceof TwirpError && (error.code === 'not_found' || error.status === 404)) return;
    throw error;
  };
  return {
    client,
    async removeParticipant(roomName, identity) {
      await client.removeParticipant(roomName, identity).catch(ignoreNotFound);
    },
    async endRoom(roomName) {
      await client.deleteRoom(roomName).catch(ignoreNotFound);
    },
  };
}
