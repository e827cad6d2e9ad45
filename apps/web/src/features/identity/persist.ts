import type { Identity } from '@conclave/crypto';
import type { IdentityPersistence } from './store';

/**
 * "Keep me unlocked on this device": the private keys in IndexedDB, encrypted with AES-GCM
 * under a WebCrypto key that is itself stored in IndexedDB but is non-extractable, so its
 * bytes cannot be read by script (or copied out of the profile as a value): someone who
 * copies the database gets ciphertext, and a page can only use the key on this device.
 */
const DB_NAME = 'conclave-identity';
const STORE = 'unlocked';
const KEY_ID = 'device-key';

interface StoredIdentity {
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: ArrayBuffer;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

async function withStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T>,
) {
  const db = await openDb();
  try {
    return await request(work(db.transaction(STORE, mode).objectStore(STORE)));
  } finally {
    db.close();
  }
}

async function deviceKey(): Promise<CryptoKey> {
  const existing = await withStore<unknown>('readonly', (s) => s.get(KEY_ID));
  if (existing instanceof CryptoKey) return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
  await withStore('readwrite', (s) => s.put(key, KEY_ID));
  return key;
}

function secretsOf(identity: Identity): Uint8Array<ArrayBuffer> {
  const secrets = new Uint8Array(64 + 32 + 64);
  secrets.set(identity.signingPrivateKey, 0);
  secrets.set(identity.exchangePrivateKey, 64);
  secrets.set(identity.signingPublicKey, 96);
  secrets.set(identity.exchangePublicKey, 128);
  return secrets;
}

export const indexedDbPersistence: IdentityPersistence = {
  async save(userId, identity) {
    const key = await deviceKey();
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const secrets = secretsOf(identity);
    try {
      const ciphertext = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(`identity:${userId}`) },
        key,
        secrets,
      );
      const stored: StoredIdentity = { iv, ciphertext };
      await withStore('readwrite', (s) => s.put(stored, `identity:${userId}`));
    } finally {
      secrets.fill(0);
    }
  },

  async load(userId) {
    const stored = (await withStore<unknown>('readonly', (s) => s.get(`identity:${userId}`))) as
      StoredIdentity | undefined;
    if (!stored) return null;
    const key = await deviceKey();
    const plain = new Uint8Array(
      await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: stored.iv,
          additionalData: new TextEncoder().encode(`identity:${userId}`),
        },
        key,
        stored.ciphertext,
      ),
    );
    return {
      signingPrivateKey: plain.slice(0, 64),
      exchangePrivateKey: plain.slice(64, 96),
      signingPublicKey: plain.slice(96, 128),
      exchangePublicKey: plain.slice(128, 160),
    };
  },

  async remove(userId) {
    await withStore('readwrite', (s) => s.delete(`identity:${userId}`));
  },

  async removeAll() {
    await withStore('readwrite', (s) => s.clear());
  },
};
