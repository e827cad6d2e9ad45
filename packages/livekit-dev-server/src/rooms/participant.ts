import {
  ClientConfigSetting,
  ClientConfiguration,
  Codec,
  DataPacket,
  DataPacket_Kind,
  DisconnectReason,
  Encryption_Type,
  JoinResponse,
  LeaveRequest,
  LeaveRequest_Action,
  MediaSectionsRequirement,
  ParticipantInfo,
  ParticipantInfo_State,
  ParticipantUpdate,
  Pong,
  RequestResponse,
  RequestResponse_Reason,
  RoomUpdate,
  type Room as RoomInfo,
  ServerInfo,
  ServerInfo_Edition,
  SessionDescription,
  SignalTarget,
  SimulcastCodecInfo,
  TrackInfo,
  TrackPublishedResponse,
  TrackSource,
  TrackType,
  TrickleRequest,
  VideoQuality,
  type AddTrackRequest,
  type JoinRequest,
  MuteTrackRequest,
  type ParticipantPermission,
  type ParticipantInfo_Kind,
  type UpdateParticipantMetadata,
  type UpdateSubscription,
  type UpdateTrackSettings,
} from '@livekit/protocol';
import {
  MediaStream,
  type RTCDataChannel,
  type RTCPeerConnection,
  type RTCRtpTransceiver,
} from 'werift';
import { EMULATED_SERVER_VERSION, SERVER_PROTOCOL } from '../compat';
import { newSid } from '../ids';
import { DownTrack } from '../media/down-track';
import { buildRemb, createServerPeerConnection, sendRtcpOn } from '../media/peer-connection';
import { PublishedTrack } from '../media/published-track';
import {
  keepInactiveSectionsOpen,
  summarizeMediaSections,
  withoutTransportCc,
  type MediaSectionSummary,
} from '../media/sdp';
import type { DevMediaServerLogger } from '../options';
import type { SignalConnection, SignalRequestMessage } from '../signal/connection';
import type { MediaTap } from '../tap/tap';

/**
 * One participant: its signalling connection, its single werift peer connection (on which it
 * both publishes and receives, livekit-client's single peer connection mode), the tracks it
 * publishes and the tracks it is subscribed to.
 */

export const PING_INTERVAL_SECONDS = 5;
export const PING_TIMEOUT_SECONDS = 15;
/** REMB sent to publishers: high enough never to be the limit on one machine. */
const PUBLISHER_REMB_BPS = 10_000_000;
const MAX_QUEUED_RELIABLE_PACKETS = 256;

/** What a participant needs from its room. */
export interface RoomLink {
  readonly name: string;
  roomInfo(): RoomInfo;
  visibleParticipantInfos(except: ParticipantSession): ParticipantInfo[];
  publishedTracksFor(
    subscriber: ParticipantSession,
  ): Array<{ track: PublishedTrack; publisher: ParticipantSession }>;
  participantChanged(participant: ParticipantSession): void;
  participantActive(participant: ParticipantSession): void;
  trackPublished(publisher: ParticipantSession, track: PublishedTrack): void;
  trackUnpublished(publisher: ParticipantSession, track: PublishedTrack): void;
  relayData(
    sender: ParticipantSession | undefined,
    packet: DataPacket,
    kind: DataPacket_Kind,
  ): void;
  remove(participant: ParticipantSession, reason: DisconnectReason, tellClient: boolean): void;
}

export interface ParticipantSettings {
  iceCandidateHosts: readonly string[];
  tap: MediaTap | undefined;
  logger: DevMediaServerLogger;
}

export interface ParticipantIdentity {
  identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  kind: ParticipantInfo_Kind;
  permission: ParticipantPermission;
}

interface Subscription {
  track: PublishedTrack;
  publisher: ParticipantSession;
  mid: string | undefined;
  downTrack: DownTrack | undefined;
  disabled: boolean;
  quality: VideoQuality;
  width: number;
  height: number;
}

