import {
  DataPacket_Kind,
  DisconnectReason,
  Room as RoomInfo,
  type DataPacket,
  type ParticipantInfo,
} from '@livekit/protocol';
import { newSid } from '../ids';
import type { PublishedTrack } from '../media/published-track';
import type { DevMediaServerLogger } from '../options';
import type { WebhookNotifier } from '../webhooks';
import type { ParticipantSession, RoomLink } from './participant';

export interface RoomSettings {
  departureTimeoutSeconds: number;
  /** How long a room created through RoomService waits for its first participant. */
  emptyTimeoutSeconds: number;
  notifier: WebhookNotifier;
  logger: DevMediaServerLogger;
  /** Called once the room has finished (room_finished sent). */
  onFinished(room: Room): void;
}

/** A LiveKit room: who is in it, who sees whom, who receives which track, when it ends. */
export class Room implements RoomLink {
  readonly sid = newSid('RM_');
  readonly createdAtMs = Date.now();
  metadata = '';
  private readonly participants = new Map<string, ParticipantSession>();
  private finishTimer: NodeJS.Timeout | undefined;
  private finished = false;
  /** Participant removals in flight, so that closing the server can wait for them. */
  private readonly removals = new Set<Promise<void>>();

  constructor(
    readonly name: string,
    private readonly settings: RoomSettings,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  roomInfo(): RoomInfo {
    const participants = [...this.participants.values()];
    return new RoomInfo({
      sid: this.sid,
      name: this.name,
      emptyTimeout: this.settings.emptyTimeoutSeconds,
      departureTimeout: this.settings.departureTimeoutSeconds,
      creationTime: BigInt(Math.floor(this.createdAtMs / 1000)),
      creationTimeMs: BigInt(this.createdAtMs),
      metadata: this.metadata,
      numParticipants: participants.filter((p) => !p.isHidden).length,
      numPublishers: participants.filter((p) => p.publishedTracks().length > 0).length,
    });
  }

  /** Starts the countdown for a room that nobody has joined yet (RoomService.CreateRoom). */
  expectParticipants(): void {
    this.scheduleFinish(this.settings.emptyTimeoutSeconds);
  }

  participant(identity: string): ParticipantSession | undefined {
    return this.participants.get(identity);
  }

  participantList(): ParticipantSession[] {
    return [...this.participants.values()];
  }

  /** Adds a participant; one already there with the same identity is replaced, as in LiveKit. */
  add(participant: ParticipantSession): void {
    clearTimeout(this.finishTimer);
    this.finishTimer = undefined;
    const previous = this.participants.get(participant.identity);
    if (previous) {
      this.remove(previous, DisconnectReason.DUPLICATE_IDENTITY, true);
    }
    this.participants.set(participant.identity, participant);
  }

  visibleParticipantInfos(except: ParticipantSession): ParticipantInfo[] {
    return this.participantList()
      .filter((p) => p !== except && !p.isHidden)
      .map((p) => p.info());
  }

  publishedTracksFor(
    subscriber: ParticipantSession,
  ): Array<{ track: PublishedTrack; publisher: ParticipantSession }> {
    return this.participantList()
      .filter((p) => p !== subscriber)
      .flatMap((publisher) => publisher.publishedTracks().map((track) => ({ track, publisher })));
  }

  /** Sends a participant's current info to everyone who may see it, itself included. */
  participantChanged(participant: ParticipantSession): void {
    const info = participant.info();
    for (const other of this.participants.values()) {
      if (other === participant || !participant.isHidden) other.sendParticipantUpdate([info]);
    }
  }

  participantActive(participant: ParticipantSession): void {
    this.participantChanged(participant);
    this.settings.notifier.notify('participant_joined', {
      room: this.roomInfo(),
      participant: participant.info(),
    });
  }

  trackPublished(publisher: ParticipantSession, track: PublishedTrack): void {
    // The update that announces the track goes out before any answer that carries it.
    this.participantChanged(publisher);
    for (const other of this.participants.values()) {
      if (other !== publisher) other.subscribe(track, publisher);
    }
    this.settings.notifier.notify('track_published', {
      room: this.roomInfo(),
      participant: publisher.info(),
      track: track.info,
    });
  }

  trackUnpublished(publisher: ParticipantSession, track: PublishedTrack): void {
    for (const other of this.participants.values()) other.unsubscribe(track.sid);
    this.participantChanged(publisher);
    this.settings.notifier.notify('track_unpublished', {
      room: this.roomInfo(),
      participant: publisher.info(),
      track: track.info,
    });
  }

  /** Relays a data packet to its destinations (everyone else when it names none); no sender: from the server. */
  relayData(
    sender: ParticipantSession | undefined,
    packet: DataPacket,
    kind: DataPacket_Kind,
  ): void {
    const destinations = new Set(packet.destinationIdentities);
    if (packet.value.case === 'user') {
      for (const identity of packet.value.value.destinationIdentities) destinations.add(identity);
    }
    const bytes = Buffer.from(packet.toBinary());
    for (const other of this.participants.values()) {
      if (other === sender) continue;
      if (destinations.size > 0 && !destinations.has(other.identity)) continue;
      other.sendData(
        bytes,
        kind === DataPacket_Kind.LOSSY ? DataPacket_Kind.LOSSY : DataPacket_Kind.RELIABLE,
      );
    }
  }

  broadcastRoomUpdate(): void {
    const info = this.roomInfo();
    for (const participant of this.participants.values()) participant.sendRoomUpdate(info);
  }

  /**
   * Takes a participant out: its tracks leave everyone's subscriptions, everyone learns it is
   * gone, webhooks follow. `tellClient` sends it a leave first (server-side removals).
   */
  remove(participant: ParticipantSession, reason: DisconnectReason, tellClient: boolean): void {
    if (this.participants.get(participant.identity) !== participant) return;
    this.participants.delete(participant.identity);
    if (tellClient) participant.sendLeave(reason);
    const wasActive = participant.isActive;
    const tracks = participant.publishedTracks();
    for (const other of this.participants.values()) {
      for (const track of tracks) other.unsubscribe(track.sid);
    }
    const removal = participant.close(reason).then(() => {
      const info = participant.info();
      if (!participant.isHidden) {
        for (const other of this.participants.values()) other.sendParticipantUpdate([info]);
      }
      for (const track of tracks) {
        this.settings.notifier.notify('track_unpublished', {
          room: this.roomInfo(),
          participant: info,
          track: track.info,
        });
      }
      if (wasActive) {
        this.settings.notifier.notify('participant_left', {
          room: this.roomInfo(),
          participant: info,
        });
      }
      if (this.participants.size === 0 && !this.finished) {
        this.scheduleFinish(this.settings.departureTimeoutSeconds);
      }
    });
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  private scheduleFinish(seconds: number): void {
    clearTimeout(this.finishTimer);
    const finish = (): void => {
      if (this.participants.size === 0) this.finish();
    };
    if (seconds <= 0) {
      finish();
    } else {
      this.finishTimer = setTimeout(finish, seconds * 1000);
    }
  }

  /** Ends the room: everyone is removed (RoomService.DeleteRoom, server shutdown) or it is empty. */
  async close(reason: DisconnectReason): Promise<void> {
    clearTimeout(this.finishTimer);
    for (const participant of this.participantList()) this.remove(participant, reason, true);
    await Promise.all([...this.removals]);
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.finishTimer);
    this.settings.notifier.notify('room_finished', { room: this.roomInfo() });
    this.settings.onFinished(this);
  }
}
