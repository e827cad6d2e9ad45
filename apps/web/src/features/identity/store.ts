import type { Identity, PublicIdentity } from '@conclave/crypto';

/**
 * The unlocked identity of the signed-in user, framework-free (the meeting room takes the
 * private X25519 key from here; React reads it through useIdentity). Private keys live only in
 * this page's memory, and, when the user chose "keep me unlocked on this device", in
 * IndexedDB encrypted under a non-extractable WebCrypto key (./persist.ts).
 */
export type IdentityState =
  | { status: 'locked' }
  | { status: 'restoring' }
  | {
      status: 'unlocked';
      userId: string;
      identity: Identity;
      publicIdentity: PublicIdentity;
      /** Kept (encrypted) on this device across reloads. */
      kept: boolean;
    };

/** Where "keep me unlocked" stores keys; IndexedDB in browsers, a Map in tests. */
export interface IdentityPersistence {
  save(userId: string, identity: Identity): Promise<void>;
  load(userId: string): Promise<Identity | null>;
  remove(userId: string): Promise<void>;
  removeAll(): Promise<void>;
}

type Listener = (state: IdentityState) => void;

export class IdentityStore {
  private state: IdentityState = { status: 'locked' };
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly persistence: IdentityPersistence | null,
    private readonly toPublic: (identity: Identity) => PublicIdentity,
  ) {}

  getState = (): IdentityState => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(state: IdentityState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  /** The unlocked identity for `userId`, or null (locked, or unlocked as someone else). */
  identityFor(userId: string): Identity | null {
    return this.state.status === 'unlocked' && this.state.userId === userId
      ? this.state.identity
      : null;
  }

  async unlock(userId: string, identity: Identity, options: { keep: boolean }): Promise<void> {
    if (options.keep && this.persistence) await this.persistence.save(userId, identity);
    else if (this.persistence) await this.persistence.remove(userId);
    this.set({
      status: 'unlocked',
      userId,
      identity,
      publicIdentity: this.toPublic(identity),
      kept: options.keep && this.persistence !== null,
    });
  }

  /**
   * After a reload: the identity kept on this device for `userId`, if any. Checks it against
   * the public identity the server lists, so a stale copy (after a reset) is dropped.
   */
  async restore(userId: string, expected: PublicIdentity): Promise<boolean> {
    if (this.state.status === 'unlocked' && this.state.userId === userId) return true;
    if (!this.persistence) return false;
    this.set({ status: 'restoring' });
    try {
      const identity = await this.persistence.load(userId);
      if (identity) {
        const found = this.toPublic(identity);
        if (
          found.signingPublicKey === expected.signingPublicKey &&
          found.exchangePublicKey === expected.exchangePublicKey
        ) {
          this.set({ status: 'unlocked', userId, identity, publicIdentity: found, kept: true });
          return true;
        }
        await this.persistence.remove(userId);
      }
    } catch {
      // An unreadable copy is as good as none: the user unlocks with the password.
    }
    this.set({ status: 'locked' });
    return false;
  }

  /** Forgets the keys in memory; `forget` also removes the copy kept on this device. */
  async lock(options: { forget: boolean } = { forget: true }): Promise<void> {
    const previous = this.state;
    if (previous.status === 'unlocked') {
      previous.identity.signingPrivateKey.fill(0);
      previous.identity.exchangePrivateKey.fill(0);
    }
    this.set({ status: 'locked' });
    if (options.forget && this.persistence) {
      if (previous.status === 'unlocked') await this.persistence.remove(previous.userId);
      else await this.persistence.removeAll();
    }
  }
}
