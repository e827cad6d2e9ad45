import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyServerOptions, RawServerDefault } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config';
import type { Db } from './db/client';
import notFound from './plugins/app/not-found';
import problem from './plugins/app/problem';
import openapi from './plugins/external/openapi';
import rateLimits from './plugins/external/rate-limit';
import securityHeaders from './plugins/external/security-headers';
import healthRoutes from './routes/health/index';
import testHooks from './routes/test-hooks/index';
import calendarRoutes from './routes/calendar/index';
import livekitRoutes from './routes/livekit/index';
import controlRoutes from './routes/meetings/control';
import guestRoutes from './routes/meetings/guests';
import meetingRoutes from './routes/meetings/index';
import meetingsRuntime from './routes/meetings/runtime';
import meetingTestHooks from './routes/test-hooks/meetings';
import { redactSecretPath } from './services/calendar/feeds';
import accountTestHooks from './routes/test-hooks/accounts';
import auth from './plugins/app/auth';
import deferredWork from './plugins/app/deferred';
import { textCheckingValidatorCompiler } from './plugins/app/text-guard';
import accountRoutes from './routes/account/index';
import adminRoutes from './routes/admin/index';
import authRoutes from './routes/auth/index';
import directoryRoutes from './routes/directory/index';
import orgRoutes from './routes/orgs/index';
import recordingRoutes from './routes/recordings/index';
import recordingsRuntime from './routes/recordings/runtime';
import recordingUploadRoutes from './routes/recordings/upload';
import { createMailer, type Mailer } from './services/mail/mailer';

/** What the app needs from outside; tests pass their own (a fresh database, a test config). */
export interface AppDeps {
  config: Config;
  db: Db;
  version: string;
  /** Tests may pass their own; by default SMTP_URL's server, else the outbox (services/mail). */
  mailer?: Mailer;
}

/** What routes find in `app.conclave`. */
export type AppContext = AppDeps & { mailer: Mailer };

declare module 'fastify' {
  interface FastifyInstance {
    conclave: AppContext;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Options that must be set when the Fastify instance is created (server.ts and tests share
 * them). Request ids come from a well-formed `x-request-id` (set by a proxy) or are made here;
 * logs never contain query strings, cookies or authorization headers.
 */
export function fastifyOptions(config: Config): FastifyServerOptions<RawServerDefault> {
  return {
    logger:
      config.LOG_LEVEL === 'silent'
        ? false
        : {
            level: config.LOG_LEVEL,
            redact: [
              'req.headers.cookie',
              'req.headers.authorization',
              'req.headers["x-csrf-token"]',
            ],
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                method: req.method,
                path: redactSecretPath(req.url.split('?')[0] ?? ''),
                id: req.id,
              }),
            },
          },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // A hop count as proxy-addr's own trust function (Fastify's types take no number): of the
    // addresses from the socket leftwards, trust the first `hops` as proxies.
    trustProxy:
      typeof config.TRUST_PROXY === 'number'
        ? (_address: string, hop: number) => hop < (config.TRUST_PROXY as number)
        : config.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
}

/**
 * The Conclave API as a Fastify plugin (fastify/demo's shape): server.ts creates the
 * instance and listens; tests register this and call `app.inject`.
 */
export default fp(
  async function conclaveApi(app: FastifyInstance, deps: AppDeps) {
    const mailer =
      deps.mailer ??
      createMailer({
        smtpUrl: deps.config.SMTP_URL,
        from: deps.config.MAIL_FROM,
        db: deps.db,
        log: app.log,
      });
    app.decorate('conclave', { ...deps, mailer });
    app.addHook('onClose', () => mailer.close());
    app.setValidatorCompiler(textCheckingValidatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onSend', async (request, reply, payload) => {
      void reply.header('x-request-id', request.id);
      return payload;
    });

    await app.register(problem);
    await app.register(securityHeaders, { https: deps.config.PUBLIC_URL.startsWith('https:') });
    await app.register(cookie);
    await app.register(auth);
    await app.register(rateLimits);
    await app.register(deferredWork);
    await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
    await app.register(openapi, { version: deps.version, publicUrl: deps.config.PUBLIC_URL });

    notFound(app);
    await app.register(healthRoutes, { prefix: '/api' });
    // Before the routes: sign-out, session revocation and membership removal close control channels.
    await app.register(meetingsRuntime);
    await app.register(authRoutes, { prefix: '/api' });
    await app.register(accountRoutes, { prefix: '/api' });
    await app.register(orgRoutes, { prefix: '/api' });
    await app.register(directoryRoutes, { prefix: '/api' });
    await app.register(adminRoutes, { prefix: '/api' });
    await app.register(meetingRoutes, { prefix: '/api' });
    await app.register(guestRoutes, { prefix: '/api' });
    await app.register(controlRoutes, { prefix: '/api' });
    await app.register(calendarRoutes, { prefix: '/api' });
    await app.register(livekitRoutes, { prefix: '/api' });
    await app.register(recordingsRuntime);
    await app.register(recordingRoutes, { prefix: '/api' });
    await app.register(recordingUploadRoutes, { prefix: '/api' });
    if (deps.config.CONCLAVE_TEST_HOOKS) {
      app.log.warn('CONCLAVE_TEST_HOOKS is on: test-only routes are exposed under /api/test');
      await app.register(testHooks, { prefix: '/api' });
      await app.register(accountTestHooks, { prefix: '/api' });
      await app.register(meetingTestHooks, { prefix: '/api' });
    }
  },
  { name: 'conclave-api' },
);
