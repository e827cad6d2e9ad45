import { CryptoError } from './errors';

export function requireBytes(
  operation: string,
  name: string,
  value: unknown,
  length?: number,
): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `${name} must be ${length} bytes, got ${value.length}`,
    );
  }
  return value;
}

export function requireString(
  operation: string,
  name: string,
  value: unknown,
  options: { nonEmpty?: boolean; maxLength?: number } = {},
): string {
  if (typeof value !== 'string') {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must be a string`);
  }
  if ((options.nonEmpty ?? true) && value.length === 0) {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must not be empty`);
  }
  if (options.maxLength !== undefined && value.length > options.maxLength) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `${name} is longer than ${options.maxLength}`,
    );
  }
  return value;
}

export function requireUint32(operation: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must be an unsigned 32-bit integer`);
  }
  return value;
}

export function requireSafeCount(operation: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must be a non-negative integer`);
  }
  return value;
}

export function requireObject(
  operation: string,
  name: string,
  value: unknown,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CryptoError('INVALID_INPUT', operation, `${name} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** An RFC 3339 / ISO 8601 UTC timestamp as produced by `Date.prototype.toISOString`. */
export function requireTimestamp(operation: string, name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      `${name} must be a UTC ISO 8601 timestamp such as 2025-01-31T12:00:00.000Z`,
    );
  }
  return value;
}
