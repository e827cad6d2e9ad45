import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../../errors';

/**
 * One limit shared by several routes (@fastify/rate-limit keeps a counter per route, so a
 * route-level `config.rateLimit` could not limit "pre-login, sign-up and forgot password
 * together"). Counts per client address; answers 429 with Retry-After like the plugin does.
 */
export function sharedRateLimit(
  app: FastifyInstance,
  options: { max: number; timeWindowMs: number },
): preHandlerAsyncHookHandler {
  const limiter = app.createRateLimit({ max: options.max, timeWindow: options.timeWindowMs });
  return async (request) => {
    const result = await limiter(request);
    if (!result.isAllowed && result.isExceeded) {
      const seconds = Math.max(1, result.ttlInSeconds);
      throw new AppError(
        'rate_limited',
        `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        { retryAfterSeconds: seconds },
      );
    }
  };
}

const unauthenticatedLimits = new WeakMap<object, preHandlerAsyncHookHandler>();

/**
 * The limit for unauthenticated look-ups, one counter for all of them: pre-login, sign-up,
 * recovery and invitation links (PRE_LOGIN_RATE_LIMIT per client address per minute).
 */
export function unauthenticatedLimit(app: FastifyInstance): preHandlerAsyncHookHandler {
  let hook = unauthenticatedLimits.get(app.conclave);
  if (!hook) {
    hook = sharedRateLimit(app, {
      max: app.conclave.config.PRE_LOGIN_RATE_LIMIT,
      timeWindowMs: 60_000,
    });
    unauthenticatedLimits.set(app.conclave, hook);
  }
  return hook;
}