const sourceNames: Record<number, string> = {
  [TrackSource.CAMERA]: 'camera',
  [TrackSource.MICROPHONE]: 'microphone',
  [TrackSource.SCREEN_SHARE]: 'screen_share',
  [TrackSource.SCREEN_SHARE_AUDIO]: 'screen_share_audio',
};

const encryptionNames: Record<number, string> = {
  [Encryption_Type.NONE]: 'none',
  [Encryption_Type.GCM]: 'gcm',
  [Encryption_Type.CUSTOM]: 'custom',
};

export class ParticipantSession {
  readonly sid = newSid('PA_');
  readonly identity: string;
  name: string;
  metadata: string;
  attributes: Record<string, string>;
  readonly kind: ParticipantInfo_Kind;
  permission: ParticipantPermission;
  readonly joinedAtMs = Date.now();
  state = ParticipantInfo_State.JOINING;
  disconnectReason = DisconnectReason.UNKNOWN_REASON;
  clientProtocol = 0;
  autoSubscribe = true;
  private version = 1;
  private readonly pc: RTCPeerConnection;
  private readonly publications = new Map<string, PublishedTrack>();
  private readonly pendingByCid = new Map<string, PublishedTrack>();
  /** Sending m-sections seen in an offer before their addTrack request: cid -> mid. */
  private readonly unclaimedSections = new Map<string, string>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Mids this server sends on (mid -> track sid) and mids never to be used again. */
  private readonly slotOwners = new Map<string, string>();
  private readonly retiredMids = new Set<string>();
  private lastOfferSections: MediaSectionSummary[] = [];
  private sectionsRequested = { audio: 0, video: 0 };
  private negotiating = false;
  private answered = false;
  private negotiation: Promise<void> = Promise.resolve();
  private readonly dataChannels = new Map<string, RTCDataChannel>();
  private readonly queuedReliable: Buffer[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private lastPingAt = Date.now();
  private closed = false;
  private warnedNoData = false;

  constructor(
    who: ParticipantIdentity,
    private readonly room: RoomLink,
    private readonly signal: SignalConnection,
    private readonly settings: ParticipantSettings,
    disableIceLite = false,
  ) {
    this.identity = who.identity;
    this.name = who.name;
    this.metadata = who.metadata;
    this.attributes = { ...who.attributes };
    this.kind = who.kind;
    this.permission = who.permission;
    this.pc = createServerPeerConnection({
      iceCandidateHosts: settings.iceCandidateHosts,
      iceLite: !disableIceLite,
    });
  }

  private get logger(): DevMediaServerLogger {
    return this.settings.logger;
  }

  get isActive(): boolean {
    return this.state === ParticipantInfo_State.ACTIVE;
  }

  get isHidden(): boolean {
    return this.permission.hidden;
  }

  info(): ParticipantInfo {
    return new ParticipantInfo({
      sid: this.sid,
      identity: this.identity,
      name: this.name,
      metadata: this.metadata,
      attributes: this.attributes,
      state: this.state,
      tracks: [...this.publications.values()].map((track) => track.info),
      joinedAt: BigInt(Math.floor(this.joinedAtMs / 1000)),
      joinedAtMs: BigInt(this.joinedAtMs),
      version: this.version,
      permission: this.permission,
      isPublisher: this.publications.size > 0,
      kind: this.kind,
      disconnectReason: this.disconnectReason,
      clientProtocol: this.clientProtocol,
    });
  }

  /** Marks the participant's info as changed; the room then tells everyone. */
  touch(): void {
    this.version++;
    this.room.participantChanged(this);
  }

  start(request: JoinRequest): void {
    this.clientProtocol = request.clientInfo?.clientProtocol ?? 0;
    this.autoSubscribe = request.connectionSettings?.autoSubscribe ?? true;
    if (request.metadata && this.permission.canUpdateMetadata) {
      this.metadata = request.metadata;
    }
    this.pc.onIceCandidate.subscribe((candidate) => {
      if (!candidate) return;
      this.signal.send({
        case: 'trickle',
        value: new TrickleRequest({
          candidateInit: JSON.stringify(candidate.toJSON()),
          target: SignalTarget.PUBLISHER,
        }),
      });
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && this.state !== ParticipantInfo_State.ACTIVE && !this.closed) {
        this.state = ParticipantInfo_State.ACTIVE;
        this.version++;
        this.room.participantActive(this);
        for (const subscription of this.subscriptions.values())
          subscription.downTrack?.evaluate(true);
      } else if (state === 'failed' && !this.closed) {
        this.logger.warn('peer connection failed', {
          identity: this.identity,
          ice: this.pc.iceConnectionState,
          dtls: this.pc.dtlsTransports.map((transport) => transport.state).join(','),
          secondsSinceJoin: Math.round((Date.now() - this.joinedAtMs) / 1000),
        });
        this.room.remove(this, DisconnectReason.MEDIA_FAILURE, true);
      }
    });
    this.pc.onDataChannel.subscribe((channel) => this.adoptDataChannel(channel));
    this.signal.onRequest((message) => this.handleRequest(message));
    this.signal.onClose(() => {
      // A client that leaves says so first (leave request); this is a lost connection.
      if (!this.closed) this.room.remove(this, DisconnectReason.SIGNAL_CLOSE, false);
    });

    this.state = ParticipantInfo_State.JOINED;
    this.signal.send({ case: 'join', value: this.joinResponse() });
    this.room.participantChanged(this);
    for (const { track, publisher } of this.room.publishedTracksFor(this)) {
      this.subscribe(track, publisher);
    }
    if (request.publisherOffer) {
      this.enqueueOffer(request.publisherOffer);
    }
    this.timers.push(
      setInterval(() => this.tick(), 500),
      setInterval(() => this.sendPublisherRemb(), 1000),
    );
  }

