import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Random bearer tokens (session cookies, e-mail links): 32 random bytes, base64url. The
 * database keeps only their SHA-256, so a copy of the database does not hold working tokens.
 */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/**
 * A key for one purpose derived from SERVER_SECRET (HMAC-SHA256 with the purpose as message),
 * so that the fake pre-login salts, CSRF tokens and anything later never share a key.
 */
export function serverKey(serverSecret: string, purpose: string): Buffer {
  return createHmac('sha256', serverSecret).update(`conclave/${purpose}`).digest();
}
