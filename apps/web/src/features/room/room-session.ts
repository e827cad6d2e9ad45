import {
  computeSecurityCode,
  decryptSenderKey,
  encryptSenderKey,
  fromBase64Url,
  isCryptoError,
  randomBytes,
  toBase64Url,
  type PublicIdentity,
} from '@conclave/crypto';
import {
  isRoomChannel,
  parseRoomPayload,
  ROOM_CHANNELS,
  type ClientMessage,
  type LobbyEntry,
  type Participant,
  type RoomChannel,
  type RoomContent,
  type RoomPayloads,
  type ServerMessage,
} from '@conclave/contracts';
import { systemClock, type Clock, type TimerHandle } from './clock';
import { ReceivedKeyring } from './received-keys';
import { assessParticipant, type Assessment, type PinStore, type Trust } from './participant-trust';
import { openContent, sealContent, SealedContentError } from './sealed-content';
import {
  SenderKeyManager,
  type KeyRecipient,
  type SenderKeySnapshot,
  type SenderKeyTimings,
} from './sender-key-manager';

/** Where the room installs keys for media: livekit's key provider in a browser, nothing in Node. */
export interface MediaKeySink {
  setLocalIdentity(identity: string): void;
  setParticipantKey(identity: string, keyIndex: number, key: Uint8Array): Promise<void>;
  forgetParticipant(identity: string): void;
}

export interface RoomSessionOptions {
  /** Sends a message on the control channel. */
  send(message: ClientMessage): void;
  /** This browser's X25519 key pair: the member's identity key, or a guest's ephemeral key. */
  exchangeKeys: { publicKey: Uint8Array; privateKey: Uint8Array };
  viewer: 'member' | 'guest';
  /** Members: this browser's pins of colleagues' keys. Guests: null. */
  pins: PinStore | null;
  /** The guest link's secret when this browser has it (guests always do). */
  linkSecret?: string | null;
  media?: MediaKeySink | null;
  clock?: Clock;
  timings?: Partial<SenderKeyTimings>;
  /** A host asked me to mute my microphone or camera. */
  onMuteRequested?: (source: 'microphone' | 'camera', from: ParticipantView) => void;
  /** Problems worth a line in the console, never with key material. */
  log?: (message: string) => void;
}

export type RoomStatus =
  | 'connecting'
  | 'lobby'
  | 'admitted'
  | 'denied'
  | 'removed'
  | 'ended'
  | 'replaced'
  /** The session this browser joined with ended (signed out here or elsewhere, revoked). */
  | 'signed-out'
  /** No longer a member of the meeting's org (removed, or left it). */
  | 'no-access';

export interface ParticipantView {
  id: string;
  displayName: string;
  kind: 'member' | 'guest';
  role: 'host' | 'participant';
  isSelf: boolean;
  trust: Trust;
  /** Whether my key goes to this participant. */
  receivesMyKey: boolean;
  /** The latest key index this participant gave me (null: none yet). */
  latestKeyIndex: number | null;
  handRaised: boolean;
  fingerprint: string | null;
}

export interface ChatMessageView {
  id: string;
  from: string;
  fromName: string;
  text: string;
  sentAt: number;
  receivedAt: number;
  mine: boolean;
}

export interface SecurityCodeView {
  code: string;
  groups: string[];
  /** How many distinct keys went into it (me included). */
  keyCount: number;
  /** When the code last changed (someone joined or left, or a key changed). */
  changedAt: number;
  /** The user said they compared this very code aloud with the others. */
  confirmed: boolean;
}

export interface RoomView {
  status: RoomStatus;
  denialReason: string | null;
  meeting: { meetingId: string; occurrenceId: string; title: string; e2ee: boolean } | null;
  self: ParticipantView | null;
  /** Everyone in the room, me first. */
  participants: ParticipantView[];
  lobby: LobbyEntry[];
  securityCode: SecurityCodeView | null;
  /** Members whose key differs from the one this browser pinned. */
  keyChangeWarnings: { participantId: string; displayName: string }[];
  myKey: SenderKeySnapshot | null;
  chat: ChatMessageView[];
  isHost: boolean;
  /** Whether this browser can check guests (knows the link secret). */
  canVerifyGuests: boolean;
}

interface PresentParticipant {
  participant: Participant;
  assessment: Assessment;
}

