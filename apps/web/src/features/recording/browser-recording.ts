import {
  toBase64Url,
  type Identity,
  type RecordingEnvelope,
  type RecordingSeal,
  type Signed,
} from '@conclave/crypto';
import { createRecordingResponseSchema } from '@conclave/contracts';
import { RoomEvent, Track, type Participant, type Room } from 'livekit-client';
import { api, csrfHeaders, errorMessage } from '../../lib/api';
import type { MeetingRoomController } from '../room/meeting-room-controller';
import { MediaCompositor, type CompositionSource } from './compositor';
import type { KnownParticipant } from './consent-trust';
import type { ConsentSigner } from './consent-signer';
import { MediaRecorderCapture, pickMimeType } from './media-capture';
import type { HostPinCheck } from './recipient-check';
import type { MediaPipeline, RecorderPorts } from './recorder-run';
import { TusRecordingUpload } from './recording-upload';
import { RecordingRoom, type RecordingPolicyView, type RoomRoster } from './recording-room';

/**
 * The browser's wiring of recording into a meeting room: the roster from the room's own trust
 * checks, the control channel, the API, tus, and the livekit tracks (decrypted by the E2EE
 * worker) that the compositor draws. Nothing here decides anything; recording-room.ts and
 * recorder-run.ts do.
 */

export interface RecordingIdentity {
  signer: ConsentSigner;
  /** Members: their identity (to seal and sign as recorder). Guests cannot record. */
  member: {
    userId: string;
    identity: Identity;
    /** The X25519 key (base64url) this browser pinned for a colleague, if any. */
    pinnedExchangeKey: (userId: string) => string | null;
  } | null;
  /** My own Ed25519 key as others check it (identity key, or a guest's bound ephemeral key). */
  signingPublicKey: Uint8Array;
}

export function createRoomRecording(
  controller: MeetingRoomController,
  identity: RecordingIdentity,
  policy: RecordingPolicyView | null,
): { recording: RecordingRoom; dispose: () => void } {
  const session = controller.session;
  const roster = sessionRoster(controller, identity);
  const recording = new RecordingRoom({
    roster,
    send: (message) => controller.sendControl(message),
    signer: identity.signer,
    recorder: identity.member ? recorderPorts(controller, identity.member) : null,
    policy,
    log: (message) => console.warn(`[recording] ${message}`),
  });
  const stopMessages = controller.onServerMessage((message) => recording.handle(message));
  const stopSession = session.subscribe(() => recording.rosterChanged());
  return {
    recording,
    dispose: () => {
      stopMessages();
      stopSession();
      recording.dispose();
    },
  };
}

function sessionRoster(controller: MeetingRoomController, identity: RecordingIdentity): RoomRoster {
  const session = controller.session;
  const known = (id: string): KnownParticipant | null => {
    const view = session.view().participants.find((p) => p.id === id && !p.isSelf);
    if (!view) return null;
    const keys = session.verifiedKeys(id);
    return {
      id: view.id,
      kind: view.kind,
      displayName: view.displayName,
      role: view.role,
      verified: keys !== null,
      signingPublicKey: keys?.signingPublicKey ?? null,
      exchangePublicKey: keys?.exchangePublicKey ?? null,
    };
  };
  return {
    self: () => {
      const self = session.view().self;
      if (!self) return null;
      return {
        id: self.id,
        kind: self.kind,
        displayName: self.displayName,
        role: self.role,
        verified: true,
        signingPublicKey: identity.signingPublicKey,
        exchangePublicKey: identity.member?.identity.exchangePublicKey ?? null,
      };
    },
    participant: known,
    participants: () =>
      session
        .view()
        .participants.filter((p) => !p.isSelf)
        .map((p) => known(p.id))
        .filter((p): p is KnownParticipant => p !== null),
    meetingId: () => session.view().meeting?.meetingId ?? null,
    occurrenceId: () => session.view().meeting?.occurrenceId ?? null,
    linkSecret: () => session.knownLinkSecret,
  };
}

