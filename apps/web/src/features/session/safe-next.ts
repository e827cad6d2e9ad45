/**
 * The one check for every `?next=` (sign-in, unlock, and whatever comes): only a path of this
 * site, never another origin. Browsers read `//host`, `/\host` and `\\host` as another host,
 * drop tabs and newlines inside URLs (`/\t/host` becomes `//host`), and run `javascript:`;
 * so a `next` must start with a single `/`, contain no backslash, no control character and
 * no space, and still be on our origin once a real URL parser has read it. Percent-encoded
 * forms (`/%2F%2Fhost`, `/%5Chost`) stay paths on this site: nothing decodes them again.
 */
const PLACEHOLDER_ORIGIN = 'https://conclave.invalid';

export function safeNextPath(next: string | null | undefined): string | null {
  if (!next || next.length > 2000) return null;
  if (!next.startsWith('/') || next.startsWith('//')) return null;
  // Backslashes, C0/C1 controls, DEL and whitespace of any kind.
  if (/[\\\p{Cc}\s]/u.test(next)) return null;
  let url: URL;
  try {
    url = new URL(next, PLACEHOLDER_ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}
