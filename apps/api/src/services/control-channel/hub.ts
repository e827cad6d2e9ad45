import { randomUUID } from 'node:crypto';
import {
  CLIENT_MESSAGE_TYPES,
  CONTROL_CLOSE_CODES,
  CONTROL_LIMITS,
  clientMessageSchema,
  type ClientMessage,
  type ControlErrorCode,
  type LobbyEntry,
  type Participant,
  type ServerMessage,
} from '@conclave/contracts';
import type { Bus, Unsubscribe } from '../../lib/bus';
import { presenceState, transition } from '../meetings/admission';
import { DEFAULT_THROTTLE_LIMITS, SenderThrottle, type ThrottleLimits } from './throttle';
import type { PresenceEntry, PresenceStore } from './presence';
import type { RelayLog } from './relay-log';

/**
 * The control channel's hub: presence (who is in the lobby, who is in the room), host actions
 * (admit, deny, remove, make host, end) and the relay of opaque payloads between participants
 * of one meeting occurrence. Framework-free: the WebSocket route hands it a socket adapter and
 * an authorised join request; the bus carries everything between API instances, and state
 * changes go through the bus even on one instance, so one code path serves both.
 *
 * Every instance keeps a view of each room it has connections in: the presence snapshot it
 * loaded when its first connection of that room arrived, then the bus events. An entry is
 * only ever changed by the instance holding its connection.
 */

/** What the hub needs of a WebSocket (routes/meetings/control.ts adapts `ws`). */
export interface ControlSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  ping(): void;
  terminate(): void;
  readonly bufferedAmount: number;
}

export interface RoomRef {
  orgId: string;
  meetingId: string;
  occurrenceId: string;
  roomName: string;
  /** null for someone who may not see the meeting and waits in the lobby. */
  title: string | null;
  e2ee: boolean;
  startMs: number;
  endMs: number;
}

export interface JoinRequest {
  room: RoomRef;
  participant: Participant;
  /** Admitted directly (host, invitee, open to the org, admitted earlier) or to the lobby. */
  status: 'admitted' | 'lobby';
  /** Members: their user id, for the decisions they make as hosts. Guests: null. */
  userId: string | null;
  /** Members: the session the connection was opened with; it closes when that session ends. */
  sessionId: string | null;
  /** Guests: makes a fresh lobby ticket so they can reconnect. */
  issueTicket: (() => string) | null;
}

/** Decisions that must outlive a connection and be seen by every instance (the database). */
export interface HostDecisions {
  admit(input: Decision): Promise<void>;
  deny(input: Decision): Promise<void>;
  remove(input: Decision): Promise<void>;
  makeHost(input: Decision): Promise<void>;
  endMeeting(input: { room: RoomRef; byUserId: string | null }): Promise<void>;
}

export interface Decision {
  room: RoomRef;
  target: Participant;
  byUserId: string | null;
}

/** Host actions that also need the media server (LiveKit's RoomService), when there is one. */
export interface MediaControl {
  removeParticipant(roomName: string, identity: string): Promise<void>;
  endRoom(roomName: string): Promise<void>;
}

export interface HubLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface HubLimits {
  maxRelayPayloadBytes: number;
  messageBurst: number;
  messagesPerSecond: number;
  heartbeatIntervalMs: number;
  /** Outgoing bytes queued for a socket beyond which the client counts as too slow. */
  maxBufferedBytes: number;
  /** Guests get a fresh ticket this often. */
  ticketRefreshMs: number;
  /** Violation score (decaying, throttle.ts) above which the connection is closed with 4429. */
  maxViolations: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  maxRelayPayloadBytes: CONTROL_LIMITS.maxRelayPayloadBytes,
  messageBurst: CONTROL_LIMITS.messageBurst,
  messagesPerSecond: CONTROL_LIMITS.messagesPerSecond,
  heartbeatIntervalMs: CONTROL_LIMITS.heartbeatIntervalMs,
  maxBufferedBytes: 8 * 1024 * 1024,
  ticketRefreshMs: 4 * 60_000,
  maxViolations: 50,
};

export interface HubOptions {
  instanceId?: string;
  bus: Bus;
  presence: PresenceStore;
  decisions: HostDecisions;
  media: MediaControl | null;
  relayLog: RelayLog | null;
  log: HubLogger;
  limits?: Partial<HubLimits>;
  /** Relay throttles per connection (throttle.ts); defaults when absent. */
  throttle?: Partial<ThrottleLimits>;
  now?: () => number;
}

type GoneReason = 'left' | 'disconnected' | 'removed' | 'denied' | 'ended' | 'replaced';

/**
 * A domain that lives in the room without being the hub's concern (recordings: their consent
 * messages, the state sent after welcome, the recorder leaving). The hub routes to it and
 * offers `broadcast`; the domain keeps its own logic and storage.
 */
export interface RoomExtension {
  /** Client message types handled here instead of by the hub. */
  readonly messageTypes: readonly ClientMessage['type'][];
  receive(input: {
    room: RoomRef;
    participant: Participant;
    userId: string | null;
    message: ClientMessage;
    fail: (code: ControlErrorCode, message: string) => void;
  }): Promise<void>;
  /** An admitted participant joined (after `welcome` or `admitted`): send what they must know. */
  joined(input: {
    room: RoomRef;
    participant: Participant;
    send: (message: ServerMessage) => void;
  }): Promise<void>;
  /** A participant's connection on this instance ended (not replaced). */
  departed(input: { room: RoomRef; participantId: string; reason: GoneReason }): Promise<void>;
}

