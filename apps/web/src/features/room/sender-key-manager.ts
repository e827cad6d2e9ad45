import { generateSenderKey, toBase64Url } from '@conclave/crypto';
import { systemClock, type Clock, type TimerHandle } from './clock';

/** Someone my sender key may be given to: a participant whose keys checked out. */
export interface KeyRecipient {
  id: string;
  exchangePublicKey: Uint8Array;
}

export type RotationReason = 'start' | 'join' | 'leave' | 'lifetime' | 'requested';

export interface SenderKeyTimings {
  /**
   * A key is replaced this long after it was made (default 8 minutes: browsers may fire a
   * background tab's timers up to a minute late, and the switch waits for acknowledgements).
   */
  rotateAfterMs: number;
  /** No key of mine encrypts anything once it is this old (default 10 minutes). */
  maxLifetimeMs: number;
  /**
   * How long a new key waits for every recipient's acknowledgement before it is used anyway
   * (default 3 s). A recipient that has not acknowledged by then sees my media freeze until its
   * copy arrives; waiting longer would let a leaver decrypt more of what follows its leave.
   */
  ackTimeoutMs: number;
}

export const DEFAULT_SENDER_KEY_TIMINGS: SenderKeyTimings = {
  rotateAfterMs: 8 * 60_000,
  maxLifetimeMs: 10 * 60_000,
  ackTimeoutMs: 3_000,
};

export interface SenderKeyManagerOptions {
  /** The first key's index; every later key gets the next one (uint32, only ever grows). */
  initialKeyIndex: number;
  /** Encrypts one key to one recipient and sends it (crypto_box over the control channel). */
  deliver(recipient: KeyRecipient, keyIndex: number, key: Uint8Array): void;
  /** From now on my media and room messages are encrypted with this key. */
  activate(keyIndex: number, key: Uint8Array, reason: RotationReason): void;
  /** Called after every state change (for views). */
  onChange?: () => void;
  clock?: Clock;
  generateKey?: () => Uint8Array;
  timings?: Partial<SenderKeyTimings>;
}

interface OwnKey {
  keyIndex: number;
  key: Uint8Array;
  createdAt: number;
  reason: RotationReason;
  /** Recipients (id and public key) this key was given to. */
  holders: Set<string>;
}

interface PendingKey extends OwnKey {
  /** Holders that have not acknowledged yet. */
  awaiting: Set<string>;
}

export interface SenderKeySnapshot {
  activeKeyIndex: number | null;
  activeSince: number | null;
  pendingKeyIndex: number | null;
  /** Ids of recipients whose acknowledgement of the pending key is still missing. */
  awaiting: string[];
  /** Ids my active key was given to. */
  holders: string[];
  rotations: number;
}

/**
 * My own media sender key over the life of a meeting: which key encrypts my media, who holds
 * it, and when it is replaced.
 *
 * - Every recipient change rotates: a leaver (or a recipient whose key changed or stopped
 *   checking out) makes a fresh key that only the remaining recipients get; a joiner makes a
 *   fresh key too, so joiners never hold a key that encrypted anything before they came. When
 *   a key is still waiting for acknowledgements and only joiners arrive, the joiners get that
 *   waiting key (it has encrypted nothing yet) instead of yet another one.
 * - A new key is delivered first and used only once every recipient acknowledged it (or after
 *   `ackTimeoutMs`), so nobody's view of my media freezes while keys travel. Receivers keep
 *   earlier keys in their key ring, so frames in flight at the switch still decrypt.
 * - Keys are replaced `rotateAfterMs` after they are made; a waiting key is forced into use
 *   before the active one reaches `maxLifetimeMs`, whatever the acknowledgements.
 */
