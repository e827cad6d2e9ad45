import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Meeting passcodes are stored as scrypt hashes (a copy of the database does not reveal
 * them); attempts are rate-limited per client address and every wrong one is an audit entry
 * (routes/meetings/guests.ts). N=2^14 keeps one check near 30 ms.
 */
const PARAMS = { N: 2 ** 14, r: 8, p: 1, keyLength: 32 } as const;

function derive(
  passcode: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passcode.normalize('NFC'),
      salt,
      length,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

export async function hashPasscode(passcode: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(passcode, salt, PARAMS.N, PARAMS.r, PARAMS.p, PARAMS.keyLength);
  return [
    'scrypt',
    PARAMS.N,
    PARAMS.r,
    PARAMS.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

export async function verifyPasscode(passcode: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N = 0, r = 0, p = 0] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length === 0 || !(N > 1 && r > 0 && p > 0)) return false;
  const actual = await derive(passcode, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}
