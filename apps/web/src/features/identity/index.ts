'use client';

import { useSyncExternalStore } from 'react';
import { publicIdentity } from '@conclave/crypto';
import { indexedDbPersistence } from './persist';
import { IdentityStore, type IdentityState } from './store';

export { IdentityStore, type IdentityState, type IdentityPersistence } from './store';

/** The page's one identity store (the meeting room uses it too). */
export const identityStore = new IdentityStore(
  typeof indexedDB === 'undefined' ? null : indexedDbPersistence,
  publicIdentity,
);

const LOCKED: IdentityState = { status: 'locked' };

export function useIdentity(): IdentityState {
  return useSyncExternalStore(identityStore.subscribe, identityStore.getState, () => LOCKED);
}