export class SenderKeyManager {
  private readonly clock: Clock;
  private readonly generateKey: () => Uint8Array;
  private readonly timings: SenderKeyTimings;
  private readonly recipients = new Map<string, KeyRecipient>();
  private active: OwnKey | undefined;
  private pending: PendingKey | undefined;
  private nextKeyIndex: number;
  private rotationTimer: TimerHandle;
  private ackTimer: TimerHandle;
  private rotations = 0;
  private disposed = false;

  constructor(private readonly options: SenderKeyManagerOptions) {
    this.clock = options.clock ?? systemClock;
    this.generateKey = options.generateKey ?? generateSenderKey;
    this.timings = { ...DEFAULT_SENDER_KEY_TIMINGS, ...options.timings };
    if (this.timings.rotateAfterMs + this.timings.ackTimeoutMs > this.timings.maxLifetimeMs) {
      throw new Error(
        'SenderKeyManager: rotateAfterMs + ackTimeoutMs must not exceed maxLifetimeMs',
      );
    }
    if (!Number.isInteger(options.initialKeyIndex) || options.initialKeyIndex < 0) {
      throw new Error('SenderKeyManager: initialKeyIndex must be a non-negative integer');
    }
    this.nextKeyIndex = options.initialKeyIndex;
  }

  /** Makes the first key, gives it to the current recipients and uses it at once. */
  start(recipients: readonly KeyRecipient[]): void {
    if (this.active || this.pending) throw new Error('SenderKeyManager: already started');
    for (const recipient of recipients) this.recipients.set(recipientKey(recipient), recipient);
    const key = this.makeKey('start');
    // Nobody holds an earlier key of mine, so there is nothing to keep using meanwhile.
    this.deliverTo(key, [...this.recipients.values()]);
    this.activateKey(key);
  }

  /**
   * The participants who may hold my key right now (present, keys checked out). Compared with
   * the previous set: anyone gone (or whose public key changed) rotates the key; newcomers get
   * a key made after they came.
   */
  setRecipients(recipients: readonly KeyRecipient[]): void {
    this.assertLive();
    const next = new Map(recipients.map((recipient) => [recipientKey(recipient), recipient]));
    const removed = [...this.recipients.keys()].filter((key) => !next.has(key));
    const added = [...next.keys()].filter((key) => !this.recipients.has(key));
    this.recipients.clear();
    for (const [key, recipient] of next) this.recipients.set(key, recipient);
    if (!this.active) return; // not started: start() will use the current set
    if (removed.length > 0) {
      this.rotate('leave');
    } else if (added.length > 0) {
      if (this.pending) {
        const joiners = added.map((key) => next.get(key)!);
        this.deliverTo(this.pending, joiners);
        for (const key of added) this.pending.awaiting.add(key);
        this.scheduleAckDeadline();
        this.options.onChange?.();
      } else {
        this.rotate('join');
      }
    }
  }

  /** A recipient confirmed it installed my key with this index. */
  acknowledge(recipientId: string, keyIndex: number): void {
    if (this.disposed || !this.pending || this.pending.keyIndex !== keyIndex) return;
    let changed = false;
    for (const key of [...this.pending.awaiting]) {
      if (this.recipients.get(key)?.id === recipientId) {
        this.pending.awaiting.delete(key);
        changed = true;
      }
    }
    if (!changed) return;
    if (this.pending.awaiting.size === 0) this.activatePending();
    else this.options.onChange?.();
  }

  /**
   * A recipient lost its keys (e.g. its control channel reconnected and messages were lost).
   * It gets again only keys it was entitled to when they were made; returns how many.
   */
  resend(recipientId: string): number {
    this.assertLive();
    let sent = 0;
    for (const key of [this.active, this.pending]) {
      if (!key) continue;
      for (const [holder, recipient] of this.recipients) {
        if (recipient.id === recipientId && key.holders.has(holder)) {
          this.options.deliver(recipient, key.keyIndex, key.key);
          sent++;
        }
      }
    }
    return sent;
  }

  /** Rotates now (e.g. a participant asked for it after a verification problem). */
  rotateNow(): void {
    this.assertLive();
    if (this.active) this.rotate('requested');
  }

