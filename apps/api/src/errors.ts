/**
 * The one error type services throw. Each code maps to one HTTP status and one problem
 * `type` (RFC 9457); the error handler (plugins/app/problem.ts) turns it into
 * `application/problem+json`. Messages of 4xx errors are shown to users, so they say
 * what is wrong in words a person can act on. 5xx details never leave the server.
 */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorTitle: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  validation_failed: 'The request is not valid',
  unauthenticated: 'Sign-in required',
  forbidden: 'Not allowed',
  csrf_failed: 'Cross-site request refused',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  gone: 'Gone',
  payload_too_large: 'Request too large',
  unsupported_media_type: 'Unsupported media type',
  unprocessable: 'Cannot process the request',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  not_implemented: 'Not implemented',
  unavailable: 'Service unavailable',
};

export interface FieldIssue {
  /** JSON pointer-like path to the offending field, e.g. `body.email`. */
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extras: { errors?: FieldIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

export function problemType(code: ErrorCode): string {
  // A URN, not a URL: nothing to fetch, but stable and unique per code (RFC 9457, 3.1.1).
  return `urn:conclave:problem:${code.replaceAll('_', '-')}`;
}
