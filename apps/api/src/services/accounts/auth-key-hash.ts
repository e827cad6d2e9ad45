import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * The server's slow hash of the auth key. The auth key is already the output of Argon2id in
 * the browser (128 MiB, 5 passes); this second, server-side hash means a stolen database does
 * not give working auth keys, and guessing passwords from it costs Argon2id *and* scrypt per
 * guess. scrypt (node:crypto, native, runs on libuv's thread pool so it does not block the
 * event loop) with N=2^15, r=8, p=1: 32 MiB and about 65 ms per hash on the project's 2-core
 * machine (docs/accounts.md). The parameters are stored with each hash, so they can be raised
 * later: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`.
 */
export const AUTH_KEY_SCRYPT = Object.freeze({ N: 2 ** 15, r: 8, p: 1, keyLength: 32 });

function scryptAsync(
  secret: Buffer,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keyLength, options, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}

function options(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

export async function hashAuthKey(authKey: Uint8Array): Promise<string> {
  const { N, r, p, keyLength } = AUTH_KEY_SCRYPT;
  const salt = randomBytes(16);
  const hash = await scryptAsync(Buffer.from(authKey), salt, keyLength, options(N, r, p));
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant-time comparison; false for a malformed stored hash. */
export async function verifyAuthKey(authKey: Uint8Array, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return false;
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(Buffer.from(authKey), salt, expected.length, options(N, r, p));
  return timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as checking a real account's auth key, for sign-ins to addresses
 * without an account, so the answer's timing does not tell whether the address has one.
 */
export async function verifyAgainstDummy(authKey: Uint8Array): Promise<false> {
  dummyHash ??= hashAuthKey(randomBytes(32));
  await verifyAuthKey(authKey, await dummyHash);
  return false;
}