const SEALED_BACKLOG_PER_SENDER = 64;
const EARLY_RELAYS_PER_SENDER = 32;
const CHAT_HISTORY = 500;
/** How long the media server's "removed" waits for the control channel's own reason. */
export const MEDIA_REMOVAL_GRACE_MS = 2_000;
/** Guards seconds-based starts: indices of a session never reach the next session's start. */
const KEY_INDEX_EPOCH_MS = Date.UTC(2025, 0, 1);

/**
 * One participant's view of a meeting room, without React or livekit: presence and trust,
 * the exchange of media sender keys, the security code, encrypted chat and raised hands, and
 * the host's lobby. The browser feeds it control-channel messages and renders `view()`;
 * the benchmark's Node participants run the very same class.
 */
export class RoomSession {
  private readonly clock: Clock;
  private readonly keyring: ReceivedKeyring;
  private readonly present = new Map<string, PresentParticipant>();
  private readonly listeners = new Set<() => void>();
  private readonly seenMessages = new Set<string>();
  private readonly backlog = new Map<string, RoomPayloads['sealed'][]>();
  /** Relayed messages from someone presence has not announced yet (events can cross). */
  private readonly early = new Map<string, { channel: string; payload: string }[]>();
  private readonly hands = new Set<string>();
  private readonly linkSecretSentTo = new Set<string>();
  private readonly chat: ChatMessageView[] = [];
  private status: RoomStatus = 'connecting';
  private denialReason: string | null = null;
  private self: Participant | null = null;
  private meeting: RoomView['meeting'] = null;
  private lobby: LobbyEntry[] = [];
  private senderKeys: SenderKeyManager | null = null;
  private linkSecret: string | null;
  private securityCode: SecurityCodeView | null = null;
  private confirmedCode: string | null = null;
  private cached: RoomView | null = null;
  private disposed = false;
  /** Set while a media-side removal waits for the control channel's reason. */
  private mediaRemovalTimer: { handle: TimerHandle } | null = null;

  constructor(private readonly options: RoomSessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.keyring = new ReceivedKeyring({ clock: this.clock });
    this.linkSecret = options.linkSecret ?? null;
  }

  // ---- what the UI reads --------------------------------------------------------------

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An immutable snapshot; the same object until something changes. */
  view(): RoomView {
    this.cached ??= this.buildView();
    return this.cached;
  }

  /** The context string every key message and code of this meeting occurrence is bound to. */
  get bindingContext(): string | null {
    return this.meeting ? `${this.meeting.meetingId}/${this.meeting.occurrenceId}` : null;
  }

  // ---- control channel in -------------------------------------------------------------

  handle(message: ServerMessage): void {
    if (this.disposed) return;
    switch (message.type) {
      case 'welcome':
        this.meeting = {
          meetingId: message.meeting.meetingId,
          occurrenceId: message.meeting.occurrenceId,
          title: message.meeting.title ?? 'Meeting',
          e2ee: message.meeting.e2ee,
        };
        this.self = message.self;
        this.lobby = message.lobby;
        if (message.status === 'admitted') this.enterRoom(message.self, message.participants);
        else this.status = 'lobby';
        break;
      case 'admitted':
        this.self = message.self;
        this.enterRoom(message.self, message.participants);
        break;
      case 'participant-joined':
      case 'participant-updated':
        if (message.participant.id === this.self?.id) {
          this.self = message.participant;
          break;
        }
        this.upsertParticipant(message.participant);
        this.refreshMembership();
        break;
      case 'participant-left':
        this.removeParticipant(message.participantId);
        this.refreshMembership();
        break;
      case 'lobby-joined':
        this.lobby = [...this.lobby.filter((e) => e.id !== message.entry.id), message.entry];
        break;
      case 'lobby-left':
        this.lobby = this.lobby.filter((e) => e.id !== message.participantId);
        break;
      case 'relay':
        this.handleRelay(message.from, message.channel, message.payload);
        return; // handlers notify themselves when something changed
      case 'denied':
        this.status = 'denied';
        this.denialReason = message.reason;
        this.stopKeys();
        break;
      case 'removed':
        this.status = 'removed';
        this.stopKeys();
        break;
      case 'meeting-ended':
        this.status = 'ended';
        this.stopKeys();
        break;
      case 'error':
        this.options.log?.(`control channel: ${message.code}: ${message.message}`);
        return;
      default:
        return;
    }
    this.changed();
  }

