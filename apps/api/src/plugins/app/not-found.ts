import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem';

function notFoundProblem(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, {
    code: 'not_found',
    message: `No API route ${request.method} ${request.url.split('?')[0] ?? ''}. See /api/docs for the API.`,
  });
}

/**
 * Unknown API paths answer 404 problem+json. An explicit `/api/*` route (rather than only a
 * not-found handler) keeps them away from the portal's catch-all when the portal is served
 * from the same process; static `/api/...` routes still win over it.
 */
export default function notFound(app: FastifyInstance): void {
  app.setNotFoundHandler(notFoundProblem);
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/api/*',
    schema: { hide: true },
    handler: notFoundProblem,
  });
}
