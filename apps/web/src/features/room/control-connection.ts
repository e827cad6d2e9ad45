import {
  CONTROL_CLOSE_CODES,
  serverMessageSchema,
  type ClientMessage,
  type ServerMessage,
} from '@conclave/contracts';
import { systemClock, type Clock, type TimerHandle } from './clock';

/** The part of a WebSocket this needs: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ControlConnectionOptions {
  /** Makes a socket to the control channel; called again for every reconnection attempt. */
  connect: () => SocketLike;
  onMessage: (message: ServerMessage) => void;
  /** The channel closed for good (meeting ended, removed, denied, replaced, refused). */
  onClosed?: (code: number, reason: string) => void;
  onStateChange?: (state: ConnectionState) => void;
  clock?: Clock;
  /** Delays between reconnection attempts; the last one repeats. */
  backoffMs?: readonly number[];
}

const OPEN = 1;

/** Close codes after which trying again cannot help. */
const FINAL_CODES = new Set<number>([
  CONTROL_CLOSE_CODES.normal,
  CONTROL_CLOSE_CODES.badRequest,
  CONTROL_CLOSE_CODES.unauthenticated,
  CONTROL_CLOSE_CODES.forbidden,
  CONTROL_CLOSE_CODES.notFound,
  CONTROL_CLOSE_CODES.replaced,
  CONTROL_CLOSE_CODES.meetingEnded,
  CONTROL_CLOSE_CODES.removed,
  CONTROL_CLOSE_CODES.denied,
  CONTROL_CLOSE_CODES.notOpen,
]);

/**
 * The control channel's WebSocket with what a meeting needs around it: messages checked
 * against the contracts, messages sent while reconnecting queued (up to a bound) and sent on
 * the next connection, and reconnection with back-off after a network drop. A close code that
 * means "do not come back" (removed, ended, ...) ends it for good.
 */
export class ControlConnection {
  private socket: SocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private retryTimer: TimerHandle = undefined;
  private readonly outbox: string[] = [];
  private readonly clock: Clock;
  private readonly backoffMs: readonly number[];
  private stopped = false;

  constructor(private readonly options: ControlConnectionOptions) {
    this.clock = options.clock ?? systemClock;
    this.backoffMs = options.backoffMs ?? [250, 500, 1_000, 2_000, 4_000];
    this.open();
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  send(message: ClientMessage): void {
    if (this.stopped) return;
    const data = JSON.stringify(message);
    if (this.socket?.readyState === OPEN) this.socket.send(data);
    else if (this.outbox.length < 1_000) this.outbox.push(data);
  }

  /** Leaves for good (after sending `leave` if the caller did). */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      // Let a queued `leave` go out before closing.
      for (const data of this.outbox.splice(0)) if (socket.readyState === OPEN) socket.send(data);
      socket.close(CONTROL_CLOSE_CODES.normal, 'left');
    }
    this.setState('closed');
  }

  private open(): void {
    const socket = this.options.connect();
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setState('open');
      for (const data of this.outbox.splice(0)) socket.send(data);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket || typeof event.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      const parsed = serverMessageSchema.safeParse(json);
      if (parsed.success) this.options.onMessage(parsed.data);
    };
    socket.onerror = () => undefined; // a close event always follows
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (FINAL_CODES.has(event.code)) {
        this.stopped = true;
        this.setState('closed');
        this.options.onClosed?.(event.code, event.reason);
        return;
      }
      this.setState('reconnecting');
      const delay =
        this.backoffMs[Math.min(this.attempt, this.backoffMs.length - 1)] ?? this.backoffMs[0]!;
      this.attempt++;
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopped) this.open();
      }, delay);
    };
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onStateChange?.(state);
  }
}