  private get welcomed(): boolean {
    return this.status === 'lobby' || this.status === 'admitted';
  }

  /** The control channel closed with this code (see CONTROL_CLOSE_CODES). */
  closed(code: number): void {
    if (code === 4409) this.status = 'replaced';
    else if (code === 4410) this.status = 'ended';
    else if (code === 4411) this.status = 'removed';
    else if (code === 4412) this.status = 'denied';
    // At connect time these are refusals the controller reports as they are; after joining they
    // mean the session or the membership ended while in the meeting.
    else if (code === 4401 && this.welcomed) this.status = 'signed-out';
    else if (code === 4403 && this.welcomed) this.status = 'no-access';
    else return;
    this.stopKeys();
    this.changed();
  }

  /**
   * The media server disconnected me as removed. The control channel says why (a host removed
   * me, my session or my membership ended) and closes at about the same moment, but either may
   * arrive first: its reason wins if it comes within MEDIA_REMOVAL_GRACE_MS, else removal.
   */
  mediaRemoved(): void {
    if (this.mediaRemovalTimer !== null || !this.welcomed) return;
    this.mediaRemovalTimer = {
      handle: this.clock.setTimeout(() => {
        this.mediaRemovalTimer = null;
        if (this.welcomed && !this.disposed) this.closed(4411);
      }, MEDIA_REMOVAL_GRACE_MS),
    };
  }

  // ---- actions ------------------------------------------------------------------------

  sendChat(text: string): ChatMessageView | null {
    const trimmed = text.trim();
    if (!trimmed) return null;
    const sentAt = this.clock.now();
    const id = this.broadcastSealed({ kind: 'chat', text: trimmed, sentAt });
    if (!id || !this.self) return null;
    const message: ChatMessageView = {
      id,
      from: this.self.id,
      fromName: this.self.displayName,
      text: trimmed,
      sentAt,
      receivedAt: sentAt,
      mine: true,
    };
    this.pushChat(message);
    this.changed();
    return message;
  }

  setHandRaised(raised: boolean): void {
    if (!this.self) return;
    if (!this.broadcastSealed({ kind: 'hand', raised })) return;
    if (raised) this.hands.add(this.self.id);
    else this.hands.delete(this.self.id);
    this.changed();
  }

  /** Hosts: asks one participant's browser to mute. Only that browser can do it (E2EE). */
  requestMute(participantId: string, source: 'microphone' | 'camera'): boolean {
    if (this.self?.role !== 'host') return false;
    return this.sendSealed(participantId, { kind: 'mute-request', source }) !== null;
  }

  admit(participantId: string): void {
    this.options.send({ type: 'admit', participantId });
  }

  deny(participantId: string, reason?: string): void {
    this.options.send(
      reason ? { type: 'deny', participantId, reason } : { type: 'deny', participantId },
    );
  }

  remove(participantId: string): void {
    this.options.send({ type: 'remove', participantId });
  }

  endMeeting(): void {
    this.options.send({ type: 'end-meeting' });
  }

  leave(): void {
    this.options.send({ type: 'leave' });
    this.stopKeys();
  }

  /** The user compared the code aloud and it matched; cleared when the code changes. */
  confirmSecurityCode(): void {
    if (!this.securityCode) return;
    this.confirmedCode = this.securityCode.code;
    this.securityCode = { ...this.securityCode, confirmed: true };
    this.changed();
  }

  /**
   * The user checked a changed key out of band (e.g. the colleague reset their account) and
   * accepts it: it is pinned and the participant gets keys from now on.
   */
  acceptChangedKey(participantId: string): void {
    const entry = this.present.get(participantId);
    const identity: PublicIdentity | null = entry?.assessment.identity ?? null;
    if (!entry || !identity || !this.options.pins) return;
    this.options.pins.pin(participantId, identity);
    this.upsertParticipant(entry.participant);
    this.refreshMembership();
    this.changed();
  }

  /** The guest link's secret became known (e.g. the host pasted the link). */
  setLinkSecret(linkSecret: string): void {
    if (this.linkSecret === linkSecret) return;
    this.linkSecret = linkSecret;
    this.reassessAll();
  }

  /**
   * After the control channel reconnected: messages may have been lost while it was down, so
   * everyone is asked for their keys again, and my own key is replaced (participants who saw
   * me leave forgot the old one).
   */
  reconnected(): void {
    if (this.status !== 'admitted') return;
    this.relay('*', ROOM_CHANNELS.keyRequest, {});
    this.senderKeys?.rotateNow();
  }

