import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken, serverKey } from './tokens';

/**
 * CSRF tokens for the double-submit check (docs/architecture.md): the `conclave_csrf` cookie
 * and the `x-csrf-token` header must be equal, and the value must be one this server made for
 * the current session cookie (OWASP's "signed double-submit cookie"): `nonce.mac` with
 * mac = HMAC(server key, session token hash | nonce). Binding to the session means a cookie
 * planted by someone else (a sibling subdomain, a network attacker on http) does not work.
 * Checking needs no database access.
 */
function mac(serverSecret: string, sessionToken: string | undefined, nonce: string): Buffer {
  const bound = sessionToken ? hashToken(sessionToken) : 'anonymous';
  return createHmac('sha256', serverKey(serverSecret, 'csrf')).update(`${bound}|${nonce}`).digest();
}

export function newCsrfToken(serverSecret: string, sessionToken: string | undefined): string {
  const nonce = randomBytes(18).toString('base64url');
  return `${nonce}.${mac(serverSecret, sessionToken, nonce).toString('base64url')}`;
}

export function csrfTokenValid(
  serverSecret: string,
  sessionToken: string | undefined,
  value: string | undefined,
): boolean {
  if (!value || value.length > 200) return false;
  const [nonce, given, extra] = value.split('.');
  if (!nonce || !given || extra !== undefined) return false;
  const expected = mac(serverSecret, sessionToken, nonce);
  const actual = Buffer.from(given, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
