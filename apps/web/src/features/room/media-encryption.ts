/**
 * Whether this browser encrypts media, decided by the client and never taken from the server.
 *
 * The pre-join screen shows the meeting's E2EE setting and the person joins on that basis. The
 * token response and every control-channel welcome (also after a reconnect) repeat the setting;
 * when one of them says "not encrypted" for a meeting the person was shown as encrypted, the room
 * stops before anything is published and says why. Joining without E2EE is only ever the result
 * of the person seeing the warning on the pre-join screen and pressing Join.
 */

export type EncryptionReport = 'token' | 'control-channel';

export type MediaEncryptionDecision =
  | { kind: 'encrypt' }
  /** Only when the person was shown, and joined, a meeting without E2EE. */
  | { kind: 'clear' }
  | { kind: 'stop'; reason: string };

export function decideMediaEncryption(options: {
  /** What the pre-join screen showed and the person agreed to. */
  shown: boolean;
  /** What the server says now. */
  reported: boolean;
  source: EncryptionReport;
}): MediaEncryptionDecision {
  if (options.shown) {
    if (options.reported) return { kind: 'encrypt' };
    return { kind: 'stop', reason: downgradeReason(options.source) };
  }
  // Shown as not encrypted: the person accepted that. A server that asks for encryption after
  // all gets it (stricter than agreed, never weaker).
  return options.reported ? { kind: 'encrypt' } : { kind: 'clear' };
}

export function downgradeReason(source: EncryptionReport): string {
  const where =
    source === 'token'
      ? 'the server answered that it is not'
      : 'after connecting, the server reported that it no longer is';
  return (
    `This meeting was shown to you as end-to-end encrypted, but ${where}. ` +
    'Nothing was sent without encryption: the room stopped. If a host turned encryption off, ' +
    'rejoin to see the meeting’s current setting and decide whether to join without it.'
  );
}

/** The part of a Worker livekit-client talks to. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/**
 * livekit-client tells its E2EE worker, per participant, whether to decrypt, from what the media
 * server reports about each track (`trackInfo.encryption`): a server that reports a track as
 * unencrypted makes the worker pass that participant's frames through unread, so plaintext
 * media injected by the server (or published by anyone without encryption) would play. In an
 * encrypted meeting nothing the server says may turn encryption off, so every `enable` message
 * to the worker is rewritten to `enabled: true`: frames that do not decrypt under the sender's
 * key are dropped, mine are always encrypted. Patches the worker in place (livekit keeps using
 * the same object) and returns it.
 */
export function enforceEncryptionInWorker<W extends WorkerLike>(
  worker: W,
  onOverride?: (participantIdentity: string) => void,
): W {
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message: unknown, transfer?: Transferable[]) => {
    const forced = isEnableMessage(message) ? forceEnabled(message) : message;
    if (forced !== message && isEnableMessage(forced))
      onOverride?.(forced.data.participantIdentity);
    if (transfer) post(forced, transfer);
    else post(forced);
  };
  return worker;
}

interface EnableMessage {
  kind: 'enable';
  data: { enabled: boolean; participantIdentity: string };
}

function isEnableMessage(message: unknown): message is EnableMessage {
  if (typeof message !== 'object' || message === null) return false;
  const { kind, data } = message as { kind?: unknown; data?: unknown };
  return kind === 'enable' && typeof data === 'object' && data !== null;
}

function forceEnabled(message: EnableMessage): EnableMessage {
  if (message.data.enabled === true) return message;
  return { ...message, data: { ...message.data, enabled: true } };
}
