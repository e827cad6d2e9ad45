import {
  BaseKeyProvider,
  createKeyMaterialFromBuffer,
  KeyProviderEvent,
  type KeyInfo,
} from 'livekit-client';

/**
 * livekit's key ring has one slot per key index modulo its size, and the frame trailer carries
 * that slot in one byte; 256 slots make a slot collide only after 256 rotations of one sender.
 */
export const KEYRING_SIZE = 256;

/** Keys kept per participant for re-posting to the E2EE worker after a reconnect. */
const KEYS_KEPT_PER_PARTICIPANT = 4;

/**
 * Feeds livekit-client's E2EE worker one key per participant identity and key index: never a
 * shared key. The room session calls `setParticipantKey` for every sender key it received
 * (remote identities) and, when its own new key is due, for its own identity, which is what
 * makes the worker encrypt with that key from then on.
 *
 * - `ratchetWindowSize: 0`: keys are never ratcheted on decryption failure; a new key only
 *   ever arrives from its owner over the control channel.
 * - Per identity, keys are installed in the order they were given, whatever the time each
 *   WebCrypto import takes.
 * - What the worker gets again after a reconnect (`getKeys`, `getLatestManuallySetKeyIndex`)
 *   is this class's own bookkeeping: the latest few keys per participant, and my own current
 *   index, so a reconnect never makes the worker encrypt with an earlier key of mine.
 */
export class ParticipantKeyProvider extends BaseKeyProvider {
  private readonly installed = new Map<string, KeyInfo[]>();
  private readonly queues = new Map<string, Promise<void>>();
  private localIdentity: string | undefined;
  private localKeyIndex = 0;

  constructor() {
    super({ sharedKey: false, ratchetWindowSize: 0, keyringSize: KEYRING_SIZE });
  }

  /** The identity whose key encrypts what this browser sends. */
  setLocalIdentity(identity: string): void {
    this.localIdentity = identity;
  }

  /**
   * Installs a participant's key at an index. For a remote participant this adds a key to
   * decrypt with (frames name their key index); for the local identity it also switches what
   * this browser's media is encrypted with.
   */
  setParticipantKey(identity: string, keyIndex: number, key: Uint8Array): Promise<void> {
    if (!identity) throw new Error('ParticipantKeyProvider: a participant identity is required');
    if (!Number.isInteger(keyIndex) || keyIndex < 0 || keyIndex > 0xffffffff) {
      throw new Error('ParticipantKeyProvider: key index must be a uint32');
    }
    const bytes = key.slice();
    const previous = this.queues.get(identity) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const material = await createKeyMaterialFromBuffer(bytes.buffer);
        const info: KeyInfo = { key: material, participantIdentity: identity, keyIndex };
        const kept = (this.installed.get(identity) ?? []).filter((k) => k.keyIndex !== keyIndex);
        kept.push(info);
        this.installed.set(identity, kept.slice(-KEYS_KEPT_PER_PARTICIPANT));
        if (identity === this.localIdentity) this.localKeyIndex = keyIndex;
        // A remote key's slot gets its failure count reset; the local key becomes current.
        this.emit(KeyProviderEvent.SetKey, info, true);
      } finally {
        bytes.fill(0);
      }
    });
    this.queues.set(
      identity,
      next.catch(() => undefined),
    );
    return next;
  }

  /** The participant left: its keys are not re-posted to the worker any more. */
  forgetParticipant(identity: string): void {
    this.installed.delete(identity);
  }

  /** Resolves once every key given so far is installed (tests and the benchmark wait on it). */
  async settled(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  override getKeys(): KeyInfo[] {
    return [...this.installed.values()].flat();
  }

  override getLatestManuallySetKeyIndex(): number {
    return this.localKeyIndex;
  }

  /** Installed key indices per identity, oldest first (for views and tests). */
  installedIndices(): Record<string, number[]> {
    return Object.fromEntries(
      [...this.installed].map(([identity, keys]) => [identity, keys.map((k) => k.keyIndex ?? 0)]),
    );
  }
}
