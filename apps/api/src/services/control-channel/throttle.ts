/**
 * Per-connection throttles of the control channel, by what a message costs the others rather
 * than by message count alone. Before, one participant could broadcast 200 relays of 32 KB a
 * second: the readers' queues grew past their limit and the slow *reader* was disconnected,
 * while the sender's rejected messages counted as violations that never decayed.
 * - relayed bytes: a token bucket of bytes times recipients (a broadcast to 50 costs 50 times
 *   a message to one), so fan-out is what is limited;
 * - per relay channel: `key-request` (which makes every participant re-encrypt and re-send its
 *   sender key) gets a small bucket of its own;
 * - violations decay: a score that loses one point per `violationDecayMs`; the connection is
 *   closed (4429) only while it is above `maxViolations`, so an old burst is forgiven;
 * - a recipient whose queue is already half full does not get a relay: it is dropped for that
 *   recipient and counted as a violation of the sender (see hub.ts), so the flooder pays.
 */

export interface ThrottleLimits {
  /** Relayed bytes times recipients, per second, and the burst allowed. */
  relayBytesPerSecond: number;
  relayBytesBurst: number;
  /**
   * Per relay channel, in recipient units: a message to one participant costs 1, a broadcast
   * costs the number of recipients but at least `minBroadcastCost` (channels not listed: no
   * extra limit).
   */
  channels: Readonly<
    Record<string, { perSecond: number; burst: number; minBroadcastCost: number }>
  >;
  maxViolations: number;
  violationDecayMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  relayBytesPerSecond: 4 * 1024 * 1024,
  relayBytesBurst: 16 * 1024 * 1024,
  // Broadcast key requests make everyone re-send keys: 4 at once, then one per 2.5 s (up to
  // 50 recipients); asking one participant (after trusting them) is cheap: 200, then 20/s.
  channels: { 'key-request': { perSecond: 20, burst: 200, minBroadcastCost: 50 } },
  maxViolations: 50,
  violationDecayMs: 1000,
};

export class TokenBucket {
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

  /** Takes `cost` tokens if there are that many (a cost above capacity never passes). */
  take(now: number, cost = 1): boolean {
    this.tokens = Math.min(
      this.capacity,
      this.tokens + (Math.max(0, now - this.updatedAt) / 1000) * this.perSecond,
    );
    this.updatedAt = now;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/** A violation score that decays: one point per `decayMs`. */
export class Violations {
  private score = 0;
  private updatedAt: number;

  constructor(
    private readonly max: number,
    private readonly decayMs: number,
    now: number,
  ) {
    this.updatedAt = now;
  }

  current(now: number): number {
    this.score = Math.max(0, this.score - Math.max(0, now - this.updatedAt) / this.decayMs);
    this.updatedAt = now;
    return this.score;
  }

  /** Adds `points`; true when the connection should now be closed. */
  add(now: number, points = 1): boolean {
    this.score = this.current(now) + points;
    return this.score > this.max;
  }
}

export type RelayVerdict = { ok: true } | { ok: false; message: string; close: boolean };

export class SenderThrottle {
  private readonly bytes: TokenBucket;
  private readonly channels = new Map<string, TokenBucket>();
  readonly violations: Violations;

  constructor(
    private readonly limits: ThrottleLimits,
    now: number,
  ) {
    this.bytes = new TokenBucket(limits.relayBytesBurst, limits.relayBytesPerSecond, now);
    this.violations = new Violations(limits.maxViolations, limits.violationDecayMs, now);
  }

  /** May this relay go out to `recipients` participants? Refusals count as violations. */
  relay(
    now: number,
    relay: { channel: string; bytes: number; recipients: number; broadcast: boolean },
  ): RelayVerdict {
    const channel = this.limits.channels[relay.channel];
    if (channel) {
      let bucket = this.channels.get(relay.channel);
      if (!bucket) {
        bucket = new TokenBucket(channel.burst, channel.perSecond, now);
        this.channels.set(relay.channel, bucket);
      }
      const cost = relay.broadcast
        ? Math.max(relay.recipients, channel.minBroadcastCost)
        : Math.max(1, relay.recipients);
      if (!bucket.take(now, Math.min(cost, channel.burst))) {
        return this.refuse(
          now,
          `Too many "${relay.channel}" messages: at most ${Math.floor(channel.burst / channel.minBroadcastCost)} to everyone at once, then one every ${channel.minBroadcastCost / channel.perSecond} s. This message was not relayed.`,
        );
      }
    }
    const cost = relay.bytes * Math.max(1, relay.recipients);
    if (!this.bytes.take(now, Math.min(cost, this.limits.relayBytesBurst))) {
      return this.refuse(
        now,
        `Too much relayed data: at most ${Math.round(this.limits.relayBytesPerSecond / 1024)} KiB a second counted over all recipients. This message was not relayed.`,
      );
    }
    return { ok: true };
  }

  /** Counts a violation (e.g. a recipient's queue the sender filled); true: close the sender. */
  penalize(now: number, points = 1): boolean {
    return this.violations.add(now, points);
  }

  private refuse(now: number, message: string): RelayVerdict {
    return { ok: false, message, close: this.violations.add(now) };
  }
}