/**
 * The one bus channel every instance listens on whatever rooms it holds: what happened to an
 * account (a session or a membership ended) concerns connections in any room.
 */
const ACCOUNTS_CHANNEL = 'control:accounts';

type AccountEvent =
  | { kind: 'sessions-ended'; sessionIds: string[] }
  | { kind: 'membership-ended'; orgId: string; userId: string; left: boolean };

/** How long an ended session or membership is remembered, for joins that were authorised before it ended. */
const ENDED_MEMORY_MS = 60_000;

const SIGNED_OUT_MESSAGE =
  'You were signed out (here, from another device, or by a password change): sign in again to rejoin.';

type BusEvent =
  | { kind: 'presence'; entry: PresenceEntry; by: string | null }
  | {
      kind: 'gone';
      participantId: string;
      connectionId: string;
      reason: GoneReason;
      by: string | null;
    }
  | {
      kind: 'relay';
      from: string;
      fromConnection: string;
      fromInstance: string;
      to: string | null;
      channel: string;
      payload: string;
      id?: string;
    }
  | {
      kind: 'undeliverable';
      toInstance: string;
      toConnection: string;
      recipient: string;
      ref: string | null;
    }
  | {
      kind: 'command';
      action: 'admit' | 'deny' | 'remove' | 'make-host';
      target: string;
      by: string;
      reason?: string;
    }
  | { kind: 'ended'; by: string | null }
  | { kind: 'broadcast'; message: ServerMessage };

class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond,
    );
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Connection {
  readonly id = randomUUID();
  status: 'room' | 'lobby';
  alive = true;
  violations = 0;
  /** Set when the hub closes it, so the close handler knows why, and who decided. */
  closing: GoneReason | null = null;
  closedBy: string | null = null;
  ticketIssuedAt: number;
  closed = false;

  constructor(
    readonly socket: ControlSocket,
    readonly room: RoomRef,
    readonly roomKey: string,
    public participant: Participant,
    status: 'admitted' | 'lobby',
    readonly userId: string | null,
    readonly sessionId: string | null,
    readonly issueTicket: (() => string) | null,
    readonly bucket: TokenBucket,
    readonly since: string,
    now: number,
  ) {
    this.status = status === 'admitted' ? 'room' : 'lobby';
    this.ticketIssuedAt = now;
  }

  get isHost(): boolean {
    return this.status === 'room' && this.participant.role === 'host';
  }
}

class RoomView {
  readonly meetingId: string;
  readonly occurrenceId: string;
  readonly entries = new Map<string, PresenceEntry>();
  readonly local = new Map<string, Connection>();
  unsubscribe: Unsubscribe | null = null;
  ready: Promise<void> | null = null;
  /** Bus events that arrived while the snapshot was loading. */
  pending: string[] | null = [];
  /** Participants whose connection on this instance ended lately, to answer late relays. */
  readonly departed = new Map<string, number>();

  constructor(readonly key: string) {
    const [meetingId = '', occurrenceId = ''] = key.split('/');
    this.meetingId = meetingId;
    this.occurrenceId = occurrenceId;
  }
}

export function roomKeyOf(room: Pick<RoomRef, 'meetingId' | 'occurrenceId'>): string {
  return `${room.meetingId}/${room.occurrenceId}`;
}

const closeReason = (text: string) => {
  // A close reason is at most 123 bytes of UTF-8.
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
};

export class ControlHub {
  readonly instanceId: string;
  private readonly views = new Map<string, RoomView>();
  private readonly limits: HubLimits;
  private readonly throttleLimits: ThrottleLimits;
  private readonly throttles = new WeakMap<Connection, SenderThrottle>();
  private readonly now: () => number;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly accounts: Promise<Unsubscribe>;
  /** Sessions and memberships (`orgId/userId`) that ended lately, with when. */
  private readonly endedSessions = new Map<string, number>();
  private readonly endedMemberships = new Map<string, { at: number; left: boolean }>();
  private shutDown = false;
  private extension: RoomExtension | null = null;

