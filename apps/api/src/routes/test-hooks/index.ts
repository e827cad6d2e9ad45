import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/**
 * Routes that exist only when CONCLAVE_TEST_HOOKS=true (never in production: config.ts
 * refuses the combination). They let end-to-end tests observe or disturb the running server.
 */
const testHooks: FastifyPluginAsyncZod = async (app) => {
  // Proves that WebSocket upgrades reach the API through the same origin as the portal.
  app.get('/test/ws-echo', { websocket: true }, (socket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
};

export default testHooks;
