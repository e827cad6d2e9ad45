import { ready, SENDER_KEY_BYTES } from '@conclave/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SenderKeyManager, type KeyRecipient, type RotationReason } from './sender-key-manager';
import { ManualClock } from './testing';

const MINUTE = 60_000;

function recipient(id: string, keyByte = id.charCodeAt(0)): KeyRecipient {
  return { id, exchangePublicKey: new Uint8Array(32).fill(keyByte) };
}

function setup(
  options: { initialKeyIndex?: number; generateKey?: (() => Uint8Array) | undefined } = {},
) {
  const clock = new ManualClock();
  const deliveries: { to: string; keyIndex: number; key: Uint8Array }[] = [];
  const activations: {
    keyIndex: number;
    key: Uint8Array;
    reason: RotationReason;
    at: number;
    madeAt: number;
  }[] = [];
  let counter = 0;
  const manager = new SenderKeyManager({
    clock,
    initialKeyIndex: options.initialKeyIndex ?? 0,
    generateKey: options.generateKey ?? (() => new Uint8Array(32).fill(++counter)),
    deliver: (to, keyIndex, key) => deliveries.push({ to: to.id, keyIndex, key }),
    activate: (keyIndex, key, reason) =>
      activations.push({
        keyIndex,
        key,
        reason,
        at: clock.now(),
        madeAt: manager.snapshot().activeSince!,
      }),
  });
  const deliveredTo = (keyIndex: number) =>
    deliveries
      .filter((d) => d.keyIndex === keyIndex)
      .map((d) => d.to)
      .sort();
  const activeIndex = () => activations.at(-1)?.keyIndex;
  return { clock, manager, deliveries, activations, deliveredTo, activeIndex };
}