  private joinResponse(): JoinResponse {
    return new JoinResponse({
      room: this.room.roomInfo(),
      participant: this.info(),
      otherParticipants: this.room.visibleParticipantInfos(this),
      serverVersion: EMULATED_SERVER_VERSION,
      iceServers: [],
      subscriberPrimary: false,
      clientConfiguration: new ClientConfiguration({
        // Sessions cannot be resumed here: a client that loses its connection joins again.
        resumeConnection: ClientConfigSetting.DISABLED,
      }),
      pingTimeout: PING_TIMEOUT_SECONDS,
      pingInterval: PING_INTERVAL_SECONDS,
      serverInfo: new ServerInfo({
        edition: ServerInfo_Edition.Standard,
        version: EMULATED_SERVER_VERSION,
        protocol: SERVER_PROTOCOL,
        nodeId: 'conclave-livekit-dev-server',
      }),
      enabledPublishCodecs: [new Codec({ mime: 'video/VP8' }), new Codec({ mime: 'audio/opus' })],
      sifTrailer: new Uint8Array(),
    });
  }

  private tick(): void {
    if (this.closed) return;
    if (Date.now() - this.lastPingAt > PING_TIMEOUT_SECONDS * 1000) {
      this.logger.warn('participant stopped pinging, disconnecting', { identity: this.identity });
      this.room.remove(this, DisconnectReason.SIGNAL_CLOSE, true);
      return;
    }
    for (const subscription of this.subscriptions.values()) subscription.downTrack?.evaluate();
  }

  private sendPublisherRemb(): void {
    const video = [...this.publications.values()].filter(
      (track) => track.kind === 'video' && track.transceiver,
    );
    const transceiver = video[0]?.transceiver;
    const ssrcs = video.flatMap((track) => track.mediaSsrcs());
    if (!transceiver || ssrcs.length === 0) return;
    const remb = buildRemb(transceiver.receiver.rtcpSsrc, PUBLISHER_REMB_BPS, ssrcs);
    sendRtcpOn(transceiver, [remb]).catch((error: unknown) => {
      this.logger.warn('could not send REMB', { error: String(error) });
    });
  }