  /**
   * The keys this room verified for a participant (pins for members, the link MAC for
   * guests), or null when it is not here or not verified. Recording checks consents with them.
   */
  verifiedKeys(
    participantId: string,
  ): { signingPublicKey: Uint8Array | null; exchangePublicKey: Uint8Array | null } | null {
    const entry = this.present.get(participantId);
    if (!entry?.assessment.trust.verified) return null;
    const identity = entry.assessment.identity;
    return {
      signingPublicKey: identity ? fromBase64Url(identity.signingPublicKey) : null,
      exchangePublicKey: entry.assessment.exchangePublicKey,
    };
  }

  /** The guest link's secret, when this browser has it (to check guests' signing keys). */
  get knownLinkSecret(): string | null {
    return this.linkSecret;
  }

  dispose(): void {
    this.disposed = true;
    if (this.mediaRemovalTimer) this.clock.clearTimeout(this.mediaRemovalTimer.handle);
    this.mediaRemovalTimer = null;
    this.stopKeys();
    this.listeners.clear();
  }

  // ---- internals ----------------------------------------------------------------------

  private enterRoom(self: Participant, participants: Participant[]): void {
    const wasAdmitted = this.status === 'admitted';
    this.status = 'admitted';
    const ids = new Set(participants.map((p) => p.id));
    for (const id of [...this.present.keys()]) if (!ids.has(id)) this.removeParticipant(id);
    for (const participant of participants) {
      if (participant.id !== self.id) this.upsertParticipant(participant);
    }
    this.options.media?.setLocalIdentity(self.id);
    if (!this.senderKeys) {
      this.senderKeys = new SenderKeyManager({
        clock: this.clock,
        initialKeyIndex: Math.max(0, Math.floor((this.clock.now() - KEY_INDEX_EPOCH_MS) / 1000)),
        ...(this.options.timings ? { timings: this.options.timings } : {}),
        deliver: (recipient, keyIndex, key) => this.deliverKey(recipient, keyIndex, key),
        activate: (keyIndex, key) => {
          void this.options.media
            ?.setParticipantKey(self.id, keyIndex, key)
            .catch((error: unknown) => this.options.log?.(`installing my key: ${String(error)}`));
          // Newcomers could not read my earlier hand-raise; everyone holds this key now.
          if (this.self && this.hands.has(this.self.id)) {
            queueMicrotask(() => this.broadcastSealed({ kind: 'hand', raised: true }));
          }
        },
        onChange: () => this.changed(),
      });
      this.senderKeys.start(this.recipients());
    } else {
      this.senderKeys.setRecipients(this.recipients());
    }
    this.updateSecurityCode();
    this.shareLinkSecret();
    // Everyone else rotates on my arrival and sends me keys made after it; nothing to ask for.
    if (wasAdmitted) this.reconnected();
  }

  private upsertParticipant(participant: Participant): void {
    if (!this.meeting) return;
    const assessment = assessParticipant({
      meetingId: this.meeting.meetingId,
      participant,
      viewer: this.options.viewer,
      pins: this.options.pins,
      linkSecret: this.linkSecret,
    });
    if (assessment.pin && assessment.identity) {
      this.options.pins?.pin(participant.id, assessment.identity);
    }
    const before = this.present.get(participant.id);
    this.present.set(participant.id, { participant, assessment });
    const wasVerified = before?.assessment.trust.verified ?? false;
    if (assessment.trust.verified && !wasVerified && before) {
      // Newly trusted (a key accepted, the link secret learned): ask for what I refused before.
      this.relay(participant.id, ROOM_CHANNELS.keyRequest, {});
    }
    if (!assessment.trust.verified && before && wasVerified) {
      this.keyring.forget(participant.id);
      this.options.media?.forgetParticipant(participant.id);
    }
    const early = this.early.get(participant.id);
    if (early) {
      this.early.delete(participant.id);
      for (const { channel, payload } of early) this.handleRelay(participant.id, channel, payload);
    }
  }

  private removeParticipant(id: string): void {
    this.early.delete(id);
    if (!this.present.delete(id)) return;
    this.keyring.forget(id);
    this.options.media?.forgetParticipant(id);
    this.backlog.delete(id);
    this.hands.delete(id);
    this.linkSecretSentTo.delete(id);
  }