describe('SenderKeyManager', () => {
  beforeAll(async () => {
    await ready();
  });

  it('makes random 32-byte keys with packages/crypto and uses the first one at once', () => {
    const { manager, activations, deliveredTo } = setup({
      initialKeyIndex: 7,
      generateKey: undefined,
    });
    manager.start([recipient('b'), recipient('c')]);
    expect(activations).toHaveLength(1);
    expect(activations[0]!.keyIndex).toBe(7);
    expect(activations[0]!.key).toHaveLength(SENDER_KEY_BYTES);
    expect(activations[0]!.key.some((byte) => byte !== 0)).toBe(true);
    expect(deliveredTo(7)).toEqual(['b', 'c']);
    manager.rotateNow();
    manager.acknowledge('b', 8);
    manager.acknowledge('c', 8);
    expect(activations[1]!.key).not.toEqual(activations[0]!.key);
  });

  it('rotates when someone leaves: the leaver gets nothing new, others get a higher index', () => {
    const { manager, deliveredTo, activeIndex, deliveries } = setup();
    manager.start([recipient('b'), recipient('c'), recipient('d')]);
    expect(activeIndex()).toBe(0);
    manager.setRecipients([recipient('b'), recipient('c')]);
    expect(deliveredTo(1)).toEqual(['b', 'c']);
    expect(deliveries.filter((d) => d.to === 'd').map((d) => d.keyIndex)).toEqual([0]);
  });

  it('keeps encrypting with the old key until every recipient acknowledged the new one', () => {
    const { manager, activeIndex, clock } = setup();
    manager.start([recipient('b'), recipient('c'), recipient('d')]);
    manager.setRecipients([recipient('b'), recipient('c')]);
    expect(activeIndex()).toBe(0);
    expect(manager.snapshot()).toMatchObject({ pendingKeyIndex: 1, awaiting: ['b', 'c'] });
    manager.acknowledge('b', 1);
    manager.acknowledge('c', 0); // an old index acknowledges nothing
    manager.acknowledge('d', 1); // the leaver's word does not count
    clock.advance(1_000);
    expect(activeIndex()).toBe(0);
    manager.acknowledge('c', 1);
    expect(activeIndex()).toBe(1);
    expect(manager.snapshot()).toMatchObject({ activeKeyIndex: 1, pendingKeyIndex: null });
  });

  it('uses the new key after the acknowledgement timeout when someone never answers', () => {
    const { manager, activeIndex, clock, activations } = setup();
    manager.start([recipient('b'), recipient('c')]);
    manager.setRecipients([recipient('b')]);
    clock.advance(2_999);
    expect(activeIndex()).toBe(0);
    clock.advance(1);
    expect(activeIndex()).toBe(1);
    expect(activations.at(-1)!.reason).toBe('leave');
  });

  it('gives a joiner only a key made after it joined', () => {
    const { manager, deliveries, activeIndex } = setup();
    manager.start([recipient('b')]);
    manager.setRecipients([recipient('b'), recipient('c')]);
    expect(deliveries.filter((d) => d.to === 'c').map((d) => d.keyIndex)).toEqual([1]);
    expect(activeIndex()).toBe(0); // b still decrypts my media while c gets its key
    manager.acknowledge('b', 1);
    manager.acknowledge('c', 1);
    expect(activeIndex()).toBe(1);
  });

  it('hands joiners the waiting key when it has not encrypted anything yet', () => {
    const { manager, deliveredTo, activeIndex } = setup();
    manager.start([recipient('b')]);
    manager.setRecipients([recipient('b'), recipient('c')]);
    manager.setRecipients([recipient('b'), recipient('c'), recipient('d')]);
    expect(deliveredTo(1)).toEqual(['b', 'c', 'd']);
    expect(deliveredTo(2)).toEqual([]);
    for (const id of ['b', 'c', 'd']) manager.acknowledge(id, 1);
    expect(activeIndex()).toBe(1);
  });

  it('replaces a waiting key when someone who got it leaves before it was used', () => {
    const { manager, deliveredTo, activeIndex } = setup();
    manager.start([recipient('b')]);
    manager.setRecipients([recipient('b'), recipient('c')]); // key 1 to b and c
    manager.setRecipients([recipient('b')]); // c left holding key 1
    expect(deliveredTo(2)).toEqual(['b']);
    manager.acknowledge('b', 1);
    expect(activeIndex()).toBe(0);
    manager.acknowledge('b', 2);
    expect(activeIndex()).toBe(2);
  });

  it('treats a recipient whose public key changed as a leaver', () => {
    const { manager, deliveredTo } = setup();
    manager.start([recipient('b', 1), recipient('c')]);
    manager.setRecipients([recipient('b', 2), recipient('c')]);
    expect(deliveredTo(1)).toEqual(['b', 'c']);
    expect(manager.snapshot().pendingKeyIndex).toBe(1);
  });

  it('rotates by itself before a key is 10 minutes old, and never uses an older key', () => {
    const { manager, activations, clock } = setup();
    manager.start([recipient('b')]);
    for (let minute = 0; minute < 60; minute++) {
      clock.advance(MINUTE / 2);
      const last = activations.at(-1)!;
      // Acknowledge some rotations and never answer others: the invariant holds either way.
      if (last.keyIndex % 2 === 0) manager.acknowledge('b', manager.snapshot().pendingKeyIndex!);
      clock.advance(MINUTE / 2);
    }
    const reasons = new Set(activations.map((a) => a.reason));
    expect(reasons).toEqual(new Set(['start', 'lifetime']));
    expect(activations.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < activations.length; i++) {
      // the age of the replaced key when it stopped encrypting
      expect(activations[i]!.at - activations[i - 1]!.madeAt).toBeLessThanOrEqual(10 * MINUTE);
      expect(activations[i]!.madeAt).toBeLessThanOrEqual(activations[i]!.at);
    }
  });

  it('forces a waiting key into use before the active key turns 10 minutes old', () => {
    const { manager, activations, clock } = setup();
    manager.start([recipient('b')]);
    clock.advance(9 * MINUTE + 58_000);
    // a joiner arrives 2 s before the limit and nobody acknowledges
    manager.setRecipients([recipient('b'), recipient('c')]);
    clock.advance(2_000);
    expect(activations.at(-1)!.keyIndex).toBeGreaterThan(0);
    expect(activations.at(-1)!.at - activations[0]!.madeAt).toBeLessThanOrEqual(10 * MINUTE);
  });

  it('rotates alone without waiting, and resends only keys a recipient was entitled to', () => {
    const { manager, activeIndex, deliveries } = setup();
    manager.start([]);
    manager.rotateNow();
    expect(activeIndex()).toBe(1);
    manager.setRecipients([recipient('b')]);
    expect(manager.resend('b')).toBe(1); // the waiting key 2 only, never key 1
    expect(deliveries.filter((d) => d.to === 'b').map((d) => d.keyIndex)).toEqual([2, 2]);
    expect(manager.resend('stranger')).toBe(0);
  });

  it('stops all timers on dispose and refuses further use', () => {
    const { manager, clock } = setup();
    manager.start([recipient('b')]);
    manager.setRecipients([]);
    expect(clock.pendingTimers()).toBeGreaterThan(0);
    manager.dispose();
    expect(clock.pendingTimers()).toBe(0);
    expect(() => manager.setRecipients([])).toThrow(/after dispose/);
  });

  it('refuses timings that would let a key outlive its maximum', () => {
    expect(
      () =>
        new SenderKeyManager({
          initialKeyIndex: 0,
          deliver: () => undefined,
          activate: () => undefined,
          timings: { rotateAfterMs: 10 * MINUTE },
        }),
    ).toThrow(/must not exceed/);
  });
});
