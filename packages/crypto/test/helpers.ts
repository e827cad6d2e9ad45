import { expect } from 'vitest';
import { CryptoError, type CryptoErrorCode } from '../src/index';

/** Minimum accepted Argon2id cost: keeps unit tests fast while exercising the real KDF. */
export const FAST_KDF_COST = { opsLimit: 2, memLimit: 19 * 1024 * 1024 } as const;

/**
 * Runs `fn`, expects a CryptoError with `code` whose message starts with `operation: `, and
 * returns it so a test can check more.
 */
export function expectCryptoError(
  fn: () => unknown,
  code: CryptoErrorCode,
  operation?: string,
): CryptoError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(CryptoError);
  const error = thrown as CryptoError;
  expect(error.code).toBe(code);
  if (operation !== undefined) {
    expect(error.operation).toBe(operation);
    expect(error.message.startsWith(`${operation}: `)).toBe(true);
  }
  return error;
}

export async function expectCryptoErrorAsync(
  fn: () => Promise<unknown>,
  code: CryptoErrorCode,
  operation?: string,
): Promise<CryptoError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(CryptoError);
  return expectCryptoError(
    () => {
      throw thrown as CryptoError;
    },
    code,
    operation,
  );
}

/** Asserts an error message does not contain any of the given secrets (as base64url or hex). */
export function expectNoSecretsIn(error: Error, secrets: readonly string[]): void {
  for (const secret of secrets) expect(error.message).not.toContain(secret);
}
