'use client';

import { useEffect, useSyncExternalStore } from 'react';
import { ready } from '@conclave/crypto';
import { sessionStateSchema, type SignedIn } from '@conclave/contracts';
import { api } from '../../lib/api';
import { identityStore } from '../identity';

/**
 * Who is signed in, framework-free with a hook on top. Loaded once per page from
 * /api/auth/session; sign-in, sign-up and sign-out set it directly. When signed in, an
 * identity kept on this device ("keep me unlocked") is restored.
 */
export type SessionState =
  { status: 'loading' } | { status: 'signed-out' } | { status: 'signed-in'; data: SignedIn };

type Listener = () => void;

class SessionStore {
  private state: SessionState = { status: 'loading' };
  private readonly listeners = new Set<Listener>();
  private loading: Promise<void> | undefined;

  getState = (): SessionState => this.state;

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(state: SessionState) {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  /** Loads the session once (later calls reuse it) unless `force`. */
  load(force = false): Promise<void> {
    if (this.loading && !force) return this.loading;
    this.loading = (async () => {
      try {
        const session = await api('/auth/session', { schema: sessionStateSchema });
        if (session.user === null) {
          this.set({ status: 'signed-out' });
          return;
        }
        const data = session;
        // Pages render fingerprints (libsodium) as soon as they see a session.
        await ready();
        this.set({ status: 'signed-in', data });
        await identityStore.restore(data.user.id, data.keys.publicIdentity);
      } catch {
        this.set({ status: 'signed-out' });
      }
    })();
    return this.loading;
  }

  signedIn(data: SignedIn) {
    this.loading = Promise.resolve();
    this.set({ status: 'signed-in', data });
  }

  async signOut(): Promise<void> {
    try {
      await api('/auth/sign-out', { method: 'POST' });
    } finally {
      await identityStore.lock({ forget: true });
      this.loading = Promise.resolve();
      this.set({ status: 'signed-out' });
    }
  }
}

export const sessionStore = new SessionStore();

const LOADING: SessionState = { status: 'loading' };

export function useSession(): SessionState {
  const state = useSyncExternalStore(sessionStore.subscribe, sessionStore.getState, () => LOADING);
  useEffect(() => {
    void sessionStore.load();
  }, []);
  return state;
}
