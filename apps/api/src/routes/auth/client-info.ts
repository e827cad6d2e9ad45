import type { FastifyRequest } from 'fastify';

/** What the sessions list shows so people recognise their devices. */
export function clientInfo(request: FastifyRequest) {
  const userAgent = request.headers['user-agent'];
  return {
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
    ipAddress: request.ip,
  };
}
