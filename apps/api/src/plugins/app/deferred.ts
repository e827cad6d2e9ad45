import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createDeferredWork, type DeferredWork } from '../../lib/deferred';

declare module 'fastify' {
  interface FastifyInstance {
    /** Work that runs after the reply (lib/deferred.ts); closing the app waits for it. */
    deferred: DeferredWork;
  }
}

export default fp(
  async function deferredWork(app: FastifyInstance) {
    const deferred = createDeferredWork({ log: app.log });
    app.decorate('deferred', deferred);
    // preClose: before the mailer and the database close (their onClose hooks).
    app.addHook('preClose', () => deferred.idle());
  },
  { name: 'deferred-work' },
);