  private reassessAll(): void {
    for (const { participant } of [...this.present.values()]) this.upsertParticipant(participant);
    this.refreshMembership();
    this.changed();
  }

  /** After presence or trust changed: who gets my key, the code, the link secret. */
  private refreshMembership(): void {
    if (this.status !== 'admitted') return;
    this.senderKeys?.setRecipients(this.recipients());
    this.updateSecurityCode();
    this.shareLinkSecret();
  }

  private recipients(): KeyRecipient[] {
    const recipients: KeyRecipient[] = [];
    for (const { participant, assessment } of this.present.values()) {
      if (assessment.trust.verified && assessment.exchangePublicKey) {
        recipients.push({ id: participant.id, exchangePublicKey: assessment.exchangePublicKey });
      }
    }
    return recipients;
  }

  private updateSecurityCode(): void {
    const context = this.bindingContext;
    if (!context) return;
    const keys = [this.options.exchangeKeys.publicKey];
    for (const { assessment } of this.present.values()) {
      if (assessment.exchangePublicKey) keys.push(assessment.exchangePublicKey);
    }
    const { code, groups } = computeSecurityCode(context, keys);
    if (this.securityCode?.code === code) return;
    const distinct = new Set(keys.map((key) => toBase64Url(key))).size;
    this.securityCode = {
      code,
      groups,
      keyCount: distinct,
      changedAt: this.clock.now(),
      confirmed: this.confirmedCode === code,
    };
  }

  private deliverKey(recipient: KeyRecipient, keyIndex: number, key: Uint8Array): void {
    const context = this.bindingContext;
    if (!context || !this.self) return;
    const message = encryptSenderKey({
      meetingId: context,
      senderId: this.self.id,
      recipientId: recipient.id,
      keyIndex,
      senderKey: key,
      senderExchangePrivateKey: this.options.exchangeKeys.privateKey,
      recipientExchangePublicKey: recipient.exchangePublicKey,
    });
    this.relay(recipient.id, ROOM_CHANNELS.senderKey, { message });
  }

  private handleRelay(from: string, channel: string, payload: string): void {
    if (!isRoomChannel(channel) || this.status !== 'admitted') return;
    const sender = this.present.get(from);
    if (!sender) {
      const queue = this.early.get(from) ?? [];
      if (queue.length < EARLY_RELAYS_PER_SENDER) queue.push({ channel, payload });
      this.early.set(from, queue);
      return;
    }
    switch (channel) {
      case ROOM_CHANNELS.senderKey: {
        const parsed = parseRoomPayload(channel, payload);
        if (parsed) this.receiveKey(sender, parsed);
        return;
      }
      case ROOM_CHANNELS.senderKeyAck: {
        const parsed = parseRoomPayload(channel, payload);
        if (parsed) this.senderKeys?.acknowledge(from, parsed.keyIndex);
        return;
      }
      case ROOM_CHANNELS.keyRequest:
        if (parseRoomPayload(channel, payload)) this.senderKeys?.resend(from);
        return;
      case ROOM_CHANNELS.sealed: {
        const parsed = parseRoomPayload(channel, payload);
        if (parsed) this.receiveSealed(sender, parsed);
        return;
      }
      case ROOM_CHANNELS.linkSecret: {
        const parsed = parseRoomPayload(channel, payload);
        if (parsed) this.receiveLinkSecret(sender, parsed);
        return;
      }
    }
  }

