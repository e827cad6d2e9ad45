import { describe, expect, it } from 'vitest';
import { ReceivedKeyring } from './received-keys';
import { ManualClock } from './testing';

const key = (byte: number) => new Uint8Array(32).fill(byte);

describe('ReceivedKeyring', () => {
  it('keeps keys per sender and index, and only accepts growing indices', () => {
    const ring = new ReceivedKeyring({ clock: new ManualClock() });
    expect(ring.accept('a', 3, key(1))).toEqual({ accepted: true });
    expect(ring.accept('b', 0, key(2))).toEqual({ accepted: true });
    expect(ring.accept('a', 4, key(3))).toEqual({ accepted: true });
    expect(ring.accept('a', 2, key(9))).toEqual({ accepted: false, reason: 'stale' });
    expect(ring.accept('a', 3, key(1))).toEqual({ accepted: false, reason: 'stale' });
    expect(ring.accept('a', 4, key(3))).toEqual({ accepted: false, reason: 'duplicate' });
    expect(ring.accept('a', 4, key(7))).toEqual({ accepted: false, reason: 'conflict' });
    expect(ring.get('a', 3)).toEqual(key(1));
    expect(ring.get('a', 4)).toEqual(key(3));
    expect(ring.get('b', 0)).toEqual(key(2));
    expect(ring.get('b', 1)).toBeUndefined();
    expect(ring.latest('a')).toMatchObject({ keyIndex: 4 });
  });

  it('copies what it keeps, so callers may wipe their buffers', () => {
    const ring = new ReceivedKeyring();
    const bytes = key(5);
    ring.accept('a', 0, bytes);
    bytes.fill(0);
    expect(ring.get('a', 0)).toEqual(key(5));
  });

  it('keeps a bounded number of keys per sender', () => {
    const ring = new ReceivedKeyring({ clock: new ManualClock(), keepPerSender: 2 });
    for (let i = 0; i < 5; i++) ring.accept('a', i, key(i + 1));
    expect(ring.get('a', 2)).toBeUndefined();
    expect(ring.get('a', 3)).toEqual(key(4));
    expect(ring.get('a', 4)).toEqual(key(5));
  });

  it('drops superseded keys after the maximum age but keeps the latest', () => {
    const clock = new ManualClock();
    const ring = new ReceivedKeyring({ clock, maxAgeMs: 10_000 });
    ring.accept('a', 0, key(1));
    clock.advance(5_000);
    ring.accept('a', 1, key(2));
    clock.advance(6_000);
    expect(ring.get('a', 0)).toBeUndefined();
    expect(ring.get('a', 1)).toEqual(key(2));
    clock.advance(60_000);
    expect(ring.get('a', 1)).toEqual(key(2));
  });

  it('forgets a sender that left, so its next session may count from its own start', () => {
    const ring = new ReceivedKeyring();
    ring.accept('a', 10, key(1));
    ring.forget('a');
    expect(ring.get('a', 10)).toBeUndefined();
    expect(ring.senders()).toEqual([]);
    expect(ring.accept('a', 0, key(2))).toEqual({ accepted: true });
  });
});
