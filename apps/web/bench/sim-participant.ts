import WebSocket from 'ws';
import type { PublicIdentity } from '@conclave/crypto';
import { ControlConnection, type SocketLike } from '../src/features/room/control-connection';
import type { PinCheck, PinStore } from '../src/features/room/participant-trust';
import { RoomSession, type RoomView } from '../src/features/room/room-session';
import type { SenderKeyTimings } from '../src/features/room/sender-key-manager';

/**
 * A meeting participant without a browser: the room's own RoomSession (key exchange, trust,
 * security code, sealed chat) over the real control channel with the `ws` package. No media:
 * keys it would give livekit are recorded instead. The integration tests and the benchmark use
 * it to run real key exchanges against the real API at a scale browsers cannot reach here.
 */

/** Pins as a browser's localStorage keeps them, in memory. */
export class MemoryPins implements PinStore {
  readonly pins = new Map<string, PublicIdentity>();
  check(userId: string, identity: PublicIdentity): PinCheck {
    const pinned = this.pins.get(userId);
    if (!pinned) return 'new';
    return pinned.exchangePublicKey === identity.exchangePublicKey &&
      pinned.signingPublicKey === identity.signingPublicKey
      ? 'same'
      : 'changed';
  }
  pin(userId: string, identity: PublicIdentity): void {
    this.pins.set(userId, identity);
  }
}

export interface SimParticipantOptions {
  /** Full WebSocket URL of the control channel (with `?ticket=` for guests). */
  url: string;
  /** Members: the session cookie; the Origin the server expects. */
  headers?: Record<string, string>;
  exchangeKeys: { publicKey: Uint8Array; privateKey: Uint8Array };
  viewer: 'member' | 'guest';
  pins?: PinStore | null;
  linkSecret?: string | null;
  timings?: Partial<SenderKeyTimings>;
}

export class SimParticipant {
  readonly session: RoomSession;
  readonly connection: ControlConnection;
  /** What the browser would hand livekit's key provider: identity and key index, in order. */
  readonly installed: { identity: string; keyIndex: number; at: number }[] = [];
  closedWith: number | null = null;
  /** How many times the control channel opened (more than once: it reconnected). */
  opens = 0;
  private readonly waiters = new Set<() => void>();
  private socket: WebSocket | null = null;

  constructor(options: SimParticipantOptions) {
    this.session = new RoomSession({
      send: (message) => this.connection.send(message),
      exchangeKeys: options.exchangeKeys,
      viewer: options.viewer,
      pins: options.pins === undefined ? new MemoryPins() : options.pins,
      linkSecret: options.linkSecret ?? null,
      ...(options.timings ? { timings: options.timings } : {}),
      media: {
        setLocalIdentity: () => undefined,
        setParticipantKey: async (identity, keyIndex) => {
          this.installed.push({ identity, keyIndex, at: performance.now() });
        },
        forgetParticipant: () => undefined,
      },
    });
    this.session.subscribe(() => this.notify());
    this.connection = new ControlConnection({
      connect: () => {
        this.socket = new WebSocket(options.url, { headers: options.headers ?? {} });
        return this.socket as unknown as SocketLike;
      },
      onMessage: (message) => this.session.handle(message),
      onClosed: (code) => {
        this.closedWith = code;
        this.session.closed(code);
        this.notify();
      },
      onStateChange: (state) => {
        if (state === 'open') this.opens++;
        this.notify();
      },
      backoffMs: [100, 200, 400],
    });
  }

  view(): RoomView {
    return this.session.view();
  }

  /** The key index this participant encrypts with now (its own latest installed key). */
  ownKeyIndex(): number | null {
    return this.view().myKey?.activeKeyIndex ?? null;
  }

  /** The latest key index this participant installed for `identity`. */
  latestFrom(identity: string): number | null {
    return this.view().participants.find((p) => p.id === identity)?.latestKeyIndex ?? null;
  }

  /** Resolves when `predicate` holds (checked on every change), or rejects after `timeoutMs`. */
  waitFor(predicate: (view: RoomView) => boolean, timeoutMs = 10_000, what = 'a condition') {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate(this.view())) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`SimParticipant: timed out waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  leave(): void {
    this.session.leave();
    this.connection.close();
  }

  /**
   * Cuts the socket as a network failure would (no `leave`, no close handshake); the control
   * connection notices and reconnects by itself.
   */
  simulateNetworkDrop(): void {
    this.socket?.terminate();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Everyone holds everyone else's current key (what "the meeting is keyed" means). */
export function fullyKeyed(participants: readonly SimParticipant[]): boolean {
  return participants.every((receiver) =>
    participants.every((sender) => {
      if (sender === receiver) return true;
      const id = sender.view().self?.id;
      const current = sender.ownKeyIndex();
      return id !== undefined && current !== null && receiver.latestFrom(id) === current;
    }),
  );
}

/** Resolves when `fullyKeyed` holds, re-checking whenever any participant's state changes. */
export function waitUntilKeyed(
  participants: readonly SimParticipant[],
  timeoutMs = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const unsubscribes: (() => void)[] = [];
    const done = (error?: Error) => {
      clearTimeout(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (fullyKeyed(participants)) done();
    };
    const timer = setTimeout(
      () => done(new Error(`the meeting was not keyed within ${timeoutMs} ms`)),
      timeoutMs,
    );
    for (const participant of participants) unsubscribes.push(participant.session.subscribe(check));
    check();
  });
}