function recorderPorts(
  controller: MeetingRoomController,
  member: NonNullable<RecordingIdentity['member']>,
): RecorderPorts {
  let headers: Record<string, string> = {};
  return {
    self: { userId: member.userId, identity: member.identity },
    api: {
      create: async ({ meetingId, occurrence, mode, mimeType }) => {
        headers = await csrfHeaders();
        return api(`/meetings/${encodeURIComponent(meetingId)}/recordings`, {
          method: 'POST',
          body: { ...(occurrence ? { occurrence } : {}), mode, mimeType },
          schema: createRecordingResponseSchema,
        });
      },
      putEnvelope: async (recordingId, envelope: Signed<RecordingEnvelope>) => {
        await api(`/recordings/${encodeURIComponent(recordingId)}/envelope`, {
          method: 'PUT',
          body: { envelope },
        });
      },
      seal: async (recordingId, seal: Signed<RecordingSeal>) => {
        await api(`/recordings/${encodeURIComponent(recordingId)}/seal`, {
          method: 'POST',
          body: { seal },
        });
      },
    },
    media: {
      mimeTypeFor: (mode) => pickMimeType(mode),
      open: (mode, mimeType) => {
        const room = controller.livekitRoom();
        if (!room) throw new Error('media is not connected');
        return livekitPipeline(room, mode, mimeType, controller);
      },
    },
    createUpload: (recordingId) =>
      new TusRecordingUpload({
        endpoint: `${window.location.origin}/api/recordings/${encodeURIComponent(recordingId)}/upload`,
        headers,
      }),
    pinCheck: (userId, key): HostPinCheck => {
      const pinned = member.pinnedExchangeKey(userId);
      if (pinned === null) return 'new';
      return pinned === toBase64Url(key) ? 'same' : 'changed';
    },
    describeError: errorMessage,
  };
}

/** The compositor fed from livekit: decrypted remote tracks and my own camera and microphone. */
function livekitPipeline(
  room: Room,
  mode: 'video' | 'audio',
  mimeType: string,
  controller: MeetingRoomController,
): MediaPipeline {
  const compositor = new MediaCompositor({ mode });
  void compositor.resume();
  let included: readonly string[] = [];
  const names = () =>
    new Map(controller.session.view().participants.map((p) => [p.id, p.displayName]));
  const trackOf = (participant: Participant | undefined, source: Track.Source) => {
    const track = participant?.getTrackPublication(source)?.track;
    return track && !track.isMuted ? track.mediaStreamTrack : null;
  };
  const apply = () => {
    const byId = names();
    const sources: CompositionSource[] = included.map((id) => {
      const participant: Participant | undefined =
        room.localParticipant.identity === id
          ? room.localParticipant
          : room.remoteParticipants.get(id);
      return {
        id,
        name: byId.get(id) ?? id,
        video: mode === 'video' ? trackOf(participant, Track.Source.Camera) : null,
        audio: trackOf(participant, Track.Source.Microphone),
      };
    });
    compositor.setSources(sources);
  };
  const speakers = (active: Participant[]) => compositor.setSpeaker(active[0]?.identity ?? null);
  const events = [
    RoomEvent.TrackSubscribed,
    RoomEvent.TrackUnsubscribed,
    RoomEvent.TrackMuted,
    RoomEvent.TrackUnmuted,
    RoomEvent.LocalTrackPublished,
    RoomEvent.LocalTrackUnpublished,
    RoomEvent.ParticipantDisconnected,
  ] as const;
  for (const event of events) room.on(event, apply);
  room.on(RoomEvent.ActiveSpeakersChanged, speakers);
  return {
    capture: new MediaRecorderCapture(compositor.stream(), mimeType),
    setIncluded: (ids) => {
      included = [...ids];
      apply();
    },
    dispose: () => {
      for (const event of events) room.off(event, apply);
      room.off(RoomEvent.ActiveSpeakersChanged, speakers);
      compositor.dispose();
    },
  };
}
