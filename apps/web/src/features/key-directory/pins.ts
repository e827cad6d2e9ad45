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
 *
 * A server could sidestep a pin keyed only by its own user id by presenting a look-alike
 * colleague under a fresh id. Where the address is known (the key directory lists it), a pin
 * also records the e-mail address, and a known address under another user id is
 * `address-reused`: warned about, never pinned silently. Members can mark a colleague as
 * verified after comparing fingerprints; the mark belongs to that pinned key and goes when the
 * key is replaced.
 */
export interface Pin {
  signingPublicKey: string;
  exchangePublicKey: string;
  signingKeyId: string;
  exchangeKeyId: string;
  pinnedAt: string;
  /** The colleague's e-mail address (normalised) when it was known at pinning. */
  email?: string;
  /** When this browser's user compared fingerprints with the colleague (for this key). */
  verifiedAt?: string;
}

export type KeyCheck =
  | { status: 'new'; current: PublicIdentity }
  | { status: 'same'; current: PublicIdentity; pin: Pin }
  | { status: 'changed'; current: PublicIdentity; pin: Pin }
  /** A known address under another user id: possibly a look-alike account. */
  | { status: 'address-reused'; current: PublicIdentity; pin: Pin; pinnedUserId: string };

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

  private store(userId: string, identity: PublicIdentity, email: string | undefined): Pin {
    const pins = this.pins();
    const address = email === undefined ? pins[userId]?.email : normalizeAddress(email);
    const pin: Pin = {
      signingPublicKey: identity.signingPublicKey,
      exchangePublicKey: identity.exchangePublicKey,
      signingKeyId: identity.signingKeyId,
      exchangeKeyId: identity.exchangeKeyId,
      pinnedAt: this.now().toISOString(),
      ...(address ? { email: address } : {}),
    };
    // An address belongs to one pinned colleague: accepting it under a new id replaces the old.
    const kept = Object.fromEntries(
      Object.entries(pins).filter(
        ([id, other]) => id === userId || !address || other.email !== address,
      ),
    );
    this.storage.write(this.viewerUserId, { ...kept, [userId]: pin });
    return pin;
  }

  /**
   * Compares without changing anything. Throws when the keys do not match their ids. With the
   * colleague's address, a pin of that address under another user id is `address-reused`.
   */
  check(userId: string, served: unknown, email?: string): KeyCheck {
    const current = parsePublicIdentity(served);
    const pins = this.pins();
    const pin = pins[userId];
    if (email !== undefined) {
      const address = normalizeAddress(email);
      const other = Object.entries(pins).find(
        ([id, candidate]) => id !== userId && candidate.email === address,
      );
      if (other) {
        return { status: 'address-reused', current, pin: other[1], pinnedUserId: other[0] };
      }
    }
    if (!pin) return { status: 'new', current };
    return samePublicIdentity(pin, current)
      ? { status: 'same', current, pin }
      : { status: 'changed', current, pin };
  }

  /**
   * Checks, and pins a key seen for the first time (with its address when known; a pin made
   * before addresses were recorded learns it now). A changed key or a reused address is never
   * pinned silently.
   */
  observe(userId: string, served: unknown, email?: string): KeyCheck {
    const result = this.check(userId, served, email);
    if (result.status === 'new') this.store(userId, result.current, email);
    if (result.status === 'same' && email !== undefined && !result.pin.email) {
      this.storage.write(this.viewerUserId, {
        ...this.pins(),
        [userId]: { ...result.pin, email: normalizeAddress(email) },
      });
    }
    return result;
  }

  /**
   * The user checked the new key (or the new account behind a known address) with its owner:
   * it replaces the pin, and any verified mark goes with the old key.
   */
  accept(userId: string, served: unknown, email?: string): Pin {
    return this.store(userId, parsePublicIdentity(served), email);
  }

  /** The user compared fingerprints with the colleague: the pinned key is verified. */
  markVerified(userId: string): Pin {
    const pin = this.pins()[userId];
    if (!pin) throw new Error('KeyPins.markVerified: nothing is pinned for this colleague yet');
    const verified = { ...pin, verifiedAt: this.now().toISOString() };
    this.storage.write(this.viewerUserId, { ...this.pins(), [userId]: verified });
    return verified;
  }

  isVerified(userId: string, served: PublicIdentity): boolean {
    const pin = this.pins()[userId];
    return !!pin?.verifiedAt && samePublicIdentity(pin, served);
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

function normalizeAddress(email: string): string {
  return email.trim().toLowerCase();
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
