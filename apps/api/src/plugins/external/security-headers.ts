import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Security headers on every response. Helmet sets the standard ones; the Content Security
 * Policy depends on what is served: API responses get `default-src 'none'` (they are data,
 * never documents), the portal sets its own nonce-based policy (plugins/app/portal.ts) and
 * the API docs page keeps the policy its plugin sets.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export default fp(
  async function securityHeaders(app: FastifyInstance, options: { https: boolean }) {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: false,
      hsts: options.https ? { maxAge: 31536000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
      referrerPolicy: { policy: 'no-referrer' },
      frameguard: { action: 'deny' },
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('content-security-policy')) {
        void reply.header('content-security-policy', API_CSP);
      }
      void reply.header(
        'permissions-policy',
        'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()',
      );
      return payload;
    });
  },
  { name: 'security-headers' },
);