  /** The key my media and messages are encrypted with. */
  activeKey(): { keyIndex: number; key: Uint8Array } | undefined {
    return this.active ? { keyIndex: this.active.keyIndex, key: this.active.key } : undefined;
  }

  snapshot(): SenderKeySnapshot {
    const idOf = (key: string) => this.recipients.get(key)?.id ?? key.split(':')[0]!;
    return {
      activeKeyIndex: this.active?.keyIndex ?? null,
      activeSince: this.active?.createdAt ?? null,
      pendingKeyIndex: this.pending?.keyIndex ?? null,
      awaiting: [...(this.pending?.awaiting ?? [])].map(idOf).sort(),
      holders: [...(this.active?.holders ?? [])].map(idOf).sort(),
      rotations: this.rotations,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimer('rotationTimer');
    this.clearTimer('ackTimer');
    this.active?.key.fill(0);
    this.pending?.key.fill(0);
    this.active = undefined;
    this.pending = undefined;
  }

  private makeKey(reason: RotationReason): OwnKey {
    if (this.nextKeyIndex > 0xffffffff) throw new Error('SenderKeyManager: key index exhausted');
    return {
      keyIndex: this.nextKeyIndex++,
      key: this.generateKey(),
      createdAt: this.clock.now(),
      reason,
      holders: new Set(),
    };
  }

  private deliverTo(key: OwnKey, recipients: readonly KeyRecipient[]): void {
    for (const recipient of recipients) {
      key.holders.add(recipientKey(recipient));
      this.options.deliver(recipient, key.keyIndex, key.key);
    }
  }

  private rotate(reason: RotationReason): void {
    if (this.pending) this.pending.key.fill(0); // given to someone who no longer may have it
    this.clearTimer('ackTimer');
    const made = this.makeKey(reason);
    const pending: PendingKey = { ...made, awaiting: new Set(this.recipients.keys()) };
    this.pending = pending;
    this.rotations++;
    this.deliverTo(pending, [...this.recipients.values()]);
    if (pending.awaiting.size === 0) {
      this.activatePending();
      return;
    }
    this.scheduleAckDeadline();
    this.options.onChange?.();
  }

  private scheduleAckDeadline(): void {
    if (!this.pending || !this.active) return;
    this.clearTimer('ackTimer');
    const now = this.clock.now();
    const deadline = Math.min(
      now + this.timings.ackTimeoutMs,
      this.active.createdAt + this.timings.maxLifetimeMs,
    );
    this.ackTimer = this.clock.setTimeout(
      () => {
        this.ackTimer = undefined;
        if (this.pending) this.activatePending();
      },
      Math.max(0, deadline - now),
    );
  }

  private activatePending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.clearTimer('ackTimer');
    const { awaiting: _awaiting, ...key } = pending;
    this.activateKey(key);
  }

  private activateKey(key: OwnKey): void {
    this.active = key;
    this.options.activate(key.keyIndex, key.key, key.reason);
    this.clearTimer('rotationTimer');
    this.rotationTimer = this.clock.setTimeout(
      () => {
        this.rotationTimer = undefined;
        // A waiting key is already on its way in (with its own deadline); otherwise replace.
        if (!this.pending && !this.disposed) this.rotate('lifetime');
      },
      Math.max(0, key.createdAt + this.timings.rotateAfterMs - this.clock.now()),
    );
    this.options.onChange?.();
  }

  private clearTimer(which: 'rotationTimer' | 'ackTimer'): void {
    const handle = this[which];
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this[which] = undefined;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('SenderKeyManager: used after dispose');
  }
}

/** A recipient is its id and its public key: a new key for the same id is a new recipient. */
function recipientKey(recipient: KeyRecipient): string {
  return `${recipient.id}:${toBase64Url(recipient.exchangePublicKey)}`;
}
