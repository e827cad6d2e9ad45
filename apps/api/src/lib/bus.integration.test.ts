import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createInProcessBus, type Bus } from './bus';
import { createRedisBus } from './bus-redis';

/** Both buses behave alike: in order, to every subscriber (the publisher too), per channel. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const opened: Bus[] = [];

async function redisBus(prefix: string): Promise<Bus> {
  const bus = await createRedisBus({ url: REDIS_URL, keyPrefix: prefix });
  opened.push(bus);
  return bus;
}

afterEach(async () => {
  for (const bus of opened.splice(0)) await bus.close();
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each([
  [
    'in-process',
    async () => {
      const bus = createInProcessBus();
      opened.push(bus);
      return () => Promise.resolve(bus);
    },
  ],
  [
    'redis',
    async () => {
      const prefix = `conclave-bus-test-${randomBytes(4).toString('hex')}:`;
      return () => redisBus(prefix);
    },
  ],
] as const)('%s bus', (_kind, setup) => {
  it('delivers in order to every subscriber of the channel, across instances, and stops after unsubscribe', async () => {
    const instance = await setup();
    const a = await instance();
    const b = await instance();
    const gotA: string[] = [];
    const gotB: string[] = [];
    const other: string[] = [];
    const stopA = await a.subscribe('room:1', (m) => gotA.push(m));
    await b.subscribe('room:1', (m) => gotB.push(m));
    await b.subscribe('room:2', (m) => other.push(m));
    for (let i = 0; i < 50; i++) await a.publish('room:1', `m${i}`);
    await until(() => gotA.length === 50 && gotB.length === 50);
    const expected = Array.from({ length: 50 }, (_, i) => `m${i}`);
    expect(gotA).toEqual(expected);
    expect(gotB).toEqual(expected);
    expect(other).toEqual([]);
    await stopA();
    await b.publish('room:1', 'after');
    await until(() => gotB.length === 51);
    expect(gotA).toHaveLength(50);
  });
});

describe('redis bus prefixes', () => {
  it('keeps installations with different prefixes apart', async () => {
    const one = await redisBus(`conclave-bus-test-${randomBytes(4).toString('hex')}:`);
    const two = await redisBus(`conclave-bus-test-${randomBytes(4).toString('hex')}:`);
    const heard: string[] = [];
    await two.subscribe('room:x', (m) => heard.push(m));
    const own: string[] = [];
    await one.subscribe('room:x', (m) => own.push(m));
    await one.publish('room:x', 'hello');
    await until(() => own.length === 1);
    await two.publish('room:x', 'mine');
    await until(() => heard.length === 1);
    expect(heard).toEqual(['mine']);
  });
});
