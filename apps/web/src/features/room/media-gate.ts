import type { ParticipantView } from './room-session';

/**
 * Which remote media this browser plays. In an end-to-end encrypted meeting the media server
 * decides nothing: a LiveKit participant's tracks are subscribed to and played only when
 * - the control channel knows the participant (the LiveKit identity is its participant id),
 * - this browser trusts the participant's keys (pins for members, the link MAC for guests), and
 * - the media server reports every one of its tracks as encrypted (livekit-client would
 *   otherwise stop decrypting that participant; the worker is forced to decrypt anyway, see
 *   `enforceEncryptionInWorker`, so frames that do not decrypt under their keys never play).
 * Everything else stays dark and the room says why.
 */
export type DarkReason = 'unknown' | 'untrusted' | 'unencrypted';

export type MediaVerdict = { play: true } | { play: false; reason: DarkReason };

export interface RemoteMediaSource {
  /** The LiveKit identity. */
  identity: string;
  /** The name LiveKit carries (from the token; shown only to name an unknown participant). */
  name: string;
  /** What the media server says about each published track. */
  tracksEncrypted: boolean[];
}

export interface DarkMedia {
  identity: string;
  displayName: string;
  reason: DarkReason;
}

export function mediaVerdict(options: {
  e2ee: boolean;
  source: RemoteMediaSource;
  participants: readonly ParticipantView[];
}): MediaVerdict {
  if (!options.e2ee) return { play: true };
  const known = options.participants.find(
    (participant) => participant.id === options.source.identity && !participant.isSelf,
  );
  if (!known) return { play: false, reason: 'unknown' };
  if (!known.trust.verified) return { play: false, reason: 'untrusted' };
  if (options.source.tracksEncrypted.some((encrypted) => !encrypted)) {
    return { play: false, reason: 'unencrypted' };
  }
  return { play: true };
}

/** Every remote source that stays dark, named the way the room names people. */
export function darkMedia(options: {
  e2ee: boolean;
  sources: readonly RemoteMediaSource[];
  participants: readonly ParticipantView[];
}): DarkMedia[] {
  const dark: DarkMedia[] = [];
  for (const source of options.sources) {
    const verdict = mediaVerdict({ ...options, source });
    if (verdict.play) continue;
    const known = options.participants.find((participant) => participant.id === source.identity);
    dark.push({
      identity: source.identity,
      displayName: known?.displayName ?? (source.name || source.identity),
      reason: verdict.reason,
    });
  }
  return dark;
}

export function sameDarkMedia(a: readonly DarkMedia[], b: readonly DarkMedia[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (item, i) =>
        item.identity === b[i]?.identity &&
        item.reason === b[i]?.reason &&
        item.displayName === b[i]?.displayName,
    )
  );
}

/** The warning the room shows for media it keeps dark. */
export function describeDarkMedia(item: DarkMedia): string {
  switch (item.reason) {
    case 'unknown':
      return (
        `The media server sent media from “${item.displayName}”, who is not a participant of ` +
        'this meeting. It is not shown or played.'
      );
    case 'untrusted':
      return (
        `${item.displayName}’s keys are not verified, so their audio and video are not shown ` +
        'or played.'
      );
    case 'unencrypted':
      return (
        `${item.displayName}’s media arrives without end-to-end encryption, so it is not shown ` +
        'or played.'
      );
  }
}
