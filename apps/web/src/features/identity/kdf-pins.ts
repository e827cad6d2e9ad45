import { normalizeEmail, parseKdfParams, type KdfParams } from '@conclave/crypto';

/**
 * This browser remembers the key-derivation parameters (Argon2id cost and salt) of every
 * account signed in here, and refuses weaker ones later. The server serves the parameters at
 * pre-login and with the session; a hostile server could serve the floor cost or a salt of its
 * choosing (the same for everyone, to precompute guesses), and the auth key the browser sends
 * back would then be cheap to attack offline. The floor in packages/crypto stops the worst; the
 * pin stops any lowering below what this account already had:
 * - lower `opsLimit` or `memLimit` than remembered: refused, with no way around it here;
 * - the same or higher cost with another salt: refused until the person confirms that they
 *   changed their password or recovered the account elsewhere (which makes a new salt).
 * Parameters are remembered only after they proved right (a sign-in or a change succeeded).
 */

export type KdfPinCheck =
  | { status: 'new' }
  | { status: 'same' }
  /** Higher cost, same salt: cannot happen with this client, accepted as harmless. */
  | { status: 'stronger' }
  | { status: 'weaker'; pinned: KdfParams }
  | { status: 'salt-changed'; pinned: KdfParams };

export function compareKdfParams(pinned: KdfParams | undefined, served: KdfParams): KdfPinCheck {
  if (!pinned) return { status: 'new' };
  if (served.opsLimit < pinned.opsLimit || served.memLimit < pinned.memLimit) {
    return { status: 'weaker', pinned };
  }
  if (served.salt !== pinned.salt) return { status: 'salt-changed', pinned };
  if (served.opsLimit === pinned.opsLimit && served.memLimit === pinned.memLimit) {
    return { status: 'same' };
  }
  return { status: 'stronger' };
}

/** Raised before any key is derived from parameters this browser does not accept. */
export class KdfParamsRefusedError extends Error {
  constructor(
    readonly reason: 'weaker' | 'salt-changed',
    message: string,
  ) {
    super(message);
    this.name = 'KdfParamsRefusedError';
  }
}

export function isKdfParamsRefused(error: unknown): error is KdfParamsRefusedError {
  return error instanceof KdfParamsRefusedError;
}

/** Where the pins live (localStorage in the portal, a Map in tests). */
export interface KdfPinStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY_PREFIX = 'conclave:kdf-params:';

export class KdfPins {
  constructor(private readonly storage: KdfPinStorage) {}

  private key(email: string): string {
    return KEY_PREFIX + normalizeEmail(email);
  }

  pinned(email: string): KdfParams | undefined {
    const raw = this.storage.getItem(this.key(email));
    if (!raw) return undefined;
    try {
      return parseKdfParams(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }

  /** Throws KdfParamsRefusedError when the served parameters are weaker or re-salted. */
  check(email: string, served: KdfParams): KdfPinCheck {
    const result = compareKdfParams(this.pinned(email), served);
    if (result.status === 'weaker') {
      throw new KdfParamsRefusedError(
        'weaker',
        `The server asked this browser to protect your password with a weaker key derivation ` +
          `than before (Argon2id ${describeCost(served)}, where this browser remembers ` +
          `${describeCost(result.pinned)} for ${normalizeEmail(email)}). Your password was not ` +
          'used or sent. This is what a server trying to make your password easier to guess ' +
          'would do: tell your admin.',
      );
    }
    if (result.status === 'salt-changed') {
      throw new KdfParamsRefusedError(
        'salt-changed',
        `The server sent different password parameters (a new salt) for ` +
          `${normalizeEmail(email)} than this browser remembers. That is expected if you ` +
          'changed your password or recovered your account on another device; it is also what ' +
          'a server trying to make your password easier to guess would do. Your password was ' +
          'not used or sent. Continue only if you changed it elsewhere.',
      );
    }
    return result;
  }

  /** The parameters proved right (a sign-in or a change succeeded with them). */
  remember(email: string, params: KdfParams): void {
    this.storage.setItem(this.key(email), JSON.stringify(params));
  }

  /** The person confirmed a legitimate change made elsewhere. */
  forget(email: string): void {
    this.storage.removeItem(this.key(email));
  }
}

function describeCost(params: KdfParams): string {
  return `${params.opsLimit} passes over ${Math.round(params.memLimit / 1024 / 1024)} MiB`;
}

/** The portal's pins: this browser's localStorage (none during server rendering). */
export function browserKdfPins(): KdfPins | null {
  return typeof window === 'undefined' ? null : new KdfPins(window.localStorage);
}
