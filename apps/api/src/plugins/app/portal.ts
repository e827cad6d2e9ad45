import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import next from 'next';

export const WEB_DIR = fileURLToPath(new URL('../../../../web', import.meta.url));

export interface PortalOptions {
  dev: boolean;
  hostname: string;
  port: number;
  /** Origins the browser may open connections to besides this one (the LiveKit server). */
  connectOrigins: string[];
}

/**
 * The portal's Content Security Policy. Scripts run only with this request's nonce (Next.js
 * reads it from the request's CSP header and puts it on its own script tags);
 * 'wasm-unsafe-eval' lets libsodium's WebAssembly compile; workers (Argon2id, LiveKit's E2EE
 * worker) come from this origin or blob: URLs.
 */
export function portalCsp(
  nonce: string,
  options: { dev: boolean; connectOrigins: string[] },
): string {
  const scriptSrc = [
    "'self'",
    `'nonce-${nonce}'`,
    "'strict-dynamic'",
    "'wasm-unsafe-eval'",
    ...(options.dev ? ["'unsafe-eval'"] : []),
  ];
  return [
    "default-src 'self'",
    `script-src ${scriptSrc.join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${options.connectOrigins.join(' ')}`.trim(),
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the Next.js portal from this process, so the portal, `/api/*` and WebSocket upgrades
 * share one origin and port. Registered last: API routes (static `/api/...` paths) win over
 * this catch-all. The portal's routes get no body parsing, so Next reads the raw request.
 */
export async function registerPortal(app: FastifyInstance, options: PortalOptions): Promise<void> {
  const nextApp = next({
    dev: options.dev,
    dir: WEB_DIR,
    hostname: options.hostname,
    port: options.port,
    customServer: true,
  });
  await nextApp.prepare();
  const handle = nextApp.getRequestHandler();

  if (options.dev) {
    // Next's hot reload needs its own WebSocket upgrades; everything else stays with Fastify.
    const upgradeNext = nextApp.getUpgradeHandler();
    const fastifyUpgrades = app.server.listeners('upgrade') as ((
      req: IncomingMessage,
      socket: Duplex,
      head: Buffer,
    ) => void)[];
    app.server.removeAllListeners('upgrade');
    app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url?.startsWith('/_next/')) {
        void upgradeNext(req, socket, head);
        return;
      }
      for (const listener of fastifyUpgrades) listener(req, socket, head);
    });
  }

  await app.register(async (portal) => {
    portal.removeAllContentTypeParsers();
    portal.addContentTypeParser('*', (_request, _payload, done) => done(null));
    portal.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/*',
      schema: { hide: true },
      handler: async (request, reply) => {
        const nonce = randomBytes(16).toString('base64');
        const csp = portalCsp(nonce, options);
        request.raw.headers['content-security-policy'] = csp;
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (value !== undefined) reply.raw.setHeader(name, value);
        }
        reply.raw.setHeader('content-security-policy', csp);
        reply.hijack();
        await handle(request.raw, reply.raw);
      },
    });
  });
}
