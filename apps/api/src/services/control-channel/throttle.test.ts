import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_LIMITS, SenderThrottle, TokenBucket, Violations } from './throttle';

describe('control-channel throttles', () => {
  it('a token bucket refills over time and refuses a cost it cannot pay', () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect(bucket.take(0, 10)).toBe(true);
    expect(bucket.take(0)).toBe(false);
    expect(bucket.take(1000, 5)).toBe(true);
    expect(bucket.take(1000)).toBe(false);
    expect(bucket.take(100_000, 11)).toBe(false);
  });

  it('violations decay: a burst long ago is forgiven, a sustained one closes', () => {
    const violations = new Violations(3, 1000, 0);
    expect(violations.add(0, 3)).toBe(false);
    expect(violations.add(0)).toBe(true);
    expect(violations.current(10_000)).toBe(0);
    expect(violations.add(10_000, 3)).toBe(false);
    // One a second for a minute never closes: each decays before the next.
    const steady = new Violations(3, 1000, 0);
    for (let t = 0; t < 60_000; t += 1000) expect(steady.add(t)).toBe(false);
  });

  it('key requests have a small bucket of their own', () => {
    const throttle = new SenderThrottle(DEFAULT_THROTTLE_LIMITS, 0);
    const ask = (now: number) =>
      throttle.relay(now, { channel: 'key-request', bytes: 100, recipients: 10, broadcast: true });
    for (let i = 0; i < 4; i++) expect(ask(0)).toEqual({ ok: true });
    const refused = ask(0);
    expect(refused).toMatchObject({ ok: false, close: false });
    if (!refused.ok) expect(refused.message).toMatch(/key-request/);
    expect(ask(2500)).toEqual({ ok: true });
    // Asking one participant at a time (after trusting many at once) is cheap.
    const targeted = new SenderThrottle(DEFAULT_THROTTLE_LIMITS, 0);
    for (let i = 0; i < 200; i++) {
      expect(
        targeted.relay(0, { channel: 'key-request', bytes: 10, recipients: 1, broadcast: false })
          .ok,
      ).toBe(true);
    }
    // Other channels are not limited by it.
    expect(
      throttle.relay(0, { channel: 'chat', bytes: 100, recipients: 10, broadcast: true }),
    ).toEqual({
      ok: true,
    });
  });

  it('relayed bytes count once per recipient: a broadcast to many costs more', () => {
    const limits = {
      ...DEFAULT_THROTTLE_LIMITS,
      relayBytesBurst: 100_000,
      relayBytesPerSecond: 10_000,
    };
    const toOne = new SenderThrottle(limits, 0);
    const toMany = new SenderThrottle(limits, 0);
    let one = 0;
    let many = 0;
    while (toOne.relay(0, { channel: 'chat', bytes: 1000, recipients: 1, broadcast: false }).ok)
      one += 1;
    while (toMany.relay(0, { channel: 'chat', bytes: 1000, recipients: 50, broadcast: true }).ok)
      many += 1;
    expect(one).toBe(100);
    expect(many).toBe(2);
  });

  it('refusals add up to closing the sender, unless they decay in between', () => {
    const limits = { ...DEFAULT_THROTTLE_LIMITS, maxViolations: 5 };
    const throttle = new SenderThrottle(limits, 0);
    const verdicts = Array.from({ length: 12 }, () =>
      throttle.relay(0, { channel: 'key-request', bytes: 10, recipients: 1, broadcast: true }),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(4);
    expect(verdicts.at(-1)).toMatchObject({ ok: false, close: true });
    expect(throttle.penalize(60_000)).toBe(false);
  });
});