  private handleRequest(message: SignalRequestMessage): void {
    if (this.closed) return;
    switch (message.case) {
      case 'offer':
        this.enqueueOffer(message.value);
        break;
      case 'trickle':
        this.addRemoteCandidate(message.value);
        break;
      case 'addTrack':
        this.addTrack(message.value);
        break;
      case 'mute':
        this.muteTrack(message.value);
        break;
      case 'subscription':
        this.updateSubscription(message.value);
        break;
      case 'trackSetting':
        this.updateTrackSettings(message.value);
        break;
      case 'leave':
        this.room.remove(this, DisconnectReason.CLIENT_INITIATED, false);
        break;
      case 'updateMetadata':
        this.updateMetadata(message.value);
        break;
      case 'ping':
        this.lastPingAt = Date.now();
        this.signal.send({ case: 'pong', value: BigInt(Date.now()) });
        break;
      case 'pingReq':
        this.lastPingAt = Date.now();
        this.signal.send({
          case: 'pongResp',
          value: new Pong({
            lastPingTimestamp: message.value.timestamp,
            timestamp: BigInt(Date.now()),
          }),
        });
        break;
      case 'updateAudioTrack': {
        const track = this.publications.get(message.value.trackSid);
        if (track) {
          track.info.audioFeatures = message.value.features;
          this.touch();
        }
        break;
      }
      case 'updateVideoTrack': {
        const track = this.publications.get(message.value.trackSid);
        if (track) {
          track.info.width = message.value.width;
          track.info.height = message.value.height;
          this.touch();
        }
        break;
      }
      case 'publishDataTrackRequest':
        this.signal.send({
          case: 'requestResponse',
          value: new RequestResponse({
            reason: RequestResponse_Reason.UNSUPPORTED_TYPE,
            message: 'data tracks are not supported by the development media server',
            request: { case: 'publishDataTrack', value: message.value },
          }),
        });
        break;
      default:
        // answer (no server offers in single peer connection mode), syncState (no resume),
        // subscriptionPermission, simulate, updateLayers and data blobs are not implemented.
        break;
    }
  }

  private addRemoteCandidate(request: TrickleRequest): void {
    let candidate: unknown;
    try {
      candidate = JSON.parse(request.candidateInit);
    } catch {
      return;
    }
    if (
      !candidate ||
      typeof candidate !== 'object' ||
      !('candidate' in candidate) ||
      !candidate.candidate
    ) {
      return;
    }
    this.pc
      .addIceCandidate(candidate as Parameters<RTCPeerConnection['addIceCandidate']>[0])
      .catch((error: unknown) => {
        this.logger.warn('could not add ICE candidate', {
          identity: this.identity,
          error: String(error),
        });
      });
  }

  // --- publishing -------------------------------------------------------------------------

  private canPublishSource(source: TrackSource): boolean {
    const { canPublish, canPublishSources } = this.permission;
    return canPublish && (canPublishSources.length === 0 || canPublishSources.includes(source));
  }

