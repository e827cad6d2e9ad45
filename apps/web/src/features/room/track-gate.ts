import {
  RoomEvent,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type Room,
} from 'livekit-client';
import { darkMedia, mediaVerdict, type DarkMedia, type RemoteMediaSource } from './media-gate';
import type { ParticipantView } from './room-session';

/**
 * livekit's side of `media-gate.ts`: with E2EE the room connects with `autoSubscribe: false`
 * and this gate subscribes to exactly the publications whose participant may be played, and
 * drops (detaches and unsubscribes) a participant's tracks the moment that changes: a track
 * reported unencrypted, trust lost, the participant gone from the control channel. A track that
 * arrives subscribed anyway is detached before anything renders it.
 */
export class TrackGate {
  private dark: DarkMedia[] = [];
  private readonly wanted = new Map<string, boolean>();

  constructor(
    private readonly room: Room,
    private readonly options: {
      e2ee: boolean;
      participants: () => readonly ParticipantView[];
      onDarkMediaChanged: (dark: DarkMedia[]) => void;
    },
  ) {
    const refresh = () => this.refresh();
    room
      .on(RoomEvent.ParticipantConnected, refresh)
      .on(RoomEvent.ParticipantDisconnected, refresh)
      .on(RoomEvent.TrackPublished, refresh)
      .on(RoomEvent.TrackUnpublished, refresh)
      .on(RoomEvent.Connected, refresh)
      .on(RoomEvent.Reconnected, refresh)
      .on(RoomEvent.TrackSubscribed, (track, publication, participant) =>
        this.checkSubscribed(track, publication, participant),
      );
  }

  /** Re-decides every remote participant (call when the room session's view changed too). */
  refresh(): void {
    const participants = this.options.participants();
    const sources: RemoteMediaSource[] = [];
    for (const participant of this.room.remoteParticipants.values()) {
      const source = sourceOf(participant);
      sources.push(source);
      const play = mediaVerdict({ e2ee: this.options.e2ee, source, participants }).play;
      for (const publication of participant.trackPublications.values()) {
        this.want(publication, play);
      }
    }
    const dark = darkMedia({ e2ee: this.options.e2ee, sources, participants });
    if (JSON.stringify(dark) !== JSON.stringify(this.dark)) {
      this.dark = dark;
      this.options.onDarkMediaChanged(dark);
    }
  }

  private checkSubscribed(
    track: RemoteTrack,
    publication: RemoteTrackPublication,
    participant: RemoteParticipant,
  ): void {
    const play = mediaVerdict({
      e2ee: this.options.e2ee,
      source: sourceOf(participant),
      participants: this.options.participants(),
    }).play;
    if (play) return;
    track.detach();
    this.wanted.delete(publication.trackSid);
    this.want(publication, false);
    this.refresh();
  }

  private want(publication: RemoteTrackPublication, play: boolean): void {
    if (!this.options.e2ee) return; // autoSubscribe: livekit subscribes to everything
    if (this.wanted.get(publication.trackSid) === play) return;
    this.wanted.set(publication.trackSid, play);
    if (!play) publication.track?.detach();
    publication.setSubscribed(play);
  }
}

function sourceOf(participant: RemoteParticipant): RemoteMediaSource {
  return {
    identity: participant.identity,
    name: participant.name ?? '',
    tracksEncrypted: [...participant.trackPublications.values()].map(
      (publication) => publication.isEncrypted,
    ),
  };
}
