import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../errors';

/**
 * Rate limiting is opt-in per route (`config.rateLimit`), for sign-in, pre-login and meeting
 * passcodes. Limits are per client address, in process memory (per API instance).
 */
export default fp(
  async function rateLimits(app: FastifyInstance) {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        return new AppError(
          'rate_limited',
          `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
          { retryAfterSeconds: seconds },
        );
      },
    });
  },
  { name: 'rate-limit' },
);
