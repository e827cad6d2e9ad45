import {
  CreateRoomRequest,
  DataPacket,
  DataPacket_Kind,
  DeleteRoomRequest,
  DeleteRoomResponse,
  DisconnectReason,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  MuteRoomTrackRequest,
  MuteRoomTrackResponse,
  RemoveParticipantResponse,
  RoomParticipantIdentity,
  SendDataRequest,
  SendDataResponse,
  UpdateParticipantRequest,
  UpdateRoomMetadataRequest,
  UserPacket,
} from '@livekit/protocol';
import type { TokenVerifier } from 'livekit-server-sdk';
import { AccessDeniedError, verifyAdminToken, type AdminNeed } from '../auth';
import type { RoomRegistry } from '../rooms/registry';
import type { Room } from '../rooms/room';

/**
 * The part of LiveKit's RoomService (Twirp over HTTP, JSON or protobuf) that Conclave's API
 * uses, authorised like LiveKit: a Bearer JWT with roomList, roomCreate or roomAdmin for the
 * room. Errors are Twirp errors ({ code, msg }) so that RoomServiceClient raises them.
 */

export interface TwirpRequest {
  method: string;
  contentType: string;
  body: Buffer;
  authorization: string | undefined;
}

export interface TwirpReply {
  status: number;
  contentType: string;
  body: Buffer | string;
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface ProtoMessage {
  toJsonString(): string;
  toBinary(): Uint8Array;
}

interface ProtoClass<T> {
  fromJsonString(json: string, options?: { ignoreUnknownFields: boolean }): T;
  fromBinary(bytes: Uint8Array): T;
}

interface Method<T> {
  request: ProtoClass<T>;
  need(request: T): AdminNeed;
  run(request: T): Promise<ProtoMessage> | ProtoMessage;
}

function method<T>(definition: Method<T>): Method<unknown> {
  return definition;
}

export function createRoomService(registry: RoomRegistry, verifier: TokenVerifier) {
  const roomNamed = (name: string): Room => {
    const room = registry.get(name);
    if (!room || room.isFinished)
      throw new TwirpError(404, 'not_found', `room "${name}" not found`);
    return room;
  };
  const participantOf = (roomName: string, identity: string) => {
    const participant = roomNamed(roomName).participant(identity);
    if (!participant) throw new TwirpError(404, 'not_found', `participant "${identity}" not found`);
    return participant;
  };

  const methods: Record<string, Method<unknown>> = {
    ListRooms: method({
      request: ListRoomsRequest,
      need: () => ({ roomList: true }),
      run: (request) =>
        new ListRoomsResponse({
          rooms: registry
            .list()
            .filter(
              (room) =>
                !room.isFinished &&
                (request.names.length === 0 || request.names.includes(room.name)),
            )
            .map((room) => room.roomInfo()),
        }),
    }),
    CreateRoom: method({
      request: CreateRoomRequest,
      need: () => ({ roomCreate: true }),
      run: (request) => {
        if (!request.name) throw new TwirpError(400, 'invalid_argument', 'room name is required');
        const { room, created } = registry.getOrCreate(request.name);
        if (request.metadata) room.metadata = request.metadata;
        if (created) room.expectParticipants();
        return room.roomInfo();
      },
    }),
    DeleteRoom: method({
      request: DeleteRoomRequest,
      need: () => ({ roomCreate: true }),
      run: async (request) => {
        await roomNamed(request.room).close(DisconnectReason.ROOM_DELETED);
        return new DeleteRoomResponse();
      },
    }),
    UpdateRoomMetadata: method({
      request: UpdateRoomMetadataRequest,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => {
        const room = roomNamed(request.room);
        room.metadata = request.metadata;
        room.broadcastRoomUpdate();
        return room.roomInfo();
      },
    }),
    ListParticipants: method({
      request: ListParticipantsRequest,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) =>
        new ListParticipantsResponse({
          participants: roomNamed(request.room)
            .participantList()
            .map((participant) => participant.info()),
        }),
    }),
    GetParticipant: method({
      request: RoomParticipantIdentity,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => participantOf(request.room, request.identity).info(),
    }),
    RemoveParticipant: method({
      request: RoomParticipantIdentity,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => {
        const participant = participantOf(request.room, request.identity);
        roomNamed(request.room).remove(participant, DisconnectReason.PARTICIPANT_REMOVED, true);
        return new RemoveParticipantResponse();
      },
    }),
    UpdateParticipant: method({
      request: UpdateParticipantRequest,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => {
        const participant = participantOf(request.room, request.identity);
        participant.applyInfoUpdate({
          name: request.name,
          metadata: request.metadata,
          attributes: request.attributes,
          ...(request.permission ? { permission: request.permission } : {}),
        });
        return participant.info();
      },
    }),
    MutePublishedTrack: method({
      request: MuteRoomTrackRequest,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => {
        const track = participantOf(request.room, request.identity).requestMute(
          request.trackSid,
          request.muted,
        );
        if (!track) throw new TwirpError(404, 'not_found', `track "${request.trackSid}" not found`);
        return new MuteRoomTrackResponse({ track });
      },
    }),
    SendData: method({
      request: SendDataRequest,
      need: (request) => ({ roomAdmin: request.room }),
      run: (request) => {
        const room = roomNamed(request.room);
        const packet = new DataPacket({
          kind: request.kind,
          destinationIdentities: request.destinationIdentities,
          value: {
            case: 'user',
            value: new UserPacket({
              payload: request.data,
              destinationIdentities: request.destinationIdentities,
              ...(request.topic !== undefined ? { topic: request.topic } : {}),
              nonce: request.nonce,
            }),
          },
        });
        room.relayData(
          undefined,
          packet,
          request.kind === DataPacket_Kind.LOSSY ? DataPacket_Kind.LOSSY : DataPacket_Kind.RELIABLE,
        );
        return new SendDataResponse();
      },
    }),
  };

  return async function handleTwirp(request: TwirpRequest): Promise<TwirpReply> {
    const binary = request.contentType.startsWith('application/protobuf');
    try {
      const definition = methods[request.method];
      if (!definition)
        throw new TwirpError(
          404,
          'bad_route',
          `RoomService method "${request.method}" is not implemented by the development media server`,
        );
      let message: unknown;
      try {
        message = binary
          ? definition.request.fromBinary(request.body)
          : definition.request.fromJsonString(request.body.toString('utf8') || '{}', {
              ignoreUnknownFields: true,
            });
      } catch (error) {
        throw new TwirpError(
          400,
          'malformed',
          `request body is not a valid ${request.method} request: ${String(error)}`,
        );
      }
      try {
        await verifyAdminToken(verifier, request.authorization, definition.need(message));
      } catch (error) {
        if (error instanceof AccessDeniedError) {
          throw new TwirpError(
            error.status,
            error.status === 401 ? 'unauthenticated' : 'permission_denied',
            error.message,
          );
        }
        throw error;
      }
      const response = await definition.run(message);
      return binary
        ? {
            status: 200,
            contentType: 'application/protobuf',
            body: Buffer.from(response.toBinary()),
          }
        : { status: 200, contentType: 'application/json', body: response.toJsonString() };
    } catch (error) {
      const twirp =
        error instanceof TwirpError ? error : new TwirpError(500, 'internal', String(error));
      return {
        status: twirp.status,
        contentType: 'application/json',
        body: JSON.stringify({ code: twirp.code, msg: twirp.message }),
      };
    }
  };
}
