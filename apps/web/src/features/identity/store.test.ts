import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, publicIdentity, ready, type Identity } from '@conclave/crypto';
import { IdentityStore, type IdentityPersistence, type IdentityState } from './store';

beforeAll(async () => {
  await ready();
});

function memoryPersistence(): IdentityPersistence & { data: Map<string, Identity> } {
  const data = new Map<string, Identity>();
  return {
    data,
    save: async (userId, identity) => void data.set(userId, structuredClone(identity)),
    load: async (userId) => (data.has(userId) ? structuredClone(data.get(userId)!) : null),
    remove: async (userId) => void data.delete(userId),
    removeAll: async () => data.clear(),
  };
}

describe('identity store', () => {
  it('unlocks, notifies, and hands the identity only to its user', async () => {
    const store = new IdentityStore(null, publicIdentity);
    const seen: IdentityState['status'][] = [];
    store.subscribe((state) => seen.push(state.status));
    const identity = generateIdentity();
    await store.unlock('u1', identity, { keep: false });
    expect(store.identityFor('u1')).toBe(identity);
    expect(store.identityFor('u2')).toBeNull();
    expect(store.getState()).toMatchObject({
      status: 'unlocked',
      publicIdentity: publicIdentity(identity),
      kept: false,
    });
    expect(seen).toEqual(['unlocked']);
  });

  it('keeps the identity across a reload only when asked to', async () => {
    const persistence = memoryPersistence();
    const identity = generateIdentity();
    await new IdentityStore(persistence, publicIdentity).unlock('u1', identity, { keep: false });
    expect(persistence.data.size).toBe(0);
    await new IdentityStore(persistence, publicIdentity).unlock('u1', identity, { keep: true });
    const reloaded = new IdentityStore(persistence, publicIdentity);
    expect(await reloaded.restore('u1', publicIdentity(identity))).toBe(true);
    expect(reloaded.identityFor('u1')?.exchangePrivateKey).toEqual(identity.exchangePrivateKey);
  });

  it('drops a kept identity that no longer matches the account (after a reset)', async () => {
    const persistence = memoryPersistence();
    await new IdentityStore(persistence, publicIdentity).unlock('u1', generateIdentity(), {
      keep: true,
    });
    const store = new IdentityStore(persistence, publicIdentity);
    expect(await store.restore('u1', publicIdentity(generateIdentity()))).toBe(false);
    expect(store.getState().status).toBe('locked');
    expect(persistence.data.size).toBe(0);
  });

  it('locking wipes the keys in memory and forgets the kept copy', async () => {
    const persistence = memoryPersistence();
    const store = new IdentityStore(persistence, publicIdentity);
    const identity = generateIdentity();
    await store.unlock('u1', identity, { keep: true });
    await store.lock();
    expect(store.getState().status).toBe('locked');
    expect(identity.exchangePrivateKey.every((b) => b === 0)).toBe(true);
    expect(persistence.data.size).toBe(0);
  });
});
