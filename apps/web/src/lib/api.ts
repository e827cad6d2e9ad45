import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, problemSchema, type Problem } from '@conclave/contracts';

/**
 * The one way portal code talks to the API: same origin, JSON in and out, the CSRF header on
 * every state-changing request, responses checked against the contract's schema, and
 * problem+json turned into an ApiError that carries the server's words (`detail`) and its
 * per-field messages, so forms can show them next to the right input.
 */
export const CSRF_COOKIE = 'conclave_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Field path without its `body.`/`querystring.` prefix → message. */
  readonly fieldErrors: Record<string, string>;

  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
    this.retryAfterSeconds = problem.retryAfterSeconds;
    this.fieldErrors = Object.fromEntries(
      (problem.errors ?? []).map((issue) => [
        issue.path.replace(/^(body|querystring|params)\./, ''),
        issue.message,
      ]),
    );
  }
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** A message for people, from any error a call can throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof TypeError)
    return 'The server could not be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

function readCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function csrfToken(): Promise<string | undefined> {
  const existing = readCookie(CSRF_COOKIE);
  if (existing) return existing;
  // The API sets the cookie on any response when it is missing.
  await fetch('/api/auth/session', { credentials: 'same-origin' });
  return readCookie(CSRF_COOKIE);
}

/** The CSRF header for requests made outside `api()` (the recording upload's tus client). */
export async function csrfHeaders(): Promise<Record<string, string>> {
  const token = await csrfToken();
  return token ? { [CSRF_HEADER]: token } : {};
}

export interface ApiOptions<S extends z.ZodType | undefined> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** The contract's schema of the success response; omitted for 204 answers. */
  schema?: S;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export async function api<S extends z.ZodType | undefined = undefined>(
  path: string,
  options: ApiOptions<S> = {},
): Promise<S extends z.ZodType ? z.infer<S> : undefined> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: `application/json, ${PROBLEM_CONTENT_TYPE}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const token = await csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  const query = options.query
    ? Object.entries(options.query)
        .filter(
          (entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '',
        )
        .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
        .join('&')
    : '';
  const response = await fetch(`/api${path}${query ? `?${query}` : ''}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    const text = await response.text();
    let problem: Problem | undefined;
    try {
      const parsed = problemSchema.safeParse(JSON.parse(text));
      if (parsed.success) problem = parsed.data;
    } catch {
      // not JSON: a proxy's error page
    }
    throw new ApiError(
      problem ?? {
        type: 'about:blank',
        title: response.statusText,
        status: response.status,
        detail: `The server answered ${response.status} ${response.statusText}.`,
        instance: path,
        code: 'unexpected',
        requestId: response.headers.get('x-request-id') ?? '',
      },
    );
  }
  if (!options.schema || response.status === 204) {
    return undefined as S extends z.ZodType ? z.infer<S> : undefined;
  }
  return options.schema.parse(await response.json()) as S extends z.ZodType
    ? z.infer<S>
    : undefined;
}