  private addTrack(request: AddTrackRequest): void {
    if (!this.canPublishSource(request.source)) {
      this.logger.warn('refused to publish: no permission', {
        identity: this.identity,
        source: request.source,
      });
      this.signal.send({
        case: 'requestResponse',
        value: new RequestResponse({
          reason: RequestResponse_Reason.NOT_ALLOWED,
          message: 'the token does not allow publishing this track source',
          request: { case: 'addTrack', value: request },
        }),
      });
      return;
    }
    const existing = this.pendingByCid.get(request.cid);
    if (existing) {
      this.signal.send({
        case: 'trackPublished',
        value: new TrackPublishedResponse({ cid: request.cid, track: existing.info }),
      });
      return;
    }
    const kind = request.type === TrackType.VIDEO ? 'video' : 'audio';
    const mimeType = kind === 'video' ? 'video/VP8' : 'audio/opus';
    const info = new TrackInfo({
      sid: newSid('TR_'),
      type: request.type,
      name: request.name,
      muted: request.muted,
      width: request.width,
      height: request.height,
      simulcast: request.layers.length > 1,
      source: request.source,
      layers: request.layers,
      mimeType,
      codecs: [new SimulcastCodecInfo({ mimeType, cid: request.cid, layers: request.layers })],
      disableDtx: request.disableDtx,
      stereo: request.stereo,
      // RED is never negotiated here, whatever the client asked for.
      disableRed: true,
      encryption: request.encryption,
      stream: request.stream,
      audioFeatures: request.audioFeatures,
      backupCodecPolicy: request.backupCodecPolicy,
    });
    const track = new PublishedTrack(
      info,
      request.cid,
      {
        roomName: this.room.name,
        participantIdentity: this.identity,
        participantSid: this.sid,
        trackSid: info.sid,
        kind,
        source: sourceNames[request.source] ?? 'unknown',
        mimeType,
        declaredEncryption: encryptionNames[request.encryption] ?? 'unknown',
      },
      this.settings.tap,
      this.logger,
    );
    this.pendingByCid.set(request.cid, track);
    this.signal.send({
      case: 'trackPublished',
      value: new TrackPublishedResponse({ cid: request.cid, track: info }),
    });
    const mid = this.unclaimedSections.get(request.cid);
    if (mid !== undefined) {
      this.unclaimedSections.delete(request.cid);
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
      if (transceiver) this.bindPublication(track, transceiver);
    }
  }

  private bindPublication(track: PublishedTrack, transceiver: RTCRtpTransceiver): void {
    this.pendingByCid.delete(track.cid);
    track.info.mid = transceiver.mid ?? '';
    track.attach(transceiver);
    this.publications.set(track.sid, track);
    this.version++;
    this.room.trackPublished(this, track);
  }

  private unpublish(track: PublishedTrack): void {
    if (!this.publications.delete(track.sid)) return;
    track.close();
    this.version++;
    this.room.trackUnpublished(this, track);
  }

  private muteTrack(request: MuteTrackRequest): void {
    const track = this.publications.get(request.sid);
    if (!track || track.info.muted === request.muted) return;
    track.info.muted = request.muted;
    this.touch();
  }

  publishedTracks(): PublishedTrack[] {
    return [...this.publications.values()];
  }

  /** Server-side mute (RoomService MutePublishedTrack): the client mutes, then confirms. */
  requestMute(trackSid: string, muted: boolean): TrackInfo | undefined {
    const track = this.publications.get(trackSid);
    if (!track) return undefined;
    this.signal.send({ case: 'mute', value: new MuteTrackRequest({ sid: trackSid, muted }) });
    return track.info;
  }

  // --- negotiation ------------------------------------------------------------------------

  private enqueueOffer(offer: SessionDescription): void {
    this.negotiation = this.negotiation
      .then(() => this.answerOffer(offer))
      .catch((error: unknown) => {
        this.logger.error('negotiation failed', { identity: this.identity, error: String(error) });
      });
  }

  private async answerOffer(offer: SessionDescription): Promise<void> {
    if (this.closed) return;
    this.negotiating = true;
    try {
      const sdp = withoutTransportCc(offer.sdp);
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      const sections = summarizeMediaSections(sdp);
      this.noteNewReceiveSections(sections);
      this.lastOfferSections = sections;
      this.bindOfferedPublications(sections);
      const started = this.assignSlots();
      if (this.answered) await this.transportSettled();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.answered = true;
      const local = this.pc.localDescription?.sdp ?? answer.sdp;
      const midToTrackId: Record<string, string> = {};
      for (const [mid, trackSid] of this.slotOwners) midToTrackId[mid] = trackSid;
      this.signal.send({
        case: 'answer',
        value: new SessionDescription({
          type: 'answer',
          sdp: keepInactiveSectionsOpen(local),
          id: offer.id,
          midToTrackId,
        }),
      });
      for (const subscription of started) subscription.downTrack?.evaluate(true);
    } finally {
      this.negotiating = false;
    }
    this.requestSlotsIfNeeded();
  }

