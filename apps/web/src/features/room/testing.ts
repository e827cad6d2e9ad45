import type { ClientMessage, LobbyEntry, Participant, ServerMessage } from '@conclave/contracts';
import type { Clock, TimerHandle } from './clock';

/**
 * A clock for tests: time moves only when the test calls `advance`, and timers due by then run
 * in order of their due time. Used by the unit tests of this folder and nowhere else.
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle) {
      this.timers.delete((handle as { id: number }).id);
    }
  }

  /** Moves time forward, running every timer that falls due, including ones they schedule. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: [number, { due: number; callback: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].due <= target && (!next || entry[1].due < next[1].due)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].due);
      next[1].callback();
    }
    this.time = target;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}

/**
 * A stand-in for the control channel's server in unit tests of the room: presence, the lobby,
 * host actions and the relay, following packages/contracts' control-channel messages. It
 * records every relayed message so tests can check what the server saw. Delivery is queued and
 * happens in `flush()`, like a network would, so nothing re-enters a session mid-call.
 * The real server is exercised by the integration and end-to-end tests.
 */
export class InMemoryControlServer {
  readonly relayLog: {
    from: string;
    to: string;
    channel: string;
    payload: string;
    delivered: string[];
  }[] = [];
  private readonly clients = new Map<string, ConnectedClient>();
  private readonly queue: (() => void)[] = [];
  /** Fault switch: what participant (by id) a viewer (by id) is shown instead of the real one. */
  swapIdentity: ((viewerId: string, participant: Participant) => Participant) | null = null;

  constructor(readonly meeting: MeetingContext) {}

  connect(
    participant: Participant,
    receive: (message: ServerMessage) => void,
    options: { lobby?: boolean } = {},
  ): { send: (message: ClientMessage) => void; close: () => void } {
    const client: ConnectedClient = {
      participant,
      receive,
      status: options.lobby ? 'lobby' : 'admitted',
    };
    this.clients.set(participant.id, client);
    this.later(() => {
      receive({
        type: 'welcome',
        self: participant,
        status: client.status,
        meeting: this.meeting,
        participants: client.status === 'admitted' ? this.othersFor(participant.id) : [],
        lobby: participant.role === 'host' ? this.lobbyEntries() : [],
        ticket: null,
        limits: {
          maxFrameBytes: 65536,
          maxRelayPayloadBytes: 32768,
          messageBurst: 600,
          messagesPerSecond: 200,
          heartbeatIntervalMs: 15000,
        },
      });
      if (client.status === 'admitted') this.announceJoin(participant.id);
      else {
        for (const host of this.admitted()) {
          if (host.participant.role === 'host') {
            host.receive({ type: 'lobby-joined', entry: this.lobbyEntry(participant) });
          }
        }
      }
    });
    return {
      send: (message) => this.later(() => this.receiveFrom(participant.id, message)),
      close: () => this.later(() => this.disconnect(participant.id, 'left')),
    };
  }

  /** Delivers everything queued, and what that causes, until nothing moves any more. */
  async flush(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      while (this.queue.length > 0) this.queue.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.queue.length === 0) return;
    }
    throw new Error('InMemoryControlServer: messages kept flowing for 1000 rounds');
  }

  private later(task: () => void): void {
    this.queue.push(task);
  }

  private receiveFrom(id: string, message: ClientMessage): void {
    const client = this.clients.get(id);
    if (!client) return;
    switch (message.type) {
      case 'relay': {
        if (client.status !== 'admitted') return;
        const targets =
          message.to === '*'
            ? this.admitted().filter((c) => c.participant.id !== id)
            : this.admitted().filter((c) => c.participant.id === message.to);
        this.relayLog.push({
          from: id,
          to: message.to,
          channel: message.channel,
          payload: message.payload,
          delivered: targets.map((t) => t.participant.id),
        });
        for (const target of targets) {
          target.receive({
            type: 'relay',
            from: id,
            channel: message.channel,
            payload: message.payload,
            broadcast: message.to === '*',
          });
        }
        return;
      }
      case 'admit': {
        const entry = this.clients.get(message.participantId);
        if (client.participant.role !== 'host' || entry?.status !== 'lobby') return;
        entry.status = 'admitted';
        entry.receive({
          type: 'admitted',
          self: entry.participant,
          participants: this.othersFor(entry.participant.id),
          ticket: null,
        });
        for (const host of this.admitted()) {
          if (host.participant.role === 'host') {
            host.receive({
              type: 'lobby-left',
              participantId: entry.participant.id,
              outcome: 'admitted',
              by: id,
            });
          }
        }
        this.announceJoin(entry.participant.id);
        return;
      }
      case 'remove': {
        const target = this.clients.get(message.participantId);
        if (client.participant.role !== 'host' || !target) return;
        target.receive({ type: 'removed', by: id });
        this.disconnect(message.participantId, 'removed');
        return;
      }
      case 'end-meeting':
        if (client.participant.role !== 'host') return;
        for (const other of [...this.clients.values()]) {
          other.receive({ type: 'meeting-ended', by: id });
        }
        this.clients.clear();
        return;
      case 'leave':
        this.disconnect(id, 'left');
        return;
      default:
        return;
    }
  }

  private disconnect(id: string, reason: 'left' | 'removed'): void {
    const client = this.clients.get(id);
    if (!client) return;
    this.clients.delete(id);
    if (client.status !== 'admitted') return;
    for (const other of this.admitted()) {
      other.receive({ type: 'participant-left', participantId: id, reason });
    }
  }

  private announceJoin(id: string): void {
    for (const other of this.admitted()) {
      if (other.participant.id === id) continue;
      other.receive({
        type: 'participant-joined',
        participant: this.shownTo(other.participant.id, this.clients.get(id)!.participant),
      });
    }
  }

  private othersFor(viewerId: string): Participant[] {
    return this.admitted()
      .filter((c) => c.participant.id !== viewerId)
      .map((c) => this.shownTo(viewerId, c.participant));
  }

  private shownTo(viewerId: string, participant: Participant): Participant {
    return this.swapIdentity ? this.swapIdentity(viewerId, participant) : participant;
  }

  private admitted(): ConnectedClient[] {
    return [...this.clients.values()].filter((c) => c.status === 'admitted');
  }

  private lobbyEntries(): LobbyEntry[] {
    return [...this.clients.values()]
      .filter((c) => c.status === 'lobby')
      .map((c) => this.lobbyEntry(c.participant));
  }

  private lobbyEntry(participant: Participant): LobbyEntry {
    return { ...participant, waitingSince: participant.joinedAt };
  }
}

interface ConnectedClient {
  participant: Participant;
  receive: (message: ServerMessage) => void;
  status: 'admitted' | 'lobby';
}

type MeetingContext = Extract<ServerMessage, { type: 'welcome' }>['meeting'];

/** Records what the room installs for media (what livekit's key provider would get). */
export class RecordingMediaSink {
  readonly installed: { identity: string; keyIndex: number; key: Uint8Array }[] = [];
  localIdentity: string | null = null;
  readonly forgotten: string[] = [];

  setLocalIdentity(identity: string): void {
    this.localIdentity = identity;
  }

  async setParticipantKey(identity: string, keyIndex: number, key: Uint8Array): Promise<void> {
    this.installed.push({ identity, keyIndex, key: key.slice() });
    await Promise.resolve();
  }

  forgetParticipant(identity: string): void {
    this.forgotten.push(identity);
  }

  /** The key index this participant's media is currently encrypted with (local) or last got. */
  latestIndex(identity: string): number | undefined {
    return this.installed.filter((entry) => entry.identity === identity).at(-1)?.keyIndex;
  }
}