  private receiveKey(sender: PresentParticipant, payload: RoomPayloads['sender-key']): void {
    const context = this.bindingContext;
    const { assessment, participant } = sender;
    // Keys from someone whose keys do not check out are not used: their media stays dark.
    if (!context || !this.self || !assessment.trust.verified || !assessment.exchangePublicKey) {
      return;
    }
    let opened: { senderKey: Uint8Array; keyIndex: number };
    try {
      opened = decryptSenderKey(payload.message, {
        meetingId: context,
        senderId: participant.id,
        recipientId: this.self.id,
        recipientExchangePrivateKey: this.options.exchangeKeys.privateKey,
        senderExchangePublicKey: assessment.exchangePublicKey,
      });
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      this.options.log?.(`key from ${participant.id} refused: ${error.code}`);
      return;
    }
    const result = this.keyring.accept(participant.id, opened.keyIndex, opened.senderKey);
    const acknowledge = () =>
      this.relay(participant.id, ROOM_CHANNELS.senderKeyAck, { keyIndex: opened.keyIndex });
    if (!result.accepted) {
      opened.senderKey.fill(0);
      if (result.reason === 'duplicate') acknowledge();
      else this.options.log?.(`key from ${participant.id} refused: ${result.reason}`);
      return;
    }
    const installed =
      this.options.media?.setParticipantKey(participant.id, opened.keyIndex, opened.senderKey) ??
      Promise.resolve();
    opened.senderKey.fill(0);
    installed.then(
      () => {
        if (this.disposed || !this.present.has(participant.id)) return;
        acknowledge();
        this.drainBacklog(participant.id);
        this.changed();
      },
      (error: unknown) => this.options.log?.(`installing a key failed: ${String(error)}`),
    );
  }

  private receiveSealed(sender: PresentParticipant, payload: RoomPayloads['sealed']): void {
    const context = this.bindingContext;
    if (!context) return;
    const key = this.keyring.get(sender.participant.id, payload.keyIndex);
    if (!key) {
      const queue = this.backlog.get(sender.participant.id) ?? [];
      queue.push(payload);
      this.backlog.set(sender.participant.id, queue.slice(-SEALED_BACKLOG_PER_SENDER));
      return;
    }
    const dedupe = `${sender.participant.id}/${payload.messageId}`;
    if (this.seenMessages.has(dedupe)) return;
    let content: RoomContent;
    try {
      content = openContent(payload.ciphertext, key, {
        meetingId: context,
        senderId: sender.participant.id,
        keyIndex: payload.keyIndex,
        messageId: payload.messageId,
      });
    } catch (error) {
      if (!(error instanceof SealedContentError)) throw error;
      this.options.log?.(`content from ${sender.participant.id} refused: ${error.reason}`);
      return;
    }
    this.seenMessages.add(dedupe);
    this.applyContent(sender, payload.messageId, content);
  }

  private drainBacklog(senderId: string): void {
    const queue = this.backlog.get(senderId);
    const sender = this.present.get(senderId);
    if (!queue || !sender) return;
    this.backlog.delete(senderId);
    const waiting: RoomPayloads['sealed'][] = [];
    for (const payload of queue) {
      if (this.keyring.get(senderId, payload.keyIndex)) this.receiveSealed(sender, payload);
      else waiting.push(payload);
    }
    if (waiting.length > 0) this.backlog.set(senderId, waiting);
  }

  private applyContent(sender: PresentParticipant, messageId: string, content: RoomContent): void {
    const { participant } = sender;
    switch (content.kind) {
      case 'chat':
        this.pushChat({
          id: messageId,
          from: participant.id,
          fromName: participant.displayName,
          text: content.text,
          sentAt: content.sentAt,
          receivedAt: this.clock.now(),
          mine: false,
        });
        break;
      case 'hand':
        if (content.raised) this.hands.add(participant.id);
        else this.hands.delete(participant.id);
        break;
      case 'mute-request':
        if (participant.role === 'host') {
          this.options.onMuteRequested?.(content.source, this.participantView(sender));
        }
        break;
    }
    this.changed();
  }

  private pushChat(message: ChatMessageView): void {
    this.chat.push(message);
    if (this.chat.length > CHAT_HISTORY) this.chat.splice(0, this.chat.length - CHAT_HISTORY);
  }

  private broadcastSealed(content: RoomContent): string | null {
    return this.sendSealed('*', content);
  }

  private sendSealed(to: string, content: RoomContent): string | null {
    const context = this.bindingContext;
    const active = this.senderKeys?.activeKey();
    if (!context || !active || !this.self || this.status !== 'admitted') return null;
    const messageId = toBase64Url(randomBytes(16));
    const ciphertext = sealContent(content, active.key, {
      meetingId: context,
      senderId: this.self.id,
      keyIndex: active.keyIndex,
      messageId,
    });
    this.relay(to, ROOM_CHANNELS.sealed, { keyIndex: active.keyIndex, messageId, ciphertext });
    return messageId;
  }