  /**
   * werift starts ICE and DTLS each time it applies an answer, and a second start while the
   * first DTLS handshake is still running fails the whole connection ("state must be new").
   * A client re-offers within milliseconds of joining when others publish, so later answers
   * wait until the connection is up (or given up on).
   */
  private async transportSettled(timeoutMs = 20_000): Promise<void> {
    const settled = (): boolean =>
      ['connected', 'failed', 'closed'].includes(this.pc.connectionState);
    if (settled()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const { unSubscribe } = this.pc.connectionStateChange.subscribe(() => {
        if (settled()) finish();
      });
      function finish(): void {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  }

  private noteNewReceiveSections(sections: MediaSectionSummary[]): void {
    const known = new Set(this.lastOfferSections.map((section) => section.mid));
    for (const section of sections) {
      if (known.has(section.mid) || section.direction !== 'recvonly') continue;
      if (section.kind === 'audio' || section.kind === 'video') {
        this.sectionsRequested[section.kind] = Math.max(
          0,
          this.sectionsRequested[section.kind] - 1,
        );
      }
    }
  }

  private bindOfferedPublications(sections: MediaSectionSummary[]): void {
    for (const section of sections) {
      if (section.kind !== 'audio' && section.kind !== 'video') continue;
      const sending =
        section.port !== 0 &&
        (section.direction === 'sendonly' || section.direction === 'sendrecv');
      const bound = [...this.publications.values()].find((track) => track.info.mid === section.mid);
      if (bound && !sending) {
        // The client removed the track from this m-section: it is unpublished.
        this.unpublish(bound);
        continue;
      }
      if (!sending || bound) continue;
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === section.mid);
      if (!transceiver) continue;
      for (const cid of section.trackIds) {
        const pending = this.pendingByCid.get(cid);
        if (pending) {
          this.bindPublication(pending, transceiver);
        } else if (![...this.publications.values()].some((track) => track.cid === cid)) {
          this.unclaimedSections.set(cid, section.mid);
        }
      }
    }
  }

  /** Gives pending subscriptions a receive-only section of the client to be sent on. */
  private assignSlots(): Subscription[] {
    const started: Subscription[] = [];
    for (const subscription of this.subscriptions.values()) {
      if (subscription.mid !== undefined) continue;
      const slot = this.freeSlots(subscription.track.kind)[0];
      if (!slot) continue;
      const transceiver = this.pc.getTransceivers().find((t) => t.mid === slot.mid);
      if (!transceiver) continue;
      transceiver.setDirection('sendonly');
      // The client reads "<participant sid>|<track sid>" from the msid to find the publication.
      transceiver.sender.setStreams([
        new MediaStream({ id: `${subscription.publisher.sid}|${subscription.track.sid}` }),
      ]);
      subscription.mid = slot.mid;
      this.slotOwners.set(slot.mid, subscription.track.sid);
      subscription.downTrack = new DownTrack(subscription.track, transceiver, this.logger);
      subscription.downTrack.updateSettings(
        subscription.disabled,
        this.layerPreference(subscription),
      );
      started.push(subscription);
    }
    return started;
  }

  private freeSlots(kind: 'audio' | 'video'): MediaSectionSummary[] {
    return this.lastOfferSections.filter(
      (section) =>
        section.kind === kind &&
        section.direction === 'recvonly' &&
        section.port !== 0 &&
        !this.slotOwners.has(section.mid) &&
        !this.retiredMids.has(section.mid),
    );
  }

  /**
   * Asks the client for another offer when subscriptions wait for a section: more receive-only
   * sections if there are not enough (MediaSectionsRequirement), or just a new offer.
   */
  private requestSlotsIfNeeded(): void {
    if (this.closed || this.negotiating) return;
    const waiting = [...this.subscriptions.values()].filter(
      (subscription) => subscription.mid === undefined,
    );
    if (waiting.length === 0) return;
    const missing = { audio: 0, video: 0 };
    let slotsReady = false;
    for (const kind of ['audio', 'video'] as const) {
      const wanted = waiting.filter((subscription) => subscription.track.kind === kind).length;
      const free = this.freeSlots(kind).length;
      if (wanted > 0 && free > 0) slotsReady = true;
      missing[kind] = Math.max(0, wanted - free - this.sectionsRequested[kind]);
      this.sectionsRequested[kind] += missing[kind];
    }
    // Sections already asked for arrive with the client's next offer.
    if (!slotsReady && missing.audio === 0 && missing.video === 0) return;
    this.signal.send({
      case: 'mediaSectionsRequirement',
      value: new MediaSectionsRequirement({ numAudios: missing.audio, numVideos: missing.video }),
    });
  }

  // --- subscribing ------------------------------------------------------------------------

  private layerPreference(subscription: Subscription): {
    quality: VideoQuality;
    width?: number;
    height?: number;
  } {
    return {
      quality: subscription.quality,
      ...(subscription.width ? { width: subscription.width } : {}),
      ...(subscription.height ? { height: subscription.height } : {}),
    };
  }

  /** A track became available; subscribes when permitted and auto-subscribe is on. */
  subscribe(track: PublishedTrack, publisher: ParticipantSession, explicit = false): void {
    if (this.closed || !this.permission.canSubscribe || this.subscriptions.has(track.sid)) return;
    if (!this.autoSubscribe && !explicit) return;
    this.subscriptions.set(track.sid, {
      track,
      publisher,
      mid: undefined,
      downTrack: undefined,
      disabled: false,
      quality: VideoQuality.HIGH,
      width: 0,
      height: 0,
    });
    if (this.pc.remoteDescription) this.requestSlotsIfNeeded();
  }

  unsubscribe(trackSid: string): void {
    const subscription = this.subscriptions.get(trackSid);
    if (!subscription) return;
    this.subscriptions.delete(trackSid);
    subscription.downTrack?.close();
    if (subscription.mid !== undefined) {
      this.slotOwners.delete(subscription.mid);
      // Not reused: the section goes inactive at the next negotiation.
      this.retiredMids.add(subscription.mid);
      this.pc
        .getTransceivers()
        .find((t) => t.mid === subscription.mid)
        ?.setDirection('recvonly');
    }
  }

  private updateSubscription(request: UpdateSubscription): void {
    const sids = [...request.trackSids, ...request.participantTracks.flatMap((p) => p.trackSids)];
    for (const sid of sids) {
      if (!request.subscribe) {
        this.unsubscribe(sid);
        continue;
      }
      const available = this.room.publishedTracksFor(this).find(({ track }) => track.sid === sid);
      if (available) this.subscribe(available.track, available.publisher, true);
    }
  }

  private updateTrackSettings(request: UpdateTrackSettings): void {
    for (const sid of request.trackSids) {
      const subscription = this.subscriptions.get(sid);
      if (!subscription) continue;
      subscription.disabled = request.disabled;
      subscription.quality = request.quality;
      subscription.width = request.width;
      subscription.height = request.height;
      subscription.downTrack?.updateSettings(request.disabled, this.layerPreference(subscription));
    }
  }

  // --- participant info -------------------------------------------------------------------

  private updateMetadata(request: UpdateParticipantMetadata): void {
    if (!this.permission.canUpdateMetadata) {
      this.signal.send({
        case: 'requestResponse',
        value: new RequestResponse({
          requestId: request.requestId,
          reason: RequestResponse_Reason.NOT_ALLOWED,
          message: 'the token does not allow updating own metadata (canUpdateOwnMetadata)',
          request: { case: 'updateMetadata', value: request },
        }),
      });
      return;
    }
    this.applyInfoUpdate({
      name: request.name,
      metadata: request.metadata,
      attributes: request.attributes,
    });
    this.signal.send({
      case: 'requestResponse',
      value: new RequestResponse({
        requestId: request.requestId,
        reason: RequestResponse_Reason.OK,
      }),
    });
  }

  /** Name, metadata and attributes from the client or from RoomService.UpdateParticipant. */
  applyInfoUpdate(update: {
    name?: string;
    metadata?: string;
    attributes?: Record<string, string>;
    permission?: ParticipantPermission;
  }): void {
    if (update.name) this.name = update.name;
    if (update.metadata !== undefined && update.metadata !== '') this.metadata = update.metadata;
    for (const [key, value] of Object.entries(update.attributes ?? {})) {
      if (value === '') {
        delete this.attributes[key];
      } else {
        this.attributes[key] = value;
      }
    }
    if (update.permission) this.permission = update.permission;
    this.touch();
  }

  sendRoomUpdate(room: RoomInfo): void {
    this.signal.send({ case: 'roomUpdate', value: new RoomUpdate({ room }) });
  }

  sendParticipantUpdate(participants: ParticipantInfo[]): void {
    this.signal.send({ case: 'update', value: new ParticipantUpdate({ participants }) });
  }

  // --- data -------------------------------------------------------------------------------

  private adoptDataChannel(channel: RTCDataChannel): void {
    this.dataChannels.set(channel.label, channel);
    channel.onMessage.subscribe((data) => {
      if (typeof data !== 'string') this.receiveData(channel.label, data);
    });
    channel.stateChanged.subscribe((state) => {
      if (state === 'open' && channel.label === '_reliable') this.flushReliable();
    });
    if (channel.readyState === 'open' && channel.label === '_reliable') this.flushReliable();
  }

  private receiveData(label: string, bytes: Buffer): void {
    if (label !== '_reliable' && label !== '_lossy') return;
    if (!this.permission.canPublishData) {
      if (!this.warnedNoData) {
        this.warnedNoData = true;
        this.logger.warn('dropping data packets: token does not allow publishing data', {
          identity: this.identity,
        });
      }
      return;
    }
    let packet: DataPacket;
    try {
      packet = DataPacket.fromBinary(bytes);
    } catch {
      return;
    }
    // The sender's identity is the server's to state, never the client's.
    packet.participantIdentity = this.identity;
    packet.participantSid = this.sid;
    if (packet.value.case === 'user') {
      packet.value.value.participantIdentity = this.identity;
      packet.value.value.participantSid = this.sid;
    }
    this.room.relayData(
      this,
      packet,
      label === '_lossy' ? DataPacket_Kind.LOSSY : DataPacket_Kind.RELIABLE,
    );
  }

  sendData(bytes: Buffer, kind: DataPacket_Kind): void {
    const channel = this.dataChannels.get(kind === DataPacket_Kind.LOSSY ? '_lossy' : '_reliable');
    if (channel?.readyState === 'open') {
      try {
        channel.send(bytes);
      } catch (error) {
        this.logger.warn('could not send data packet', {
          identity: this.identity,
          error: String(error),
        });
      }
    } else if (
      kind === DataPacket_Kind.RELIABLE &&
      this.queuedReliable.length < MAX_QUEUED_RELIABLE_PACKETS
    ) {
      this.queuedReliable.push(bytes);
    }
  }

  private flushReliable(): void {
    const channel = this.dataChannels.get('_reliable');
    while (channel?.readyState === 'open' && this.queuedReliable.length > 0) {
      const bytes = this.queuedReliable.shift();
      if (bytes) channel.send(bytes);
    }
  }

  // --- leaving ----------------------------------------------------------------------------

  /** Tells the client it has to leave (removed, room deleted, replaced by a new session). */
  sendLeave(reason: DisconnectReason): void {
    this.signal.send({
      case: 'leave',
      value: new LeaveRequest({
        canReconnect: false,
        reason,
        action: LeaveRequest_Action.DISCONNECT,
      }),
    });
  }

  /** Stops everything; the room has already taken the participant and its tracks out. */
  async close(reason: DisconnectReason): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.disconnectReason = reason;
    this.state = ParticipantInfo_State.DISCONNECTED;
    this.version++;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const subscription of this.subscriptions.values()) subscription.downTrack?.close();
    this.subscriptions.clear();
    for (const track of this.publications.values()) track.close();
    this.signal.close();
    await this.pc.close().catch(() => undefined);
  }
}
