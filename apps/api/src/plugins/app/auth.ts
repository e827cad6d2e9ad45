import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ready } from '@conclave/crypto';
import type { Config } from '../../config';
import { AppError } from '../../errors';
import { csrfTokenValid, newCsrfToken } from '../../services/accounts/csrf';
import { authenticateSessionToken, type Auth } from '../../services/accounts/sessions';

export { requireOrgRole } from '../../services/accounts/authorization';
export type { Auth, AuthUser } from '../../services/accounts/sessions';

/**
 * Authentication for every route (docs/architecture.md, "Authentication and authorization"):
 * - `request.auth` is `{ sessionId, user }` for a valid `conclave_session` cookie, else null;
 * - every POST, PUT, PATCH and DELETE under /api needs the `x-csrf-token` header equal to the
 *   `conclave_csrf` cookie (and valid for the session), unless the route says
 *   `config: { csrf: false }` because it authenticates otherwise (e.g. a webhook signature);
 * - the CSRF cookie is (re)issued whenever it is missing or belongs to another session.
 */
declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
  interface FastifyContextConfig {
    /** false: this route authenticates otherwise (a signature) and needs no CSRF token. */
    csrf?: boolean;
  }
}

export const SESSION_COOKIE = 'conclave_session';
export const CSRF_COOKIE = 'conclave_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The signed-in user, or a 401 problem. */
export function requireUser(request: FastifyRequest): Auth {
  if (!request.auth) throw new AppError('unauthenticated', 'Sign in to do this.');
  return request.auth;
}

function cookieOptions(config: Config): CookieSerializeOptions & { secure: boolean } {
  return {
    path: '/',
    sameSite: 'lax',
    secure: config.PUBLIC_URL.startsWith('https:'),
  };
}

/** After sign-in or sign-up: the session cookie, and a CSRF token bound to the new session. */
export function setSessionCookies(
  reply: FastifyReply,
  config: Config,
  session: { token: string; expiresAt: Date },
): void {
  void reply.setCookie(SESSION_COOKIE, session.token, {
    ...cookieOptions(config),
    httpOnly: true,
    expires: session.expiresAt,
  });
  void reply.setCookie(CSRF_COOKIE, newCsrfToken(config.SERVER_SECRET, session.token), {
    ...cookieOptions(config),
    httpOnly: false,
  });
}

/** After sign-out (or when the session is gone): no session, and an anonymous CSRF token. */
export function clearSessionCookies(reply: FastifyReply, config: Config): void {
  void reply.clearCookie(SESSION_COOKIE, { ...cookieOptions(config), httpOnly: true });
  void reply.setCookie(CSRF_COOKIE, newCsrfToken(config.SERVER_SECRET, undefined), {
    ...cookieOptions(config),
    httpOnly: false,
  });
}

function isPortalDocument(path: string): boolean {
  return !path.startsWith('/_next/') && !/\.[a-z0-9]+$/i.test(path);
}

export default fp(
  async function authPlugin(app: FastifyInstance) {
    const { config, db } = app.conclave;
    await ready(); // libsodium, for the fake pre-login parameters and key checks
    app.decorateRequest('auth', null);

    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const token = request.cookies[SESSION_COOKIE];
      const isApi = path === '/api' || path.startsWith('/api/');
      if (isApi && token) {
        request.auth = await authenticateSessionToken({ db, token });
      }
      if (csrfTokenValid(config.SERVER_SECRET, token, request.cookies[CSRF_COOKIE])) return;
      const csrf = newCsrfToken(config.SERVER_SECRET, token);
      const options = { ...cookieOptions(config), httpOnly: false };
      if (isApi) {
        void reply.setCookie(CSRF_COOKIE, csrf, options);
      } else if (isPortalDocument(path)) {
        // The portal hijacks the reply (Next writes it), so the cookie goes in as a raw header,
        // which the portal handler copies onto the response.
        void reply.header('set-cookie', app.serializeCookie(CSRF_COOKIE, csrf, options));
      }
    });

    // After body parsing and validation, so malformed requests still get their 4xx.
    app.addHook('preHandler', async (request) => {
      if (!UNSAFE_METHODS.has(request.method)) return;
      const path = request.url.split('?')[0] ?? '';
      if (!path.startsWith('/api/')) return;
      if (request.routeOptions.config.csrf === false) return;
      if (request.routeOptions.url === '/api/*') return; // unknown paths stay a 404
      const header = request.headers[CSRF_HEADER];
      const cookie = request.cookies[CSRF_COOKIE];
      if (
        typeof header !== 'string' ||
        header !== cookie ||
        !csrfTokenValid(config.SERVER_SECRET, request.cookies[SESSION_COOKIE], header)
      ) {
        throw new AppError(
          'csrf_failed',
          'The request lacks a valid CSRF token (the x-csrf-token header must repeat the conclave_csrf cookie). Reload the page and try again.',
        );
      }
    });
  },
  { name: 'conclave-auth', dependencies: ['problem'] },
);
