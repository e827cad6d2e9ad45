import { fromBase64Url, generateLinkSecret } from '@conclave/crypto';

/**
 * Guest links: `/meet/<meetingId>#k=<link secret>`. The secret lives only in the fragment,
 * which browsers never send to servers; it binds each guest's ephemeral key (packages/crypto's
 * `bindGuestKey`) so members can tell a guest who had the link from one the server made up.
 * The browser that made the secret (the organiser's, or any host's who received the link)
 * remembers it per meeting, so in the room it can check guests and hand the secret to other
 * verified members.
 */

const FRAGMENT_KEY = 'k';
const STORAGE_PREFIX = 'conclave:guest-link-secret:';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function guestLinkFor(origin: string, meetingId: string, linkSecret: string): string {
  return `${origin}/meet/${encodeURIComponent(meetingId)}#${FRAGMENT_KEY}=${linkSecret}`;
}

/** The link secret in a URL fragment (`#k=...`), or null when there is none or it is malformed. */
export function linkSecretFromFragment(hash: string): string | null {
  const value = new URLSearchParams(hash.replace(/^#/, '')).get(FRAGMENT_KEY);
  if (!value) return null;
  try {
    return fromBase64Url(value).length === 32 ? value : null;
  } catch {
    return null;
  }
}

/** Makes a new guest link for a meeting and remembers its secret in this browser. */
export function createGuestLink(
  storage: KeyValueStorage,
  origin: string,
  meetingId: string,
): { url: string; linkSecret: string } {
  const linkSecret = generateLinkSecret();
  rememberLinkSecret(storage, meetingId, linkSecret);
  return { url: guestLinkFor(origin, meetingId, linkSecret), linkSecret };
}

export function rememberLinkSecret(
  storage: KeyValueStorage,
  meetingId: string,
  linkSecret: string,
): void {
  storage.setItem(STORAGE_PREFIX + meetingId, linkSecret);
}

export function recallLinkSecret(storage: KeyValueStorage, meetingId: string): string | null {
  const value = storage.getItem(STORAGE_PREFIX + meetingId);
  return value ? linkSecretFromFragment(`${FRAGMENT_KEY}=${value}`) : null;
}