  /** Gives the guest link's secret to members who may not have it, boxed to each of them. */
  private shareLinkSecret(): void {
    const context = this.bindingContext;
    if (!this.linkSecret || !context || !this.self || this.options.viewer !== 'member') return;
    const secret = fromBase64Url(this.linkSecret);
    try {
      for (const { participant, assessment } of this.present.values()) {
        if (participant.kind !== 'member' || this.linkSecretSentTo.has(participant.id)) continue;
        if (!assessment.trust.verified || !assessment.exchangePublicKey) continue;
        this.linkSecretSentTo.add(participant.id);
        const message = encryptSenderKey({
          meetingId: `${context}/link-secret`,
          senderId: this.self.id,
          recipientId: participant.id,
          keyIndex: 0,
          senderKey: secret,
          senderExchangePrivateKey: this.options.exchangeKeys.privateKey,
          recipientExchangePublicKey: assessment.exchangePublicKey,
        });
        this.relay(participant.id, ROOM_CHANNELS.linkSecret, { message });
      }
    } finally {
      secret.fill(0);
    }
  }

  private receiveLinkSecret(sender: PresentParticipant, payload: RoomPayloads['link-secret']) {
    const context = this.bindingContext;
    const { participant, assessment } = sender;
    // Only a member whose key checks out may vouch for guests; a guest could otherwise hand
    // out a secret of its own making and bind itself.
    if (this.linkSecret || !context || !this.self) return;
    if (participant.kind !== 'member' || !assessment.trust.verified) return;
    if (!assessment.exchangePublicKey) return;
    try {
      const { senderKey } = decryptSenderKey(payload.message, {
        meetingId: `${context}/link-secret`,
        senderId: participant.id,
        recipientId: this.self.id,
        keyIndex: 0,
        recipientExchangePrivateKey: this.options.exchangeKeys.privateKey,
        senderExchangePublicKey: assessment.exchangePublicKey,
      });
      this.linkSecretSentTo.add(participant.id);
      this.setLinkSecret(toBase64Url(senderKey));
      senderKey.fill(0);
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      this.options.log?.(`link secret from ${participant.id} refused: ${error.code}`);
    }
  }

  private relay<C extends RoomChannel>(to: string, channel: C, payload: RoomPayloads[C]): void {
    this.options.send({ type: 'relay', to, channel, payload: JSON.stringify(payload) });
  }

  private stopKeys(): void {
    this.senderKeys?.dispose();
    this.senderKeys = null;
    this.keyring.clear();
  }

  private changed(): void {
    this.cached = null;
    for (const listener of [...this.listeners]) listener();
  }

  private participantView({ participant, assessment }: PresentParticipant): ParticipantView {
    const recipients = this.senderKeys?.snapshot().holders ?? [];
    return {
      id: participant.id,
      displayName: participant.displayName,
      kind: participant.kind,
      role: participant.role,
      isSelf: false,
      trust: assessment.trust,
      receivesMyKey: assessment.trust.verified && recipients.includes(participant.id),
      latestKeyIndex: this.keyring.latest(participant.id)?.keyIndex ?? null,
      handRaised: this.hands.has(participant.id),
      fingerprint: assessment.exchangePublicKey
        ? toBase64Url(assessment.exchangePublicKey).slice(0, 8)
        : null,
    };
  }

  private buildView(): RoomView {
    const self: ParticipantView | null = this.self && {
      id: this.self.id,
      displayName: this.self.displayName,
      kind: this.self.kind,
      role: this.self.role,
      isSelf: true,
      trust: { verified: true, basis: 'self' },
      receivesMyKey: false,
      latestKeyIndex: this.senderKeys?.snapshot().activeKeyIndex ?? null,
      handRaised: this.hands.has(this.self.id),
      fingerprint: toBase64Url(this.options.exchangeKeys.publicKey).slice(0, 8),
    };
    const others = [...this.present.values()]
      .map((entry) => this.participantView(entry))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
    return {
      status: this.status,
      denialReason: this.denialReason,
      meeting: this.meeting,
      self,
      participants: self ? [self, ...others] : others,
      lobby: this.lobby,
      securityCode: this.status === 'admitted' ? this.securityCode : null,
      keyChangeWarnings: others
        .filter((p) => !p.trust.verified && p.trust.problem === 'key-changed')
        .map((p) => ({ participantId: p.id, displayName: p.displayName })),
      myKey: this.senderKeys?.snapshot() ?? null,
      chat: [...this.chat],
      isHost: this.self?.role === 'host',
      canVerifyGuests: this.linkSecret !== null,
    };
  }
}