  constructor(private readonly options: HubOptions) {
    this.instanceId = options.instanceId ?? randomUUID();
    this.limits = { ...DEFAULT_HUB_LIMITS, ...options.limits };
    this.throttleLimits = { ...DEFAULT_THROTTLE_LIMITS, ...options.throttle };
    this.now = options.now ?? Date.now;
    void options.presence.heartbeat(this.instanceId).catch(() => undefined);
    this.heartbeat = setInterval(() => void this.tick(), this.limits.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.accounts = options.bus.subscribe(ACCOUNTS_CHANNEL, (message) =>
      this.onAccountEvent(message),
    );
    this.accounts.catch((error: unknown) =>
      options.log.error({ err: error }, 'control channel: subscribing to account events failed'),
    );
  }

  // ---- connections ----------------------------------------------------------------------

  /**
   * Registers an authorised connection: loads the room's presence if this instance has none of
   * it yet, sends `welcome`, and tells everyone else. Resolves with the connection the route
   * passes to `receive` and `closed`.
   */
  async connect(socket: ControlSocket, join: JoinRequest): Promise<Connection> {
    if (this.shutDown) throw new Error('ControlHub: closed');
    // Without the account events a connection could outlive its session unnoticed.
    await this.accounts;
    const key = roomKeyOf(join.room);
    const view = await this.view(key);
    const now = this.now();
    const connection = new Connection(
      socket,
      join.room,
      key,
      join.participant,
      join.status,
      join.userId,
      join.sessionId,
      join.issueTicket,
      new TokenBucket(this.limits.messageBurst, this.limits.messagesPerSecond, now),
      new Date(now).toISOString(),
      now,
    );
    const refusal = this.dismissalFor(connection);
    if (refusal) {
      // Authorised before the session or membership ended, registered after: never let in. Its
      // media are not touched: it never joined, and another tab may be in the room as the same
      // participant.
      this.error(connection, refusal.error, refusal.message, null);
      this.closeConnection(connection, refusal.code, refusal.reason, refusal.message);
      return connection;
    }
    const previous = view.local.get(connection.participant.id);
    if (previous)
      this.closeConnection(
        previous,
        CONTROL_CLOSE_CODES.replaced,
        'replaced',
        'You joined from another tab or device; this one is closed.',
      );
    view.local.set(connection.participant.id, connection);

    // Sent before anything else can reach this socket (no await in between).
    const admitted = connection.status === 'room';
    this.send(connection, {
      type: 'welcome',
      self: connection.participant,
      status: admitted ? 'admitted' : 'lobby',
      meeting: {
        meetingId: join.room.meetingId,
        occurrenceId: join.room.occurrenceId,
        title: join.room.title,
        roomName: join.room.roomName,
        e2ee: join.room.e2ee,
        start: new Date(join.room.startMs).toISOString(),
        end: new Date(join.room.endMs).toISOString(),
      },
      participants: admitted ? this.roomParticipants(view, connection.participant.id) : [],
      lobby: connection.isHost ? this.lobbyEntries(view) : [],
      ticket: connection.issueTicket ? connection.issueTicket() : null,
      limits: {
        maxFrameBytes: CONTROL_LIMITS.maxFrameBytes,
        maxRelayPayloadBytes: this.limits.maxRelayPayloadBytes,
        messageBurst: this.limits.messageBurst,
        messagesPerSecond: this.limits.messagesPerSecond,
        heartbeatIntervalMs: this.limits.heartbeatIntervalMs,
      },
    });
    await this.announce(connection, null);
    if (admitted) this.extensionJoined(connection);
    return connection;
  }

  /** A frame from the client. Never throws: anything wrong becomes an `error` message. */
  receive(connection: Connection, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (connection.closed || connection.closing) return;
    connection.alive = true;
    if (!connection.bucket.take(this.now())) {
      connection.violations += 1;
      if (this.throttleOf(connection).penalize(this.now())) {
        this.closeConnection(
          connection,
          CONTROL_CLOSE_CODES.rateLimited,
          'disconnected',
          'Too many messages: the connection was closed. Reconnect and send more slowly.',
        );
        return;
      }
      this.error(
        connection,
        'rate_limited',
        `Too many messages: at most ${this.limits.messagesPerSecond} per second (bursts of ${this.limits.messageBurst}). This message was not processed.`,
        null,
      );
      return;
    }
    if (isBinary) {
      this.error(
        connection,
        'binary_not_supported',
        'Send JSON text frames; binary frames are not supported.',
        null,
      );
      return;
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.error(connection, 'malformed', 'The message is not valid JSON.', null);
      return;
    }
    const type =
      typeof json === 'object' && json !== null && 'type' in json && typeof json.type === 'string'
        ? json.type
        : null;
    if (type === null) {
      this.error(
        connection,
        'invalid_message',
        'A message must be a JSON object with a string "type".',
        null,
      );
      return;
    }
    const ref = refOf(json, type.slice(0, 64));
    if (!(CLIENT_MESSAGE_TYPES as string[]).includes(type)) {
      this.error(
        connection,
        'unknown_type',
        `Unknown message type "${type.slice(0, 40)}". Known types: ${CLIENT_MESSAGE_TYPES.join(', ')}.`,
        ref,
      );
      return;
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
        .join('; ');
      this.error(connection, 'invalid_message', `Invalid "${type}" message: ${problems}`, ref);
      return;
    }
    this.dispatch(connection, parsed.data, ref).catch((error: unknown) => {
      this.options.log.error({ err: error, type }, 'control channel: handling a message failed');
      this.error(
        connection,
        'internal',
        'The server could not handle this message. Try again.',
        ref,
      );
    });
  }

  /** The socket answered a ping. */
  pong(connection: Connection): void {
    connection.alive = true;
  }

  /** The socket closed (whoever closed it). */
  closed(connection: Connection, code: number): void {
    if (connection.closed) return;
    connection.closed = true;
    const reason: GoneReason =
      connection.closing ?? (code === 1000 || code === 1001 ? 'left' : 'disconnected');
    void this.depart(connection, reason, connection.closedBy).catch((error: unknown) =>
      this.options.log.error({ err: error }, 'control channel: cleanup after close failed'),
    );
  }

  /**
   * Ends a room from outside a connection (the meeting or occurrence was cancelled): everyone
   * connected to it, on every instance, is told and closed with 4410.
   */
  async endRoom(room: Pick<RoomRef, 'meetingId' | 'occurrenceId'>): Promise<void> {
    const key = roomKeyOf(room);
    await this.publish(key, { kind: 'ended', by: null });
    await this.options.presence.clear(key);
  }

  /**
   * Sessions ended (signed out, revoked from the sessions list, a password change, recovery or
   * reset): every connection opened with one of them, on every instance, gets an
   * `unauthenticated` error and closes with 4401, and leaves the room like any departure.
   */
  async endSessions(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.publishAccountEvent({ kind: 'sessions-ended', sessionIds: [...sessionIds] });
  }

  /**
   * Someone is no longer a member of an org (removed, or they left): their connections to that
   * org's meetings, on every instance, get a `forbidden` error and close with 4403.
   */
  async endMembership(input: { orgId: string; userId: string; left: boolean }): Promise<void> {
    await this.publishAccountEvent({ kind: 'membership-ended', ...input });
  }

  /** Routes room messages of another domain (recordings) to it; see RoomExtension. */
  attach(extension: RoomExtension): void {
    this.extension = extension;
  }

  /** Who is admitted to a room now, on every instance (the presence store). */
  async admitted(room: Pick<RoomRef, 'meetingId' | 'occurrenceId'>): Promise<Participant[]> {
    const entries = await this.options.presence.list(roomKeyOf(room));
    return entries.filter((entry) => entry.status === 'room').map((entry) => entry.participant);
  }

  /** Sends a message to everyone admitted to a room, on every instance. */
  async broadcast(
    room: Pick<RoomRef, 'meetingId' | 'occurrenceId'>,
    message: ServerMessage,
  ): Promise<void> {
    await this.publish(roomKeyOf(room), { kind: 'broadcast', message });
  }

  /** Connections on this instance (all rooms). */
  get connectionCount(): number {
    let count = 0;
    for (const view of this.views.values()) count += view.local.size;
    return count;
  }

  /** Closes every connection with 1001 (going away) and stops. */
  async close(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    clearInterval(this.heartbeat);
    await this.accounts.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    const departures: Promise<void>[] = [];
    for (const view of this.views.values()) {
      for (const connection of view.local.values()) {
        this.closeConnection(
          connection,
          CONTROL_CLOSE_CODES.goingAway,
          'disconnected',
          'The server is restarting; reconnect.',
        );
        connection.closed = true;
        departures.push(this.depart(connection, 'disconnected').catch(() => undefined));
      }
    }
    await Promise.all(departures);
  }

  // ---- messages from clients -------------------------------------------------------------

  private async dispatch(
    connection: Connection,
    message: ClientMessage,
    ref: string | null,
  ): Promise<void> {
    switch (message.type) {
      case 'ping':
        this.send(connection, {
          type: 'pong',
          ...(message.id !== undefined ? { id: message.id } : {}),
          serverTime: new Date(this.now()).toISOString(),
        });
        return;
      case 'leave':
        this.closeConnection(
          connection,
          CONTROL_CLOSE_CODES.normal,
          'left',
          'You left the meeting.',
        );
        return;
      case 'relay':
        await this.relay(connection, message, ref);
        return;
      case 'admit':
      case 'deny':
      case 'remove':
      case 'make-host':
        await this.hostAction(connection, message, ref);
        return;
      case 'end-meeting':
        await this.endMeeting(connection, ref);
        return;
      default:
        await this.toExtension(connection, message, ref);
    }
  }

  private async toExtension(
    connection: Connection,
    message: ClientMessage,
    ref: string | null,
  ): Promise<void> {
    if (!this.extension?.messageTypes.includes(message.type)) {
      this.error(connection, 'unknown_type', `"${message.type}" is not handled here.`, ref);
      return;
    }
    if (connection.status !== 'room') {
      this.error(connection, 'not_admitted', 'Wait until a host lets you in.', ref);
      return;
    }
    await this.extension.receive({
      room: connection.room,
      participant: connection.participant,
      userId: connection.userId,
      message,
      fail: (code, text) => this.error(connection, code, text, ref),
    });
  }

  private extensionJoined(connection: Connection): void {
    this.extension
      ?.joined({
        room: connection.room,
        participant: connection.participant,
        send: (message) => this.send(connection, message),
      })
      .catch((error: unknown) =>
        this.options.log.error({ err: error }, 'control channel: room extension (join) failed'),
      );
  }

  private async relay(
    connection: Connection,
    message: Extract<ClientMessage, { type: 'relay' }>,
    ref: string | null,
  ): Promise<void> {
    if (connection.status !== 'room') {
      this.error(
        connection,
        'not_admitted',
        'You are waiting in the lobby: you can relay messages once a host admits you.',
        ref,
      );
      return;
    }
    const bytes = Buffer.byteLength(message.payload);
    if (bytes > this.limits.maxRelayPayloadBytes) {
      this.error(
        connection,
        'payload_too_large',
        `The payload has ${bytes} bytes; at most ${this.limits.maxRelayPayloadBytes} can be relayed.`,
        ref,
      );
      return;
    }
    const view = this.views.get(connection.roomKey);
    if (!view) return;
    let to: string | null = null;
    if (message.to !== '*') {
      if (message.to === connection.participant.id) {
        this.error(connection, 'invalid_message', 'You cannot relay a message to yourself.', ref);
        return;
      }
      const recipient = view.entries.get(message.to);
      if (!recipient || recipient.status !== 'room') {
        this.error(
          connection,
          'recipient_not_in_meeting',
          recipient
            ? `${message.to} is waiting in the lobby and cannot receive messages until a host admits them.`
            : `${message.to} is not in this meeting (never joined, or already left). Nothing was relayed.`,
          ref,
        );
        return;
      }
      to = message.to;
    }
    const verdict = this.throttleOf(connection).relay(this.now(), {
      channel: message.channel,
      bytes,
      recipients: to ? 1 : Math.max(1, view.entries.size - 1),
      broadcast: to === null,
    });
    if (!verdict.ok) {
      if (verdict.close) this.closeFlooder(connection);
      else this.error(connection, 'rate_limited', verdict.message, ref);
      return;
    }
    await this.publish(connection.roomKey, {
      kind: 'relay',
      from: connection.participant.id,
      fromConnection: connection.id,
      fromInstance: this.instanceId,
      to,
      channel: message.channel,
      payload: message.payload,
      ...(message.id !== undefined ? { id: message.id } : {}),
    });
  }

  private async hostAction(
    connection: Connection,
    message: Extract<ClientMessage, { type: 'admit' | 'deny' | 'remove' | 'make-host' }>,
    ref: string | null,
  ): Promise<void> {
    if (!connection.isHost) {
      this.error(connection, 'forbidden', `Only hosts can ${message.type.replace('-', ' ')}.`, ref);
      return;
    }
    const view = this.views.get(connection.roomKey);
    const target = view?.entries.get(message.participantId);
    // One state machine decides (services/meetings/admission.ts), from the target's presence.
    const step = target
      ? transition(presenceState(target.status), message.type, {
          host: target.participant.role === 'host',
          joinsDirectly: false,
          kind: target.participant.kind,
        })
      : null;
    if (!target || !step?.ok) {
      const reason = step && !step.ok ? step.message : 'is not in this meeting';
      this.error(
        connection,
        step && !step.ok ? step.code : 'not_found',
        `${message.participantId} ${reason}${reason.endsWith('lobby') ? ' (they may have left, or another host decided)' : ''}.`,
        ref,
      );
      return;
    }
    if (message.type === 'remove' && target.participant.id === connection.participant.id) {
      this.error(
        connection,
        'invalid_message',
        'To leave, send "leave" instead of removing yourself.',
        ref,
      );
      return;
    }
    const decision: Decision = {
      room: connection.room,
      target: target.participant,
      byUserId: connection.userId,
    };
    const by = connection.participant.id;
    switch (message.type) {
      case 'admit':
        await this.options.decisions.admit(decision);
        break;
      case 'deny':
        await this.options.decisions.deny(decision);
        break;
      case 'make-host':
        await this.options.decisions.makeHost(decision);
        break;
      case 'remove':
        await this.options.decisions.remove(decision);
        if (this.options.media) {
          await this.options.media
            .removeParticipant(connection.room.roomName, target.participant.id)
            .catch((error: unknown) =>
              this.options.log.warn(
                { err: error },
                'media server: removing the participant failed (removed from the control channel anyway)',
              ),
            );
        }
        break;
    }
    await this.publish(connection.roomKey, {
      kind: 'command',
      action: message.type,
      target: target.participant.id,
      by,
      ...(message.type === 'deny' && message.reason !== undefined
        ? { reason: message.reason }
        : {}),
    });
  }

  private async endMeeting(connection: Connection, ref: string | null): Promise<void> {
    if (!connection.isHost) {
      this.error(connection, 'forbidden', 'Only hosts can end the meeting for everyone.', ref);
      return;
    }
    await this.options.decisions.endMeeting({ room: connection.room, byUserId: connection.userId });
    if (this.options.media) {
      await this.options.media
        .endRoom(connection.room.roomName)
        .catch((error: unknown) =>
          this.options.log.warn(
            { err: error },
            'media server: ending the room failed (ended on the control channel anyway)',
          ),
        );
    }
    await this.publish(connection.roomKey, { kind: 'ended', by: connection.participant.id });
    await this.options.presence.clear(connection.roomKey);
  }

  // ---- the bus ----------------------------------------------------------------------------

  private view(key: string): Promise<RoomView> {
    let view = this.views.get(key);
    if (!view) {
      const created = new RoomView(key);
      this.views.set(key, created);
      created.ready = (async () => {
        created.unsubscribe = await this.options.bus.subscribe(`room:${key}`, (message) => {
          if (created.pending) created.pending.push(message);
          else this.onEvent(key, created, message);
        });
        for (const entry of await this.options.presence.list(key)) {
          created.entries.set(entry.participant.id, entry);
        }
        const buffered = created.pending ?? [];
        created.pending = null;
        for (const message of buffered) this.onEvent(key, created, message);
      })();
      created.ready.catch(() => {
        if (this.views.get(key) === created) this.views.delete(key);
        void created.unsubscribe?.();
      });
      view = created;
    }
    const ready = view;
    return (ready.ready ?? Promise.resolve()).then(() => ready);
  }

  /**
   * Never throws: the session or membership already ended in the database, and the request
   * that ended it should not fail because the bus did; the error is logged instead.
   */
  private async publishAccountEvent(event: AccountEvent): Promise<void> {
    await this.options.bus
      .publish(ACCOUNTS_CHANNEL, JSON.stringify(event))
      .catch((error: unknown) =>
        this.options.log.error(
          { err: error, kind: event.kind },
          'control channel: could not announce an ended session or membership; its connections stay open',
        ),
      );
  }

  private onAccountEvent(raw: string): void {
    let event: AccountEvent;
    try {
      event = JSON.parse(raw) as AccountEvent;
    } catch {
      this.options.log.warn({}, 'control channel: unreadable account event');
      return;
    }
    const now = this.now();
    for (const [id, at] of this.endedSessions) {
      if (now - at > ENDED_MEMORY_MS) this.endedSessions.delete(id);
    }
    for (const [key, ended] of this.endedMemberships) {
      if (now - ended.at > ENDED_MEMORY_MS) this.endedMemberships.delete(key);
    }
    if (event.kind === 'sessions-ended') {
      for (const id of event.sessionIds) this.endedSessions.set(id, now);
    } else {
      this.endedMemberships.set(`${event.orgId}/${event.userId}`, { at: now, left: event.left });
    }
    for (const view of this.views.values()) {
      for (const connection of [...view.local.values()]) {
        const refusal = this.dismissalFor(connection);
        if (refusal) this.dismiss(connection, refusal);
      }
    }
  }

  /** Why a connection may no longer stay: its session or its membership ended. */
  private dismissalFor(connection: Connection): Dismissal | null {
    if (connection.sessionId !== null && this.endedSessions.has(connection.sessionId)) {
      return {
        code: CONTROL_CLOSE_CODES.unauthenticated,
        error: 'unauthenticated',
        reason: 'disconnected',
        message: SIGNED_OUT_MESSAGE,
      };
    }
    if (connection.userId === null) return null;
    const membership = this.endedMemberships.get(`${connection.room.orgId}/${connection.userId}`);
    if (!membership) return null;
    return {
      code: CONTROL_CLOSE_CODES.forbidden,
      error: 'forbidden',
      reason: membership.left ? 'left' : 'removed',
      message: membership.left
        ? "You left this meeting's organisation, so you can no longer take part in its meetings."
        : "You were removed from this meeting's organisation, so you can no longer take part in its meetings.",
    };
  }

  /**
   * Tells the client why, closes it (the close handler makes it a departure like any other) and,
   * when it was in the room, drops it from the media room too so its media stop at once.
   */
  private dismiss(connection: Connection, dismissal: Dismissal): void {
    if (connection.closing || connection.closed) return;
    const inRoom = connection.status === 'room';
    this.error(connection, dismissal.error, dismissal.message, null);
    this.closeConnection(connection, dismissal.code, dismissal.reason, dismissal.message);
    if (inRoom && this.options.media) {
      void this.options.media
        .removeParticipant(connection.room.roomName, connection.participant.id)
        .catch((error: unknown) =>
          this.options.log.warn(
            { err: error },
            'media server: removing a signed-out or former member failed (closed on the control channel anyway)',
          ),
        );
    }
  }

  private async publish(key: string, event: BusEvent): Promise<void> {
    await this.options.bus.publish(`room:${key}`, JSON.stringify(event));
  }

  private onEvent(key: string, view: RoomView, raw: string): void {
    let event: BusEvent;
    try {
      event = JSON.parse(raw) as BusEvent;
    } catch {
      this.options.log.warn({ room: key }, 'control channel: unreadable bus event');
      return;
    }
    switch (event.kind) {
      case 'presence':
        this.onPresence(view, event.entry, event.by);
        return;
      case 'gone':
        this.onGone(view, event.participantId, event.connectionId, event.reason, event.by);
        return;
      case 'relay':
        this.onRelay(view, event);
        return;
      case 'undeliverable': {
        if (event.toInstance !== this.instanceId) return;
        const sender = [...view.local.values()].find((c) => c.id === event.toConnection);
        if (sender) {
          this.error(
            sender,
            'recipient_left',
            `${event.recipient} left before the message reached them; it was not delivered.`,
            event.ref,
          );
        }
        return;
      }
      case 'command':
        this.onCommand(view, event);
        return;
      case 'broadcast':
        this.broadcastLocal(view, event.message, null);
        return;
      case 'ended':
        for (const connection of [...view.local.values()]) {
          this.send(connection, { type: 'meeting-ended', by: event.by });
          this.closeConnection(
            connection,
            CONTROL_CLOSE_CODES.meetingEnded,
            'ended',
            'A host ended the meeting.',
          );
        }
        view.entries.clear();
        return;
    }
  }

  private onPresence(view: RoomView, entry: PresenceEntry, by: string | null): void {
    const id = entry.participant.id;
    const previous = view.entries.get(id);
    view.entries.set(id, entry);
    const local = view.local.get(id);
    if (local && local.id !== entry.connectionId && entry.instanceId !== this.instanceId) {
      // The same participant connected again elsewhere: this connection is stale.
      this.closeConnection(
        local,
        CONTROL_CLOSE_CODES.replaced,
        'replaced',
        'You joined from another tab or device; this one is closed.',
      );
      view.local.delete(id);
    }
    const replaced = previous !== undefined && previous.connectionId !== entry.connectionId;
    if (entry.status === 'room') {
      if (previous?.status === 'room' && !replaced) {
        this.broadcastLocal(
          view,
          { type: 'participant-updated', participant: entry.participant },
          null,
        );
        return;
      }
      if (previous?.status === 'room' && replaced) {
        this.broadcastLocal(
          view,
          { type: 'participant-left', participantId: id, reason: 'replaced' },
          id,
        );
      }
      this.broadcastLocal(view, { type: 'participant-joined', participant: entry.participant }, id);
      if (previous?.status === 'lobby') {
        this.toHosts(view, { type: 'lobby-left', participantId: id, outcome: 'admitted', by });
      }
      return;
    }
    if (!previous || replaced || previous.status !== 'lobby') {
      this.toHosts(view, { type: 'lobby-joined', entry: lobbyEntry(entry) });
    }
  }

  private onGone(
    view: RoomView,
    id: string,
    connectionId: string,
    reason: GoneReason,
    by: string | null,
  ): void {
    const previous = view.entries.get(id);
    if (!previous || previous.connectionId !== connectionId) return;
    view.entries.delete(id);
    if (previous.status === 'room') {
      const left =
        reason === 'removed' || reason === 'replaced' || reason === 'left'
          ? reason
          : 'disconnected';
      this.broadcastLocal(view, { type: 'participant-left', participantId: id, reason: left }, id);
    } else {
      this.toHosts(view, {
        type: 'lobby-left',
        participantId: id,
        outcome: reason === 'denied' ? 'denied' : 'left',
        by,
      });
    }
  }

  private throttleOf(connection: Connection): SenderThrottle {
    let throttle = this.throttles.get(connection);
    if (!throttle) {
      throttle = new SenderThrottle(
        { ...this.throttleLimits, maxViolations: this.limits.maxViolations },
        this.now(),
      );
      this.throttles.set(connection, throttle);
    }
    return throttle;
  }

  private closeFlooder(connection: Connection): void {
    this.closeConnection(
      connection,
      CONTROL_CLOSE_CODES.rateLimited,
      'disconnected',
      'Too many messages: the connection was closed. Reconnect and send more slowly.',
    );
  }

  /**
   * A recipient whose queue is over half full does not get this relay (throttle.ts): it is
   * dropped for them, and the sender, when connected here, is charged a violation, not the
   * reader. A reader whose queue is past the whole limit is not reading and is closed (4413).
   */
  private backedUp(
    view: RoomView,
    recipient: Connection,
    event: Extract<BusEvent, { kind: 'relay' }>,
  ): boolean {
    const queued = recipient.socket.bufferedAmount;
    // Past the full limit the reader is not reading at all: sendText closes it (4413).
    if (queued <= this.limits.maxBufferedBytes / 2 || queued > this.limits.maxBufferedBytes) {
      return false;
    }
    const sender = view.local.get(event.from);
    if (
      sender &&
      sender.id === event.fromConnection &&
      this.throttleOf(sender).penalize(this.now())
    ) {
      this.closeFlooder(sender);
    }
    return true;
  }

  private onRelay(view: RoomView, event: Extract<BusEvent, { kind: 'relay' }>): void {
    const bytes = Buffer.byteLength(event.payload);
    const at = new Date(this.now()).toISOString();
    const message: ServerMessage = {
      type: 'relay',
      from: event.from,
      channel: event.channel,
      payload: event.payload,
      ...(event.id !== undefined ? { id: event.id } : {}),
      broadcast: event.to === null,
    };
    const text = JSON.stringify(message);
    const log = (to: string, outcome: 'delivered' | 'recipient-left') =>
      this.options.relayLog?.record({
        meetingId: view.meetingId,
        occurrenceId: view.occurrenceId,
        from: event.from,
        to,
        channel: event.channel,
        bytes,
        broadcast: event.to === null,
        outcome,
        at,
      });
    if (event.to === null) {
      for (const connection of view.local.values()) {
        if (connection.status !== 'room' || connection.participant.id === event.from) continue;
        if (this.backedUp(view, connection, event)) continue;
        this.sendText(connection, text);
        log(connection.participant.id, 'delivered');
      }
      return;
    }
    const recipient = view.local.get(event.to);
    if (recipient && recipient.status === 'room' && !recipient.closing && !recipient.closed) {
      if (this.backedUp(view, recipient, event)) return;
      this.sendText(recipient, text);
      log(event.to, 'delivered');
      return;
    }
    // Only the instance that held the recipient answers for it: it left before delivery.
    const wasMine =
      recipient !== undefined ||
      view.entries.get(event.to)?.instanceId === this.instanceId ||
      view.departed.has(event.to);
    if (!wasMine) return;
    log(event.to, 'recipient-left');
    void this.publish(view.key, {
      kind: 'undeliverable',
      toInstance: event.fromInstance,
      toConnection: event.fromConnection,
      recipient: event.to,
      ref: event.id ?? 'relay',
    }).catch(() => undefined);
  }

  private onCommand(view: RoomView, event: Extract<BusEvent, { kind: 'command' }>): void {
    const connection = view.local.get(event.target);
    if (!connection || connection.closing || connection.closed) return;
    switch (event.action) {
      case 'admit': {
        if (connection.status !== 'lobby') return;
        connection.status = 'room';
        this.send(connection, {
          type: 'admitted',
          self: connection.participant,
          participants: this.roomParticipants(view, connection.participant.id),
          ticket: connection.issueTicket ? connection.issueTicket() : null,
        });
        void this.announce(connection, event.by).catch((error: unknown) =>
          this.options.log.error({ err: error }, 'control channel: announcing an admission failed'),
        );
        this.extensionJoined(connection);
        return;
      }
      case 'deny':
        this.send(connection, { type: 'denied', reason: event.reason ?? null });
        this.closeConnection(
          connection,
          CONTROL_CLOSE_CODES.denied,
          'denied',
          'A host did not let you in.',
          event.by,
        );
        return;
      case 'remove':
        this.send(connection, { type: 'removed', by: event.by });
        this.closeConnection(
          connection,
          CONTROL_CLOSE_CODES.removed,
          'removed',
          'A host removed you from the meeting.',
          event.by,
        );
        return;
      case 'make-host': {
        connection.participant = { ...connection.participant, role: 'host' };
        void this.announce(connection, event.by)
          .then(() => {
            // A new host learns who is waiting.
            for (const entry of this.lobbyEntries(view)) {
              this.send(connection, { type: 'lobby-joined', entry });
            }
          })
          .catch((error: unknown) =>
            this.options.log.error({ err: error }, 'control channel: announcing a new host failed'),
          );
        return;
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Writes the connection's presence and tells every instance. */
  private async announce(connection: Connection, by: string | null): Promise<void> {
    if (connection.closed || connection.closing) return;
    const entry: PresenceEntry = {
      participant: connection.participant,
      status: connection.status,
      instanceId: this.instanceId,
      connectionId: connection.id,
      since: connection.status === 'lobby' ? connection.since : new Date(this.now()).toISOString(),
    };
    await this.options.presence.upsert(connection.roomKey, entry);
    await this.publish(connection.roomKey, { kind: 'presence', entry, by });
  }

  private async depart(
    connection: Connection,
    reason: GoneReason,
    by: string | null = null,
  ): Promise<void> {
    const view = this.views.get(connection.roomKey);
    if (view && view.local.get(connection.participant.id) === connection) {
      view.local.delete(connection.participant.id);
      const now = this.now();
      view.departed.set(connection.participant.id, now);
      for (const [id, at] of view.departed) if (now - at > 60_000) view.departed.delete(id);
    }
    if (reason !== 'replaced' && this.extension) {
      await this.extension
        .departed({ room: connection.room, participantId: connection.participant.id, reason })
        .catch((error: unknown) =>
          this.options.log.error({ err: error }, 'control channel: room extension (leave) failed'),
        );
    }
    if (reason !== 'replaced' && reason !== 'ended') {
      await this.options.presence.remove(
        connection.roomKey,
        connection.participant.id,
        connection.id,
      );
      await this.publish(connection.roomKey, {
        kind: 'gone',
        participantId: connection.participant.id,
        connectionId: connection.id,
        reason,
        by: by ?? null,
      });
    }
    if (view && view.local.size === 0 && this.views.get(connection.roomKey) === view) {
      this.views.delete(connection.roomKey);
      await view.unsubscribe?.();
    }
  }

  private closeConnection(
    connection: Connection,
    code: number,
    reason: GoneReason,
    text: string,
    by: string | null = null,
  ): void {
    if (connection.closing || connection.closed) return;
    connection.closing = reason;
    connection.closedBy = by;
    try {
      connection.socket.close(code, closeReason(text));
    } catch {
      connection.socket.terminate();
    }
  }

  private roomParticipants(view: RoomView, except: string): Participant[] {
    return [...view.entries.values()]
      .filter((entry) => entry.status === 'room' && entry.participant.id !== except)
      .map((entry) => entry.participant);
  }

  private lobbyEntries(view: RoomView): LobbyEntry[] {
    return [...view.entries.values()].filter((entry) => entry.status === 'lobby').map(lobbyEntry);
  }

  private broadcastLocal(view: RoomView, message: ServerMessage, except: string | null): void {
    const text = JSON.stringify(message);
    for (const connection of view.local.values()) {
      if (connection.status === 'room' && connection.participant.id !== except) {
        this.sendText(connection, text);
      }
    }
  }

  private toHosts(view: RoomView, message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const connection of view.local.values()) {
      if (connection.isHost) this.sendText(connection, text);
    }
  }

  private send(connection: Connection, message: ServerMessage): void {
    this.sendText(connection, JSON.stringify(message));
  }

  private sendText(connection: Connection, text: string): void {
    if (connection.closed || connection.closing) return;
    if (connection.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.closeConnection(
        connection,
        CONTROL_CLOSE_CODES.slowConsumer,
        'disconnected',
        'The connection could not keep up with the meeting; reconnect.',
      );
      return;
    }
    connection.socket.send(text);
  }

  private error(
    connection: Connection,
    code: ControlErrorCode,
    message: string,
    ref: string | null,
  ): void {
    this.send(connection, { type: 'error', code, message, ref });
  }

  /** Heartbeat: ping every socket; close those that did not answer the previous ping. */
  private async tick(): Promise<void> {
    const now = this.now();
    for (const view of this.views.values()) {
      for (const connection of view.local.values()) {
        if (connection.closed || connection.closing) continue;
        if (!connection.alive) {
          this.closeConnection(
            connection,
            CONTROL_CLOSE_CODES.heartbeatTimeout,
            'disconnected',
            'No answer to the heartbeat; reconnect.',
          );
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
        if (
          connection.issueTicket &&
          now - connection.ticketIssuedAt > this.limits.ticketRefreshMs
        ) {
          connection.ticketIssuedAt = now;
          this.send(connection, { type: 'ticket', ticket: connection.issueTicket() });
        }
      }
    }
    await this.options.presence
      .heartbeat(this.instanceId)
      .catch((error: unknown) =>
        this.options.log.warn({ err: error }, 'control channel: presence heartbeat failed'),
      );
    await this.sweepDeadInstances().catch((error: unknown) =>
      this.options.log.warn({ err: error }, 'control channel: checking other instances failed'),
    );
  }

  /** Entries of instances that stopped (crashed without saying goodbye) are dropped. */
  private async sweepDeadInstances(): Promise<void> {
    for (const [key, view] of this.views) {
      const others = [...new Set([...view.entries.values()].map((e) => e.instanceId))].filter(
        (id) => id !== this.instanceId,
      );
      if (others.length === 0) continue;
      const live = await this.options.presence.liveInstances(others);
      for (const entry of [...view.entries.values()]) {
        if (entry.instanceId === this.instanceId || live.has(entry.instanceId)) continue;
        await this.options.presence.remove(key, entry.participant.id, entry.connectionId);
        this.onGone(view, entry.participant.id, entry.connectionId, 'disconnected', null);
      }
    }
  }
}

interface Dismissal {
  code: number;
  error: ControlErrorCode;
  reason: GoneReason;
  message: string;
}

function lobbyEntry(entry: PresenceEntry): LobbyEntry {
  return { ...entry.participant, waitingSince: entry.since };
}

function refOf(json: unknown, type: string): string {
  if (typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'string') {
    return json.id.slice(0, 64);
  }
  return type;
}
