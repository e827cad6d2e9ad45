import { systemClock, type Clock } from './clock';

export interface ReceivedKey {
  senderId: string;
  keyIndex: number;
  key: Uint8Array;
  receivedAt: number;
}

export type AcceptResult =
  { accepted: true } | { accepted: false; reason: 'stale' | 'duplicate' | 'conflict' };

export interface ReceivedKeyringOptions {
  clock?: Clock;
  /** Keys kept per sender for messages and frames still in flight (default 4). */
  keepPerSender?: number;
  /**
   * Keys other than a sender's latest are dropped once received this long ago (default 10
   * minutes): no sender uses a key that long, so nothing still in flight needs it.
   */
  maxAgeMs?: number;
}

/**
 * The sender keys other participants gave me, by sender and key index.
 *
 * Indices only grow per sender: a key whose index is not above the latest one accepted from
 * that sender is refused, so a replayed key message cannot reinstall an old key (livekit's
 * key ring has a slot per index modulo its size, so an old key could otherwise take the slot
 * of a current one). When a sender leaves the meeting its keys are forgotten, so a sender that
 * comes back with a fresh session (and counts from its own new start) is accepted again.
 */
export class ReceivedKeyring {
  private readonly clock: Clock;
  private readonly keepPerSender: number;
  private readonly maxAgeMs: number;
  private readonly bySender = new Map<string, ReceivedKey[]>();

  constructor(options: ReceivedKeyringOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.keepPerSender = options.keepPerSender ?? 4;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  }

  accept(senderId: string, keyIndex: number, key: Uint8Array): AcceptResult {
    const keys = this.bySender.get(senderId) ?? [];
    const latest = keys.at(-1);
    if (latest && keyIndex === latest.keyIndex) {
      // A resend of the key I hold is fine; the same index with other bytes is not.
      return sameBytes(latest.key, key)
        ? { accepted: false, reason: 'duplicate' }
        : { accepted: false, reason: 'conflict' };
    }
    if (latest && keyIndex < latest.keyIndex) return { accepted: false, reason: 'stale' };
    const now = this.clock.now();
    keys.push({ senderId, keyIndex, key: key.slice(), receivedAt: now });
    this.bySender.set(senderId, this.prune(keys, now));
    return { accepted: true };
  }

  get(senderId: string, keyIndex: number): Uint8Array | undefined {
    const keys = this.bySender.get(senderId);
    if (!keys) return undefined;
    const pruned = this.prune(keys, this.clock.now());
    this.bySender.set(senderId, pruned);
    return pruned.find((entry) => entry.keyIndex === keyIndex)?.key;
  }

  latest(senderId: string): Omit<ReceivedKey, 'key'> | undefined {
    const entry = this.bySender.get(senderId)?.at(-1);
    return entry && { senderId, keyIndex: entry.keyIndex, receivedAt: entry.receivedAt };
  }

  /** The sender left: its keys are no longer needed, and its next session starts afresh. */
  forget(senderId: string): void {
    for (const entry of this.bySender.get(senderId) ?? []) entry.key.fill(0);
    this.bySender.delete(senderId);
  }

  senders(): string[] {
    return [...this.bySender.keys()];
  }

  clear(): void {
    for (const senderId of this.senders()) this.forget(senderId);
  }

  private prune(keys: ReceivedKey[], now: number): ReceivedKey[] {
    const kept = keys.filter(
      (entry, i) => i === keys.length - 1 || now - entry.receivedAt < this.maxAgeMs,
    );
    const dropped = kept.length > this.keepPerSender ? kept.length - this.keepPerSender : 0;
    for (const entry of keys) {
      if (!kept.includes(entry) || kept.indexOf(entry) < dropped) entry.key.fill(0);
    }
    return kept.slice(dropped);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
