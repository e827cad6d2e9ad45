import { identityFingerprint, parsePublicIdentity, type PublicIdentity } from '@conclave/crypto';

/**
 * Key pinning (trust on first use), framework-free so the directory page and the meeting
 * room share it. A signed-in user's client remembers each colleague's public identity the
 * first time it sees it; every later answer of the server is checked against that pin:
 * - `new`: never seen, now pinned;
 * - `same`: matches the pin;
 * - `changed`: differs from the pin. The client keeps the old pin and warns until the user
 *   accepts the new key (after checking with the colleague another way). A key change is
 *   normal after an admin reset; a server that swaps keys to listen in looks the same, which
 *   is why the warning must be seen.
 * Keys whose ids do not match the keys are refused outright (parsePublicIdentity).
 */
export interface Pin {
  signingPublicKey: string;
  exchangePublicKey: string;
  signingKeyId: string;
  exchangeKeyId: string;
  pinnedAt: string;
}

export type KeyCheck =
  | { status: 'new'; current: PublicIdentity }
  | { status: 'same'; current: PublicIdentity; pin: Pin }
  | { status: 'changed'; current: PublicIdentity; pin: Pin };

/** Where pins live, per signed-in user (localStorage in the portal, a Map in tests). */
export interface PinStorage {
  read(viewerUserId: string): Record<string, Pin>;
  write(viewerUserId: string, pins: Record<string, Pin>): void;
}

export function samePublicIdentity(
  a: Pick<Pin, 'signingPublicKey' | 'exchangePublicKey'>,
  b: PublicIdentity,
) {
  return a.signingPublicKey === b.signingPublicKey && a.exchangePublicKey === b.exchangePublicKey;
}

export class KeyPins {
  constructor(
    private readonly storage: PinStorage,
    readonly viewerUserId: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private pins(): Record<string, Pin> {
    return this.storage.read(this.viewerUserId);
  }

  private store(userId: string, identity: PublicIdentity): Pin {
    const pin: Pin = {
      signingPublicKey: identity.signingPublicKey,
      exchangePublicKey: identity.exchangePublicKey,
      signingKeyId: identity.signingKeyId,
      exchangeKeyId: identity.exchangeKeyId,
      pinnedAt: this.now().toISOString(),
    };
    this.storage.write(this.viewerUserId, { ...this.pins(), [userId]: pin });
    return pin;
  }

  /** Compares without changing anything. Throws when the keys do not match their ids. */
  check(userId: string, served: unknown): KeyCheck {
    const current = parsePublicIdentity(served);
    const pin = this.pins()[userId];
    if (!pin) return { status: 'new', current };
    return samePublicIdentity(pin, current)
      ? { status: 'same', current, pin }
      : { status: 'changed', current, pin };
  }

  /** Checks, and pins a key seen for the first time. A changed key is never pinned silently. */
  observe(userId: string, served: unknown): KeyCheck {
    const result = this.check(userId, served);
    if (result.status === 'new') this.store(userId, result.current);
    return result;
  }

  /** The user checked the new key with its owner: it replaces the pin. */
  accept(userId: string, served: unknown): Pin {
    return this.store(userId, parsePublicIdentity(served));
  }

  pinOf(userId: string): Pin | undefined {
    return this.pins()[userId];
  }
}

/** What a key change means, in words, with both fingerprints to compare. */
export function describeChange(check: Extract<KeyCheck, { status: 'changed' }>) {
  return {
    oldFingerprint: identityFingerprint(check.pin),
    newFingerprint: identityFingerprint(check.current),
    explanation:
      'The keys this person uses to encrypt changed since you last saw them. This is expected after an admin reset (when they lost both password and recovery code). It is also what it would look like if the server tried to listen in by swapping their keys. Before you trust the new keys, compare the new fingerprint with them in person or on a call.',
  };
}

export function memoryPinStorage(): PinStorage {
  const data = new Map<string, Record<string, Pin>>();
  return {
    read: (viewer) => ({ ...(data.get(viewer) ?? {}) }),
    write: (viewer, pins) => void data.set(viewer, { ...pins }),
  };
}

/** Pins in localStorage, one entry per signed-in user on this browser. */
export function localStoragePinStorage(storage: Storage): PinStorage {
  const key = (viewer: string) => `conclave:key-pins:${viewer}`;
  return {
    read(viewer) {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(key(viewer)) ?? '{}');
        return parsed && typeof parsed === 'object' ? (parsed as Record<string, Pin>) : {};
      } catch {
        return {};
      }
    },
    write(viewer, pins) {
      storage.setItem(key(viewer), JSON.stringify(pins));
    },
  };
}
