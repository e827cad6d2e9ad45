import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema } from '@conclave/contracts';
import { AppError } from '../../errors';
import {
  applyWebhookEvent,
  pruneWebhookEvents,
  verifyWebhook,
  WebhookRejected,
} from '../../services/livekit/webhooks';

const STATUS_OF = {
  unsigned: 'unauthenticated',
  bad_signature: 'unauthenticated',
  malformed: 'bad_request',
  stale: 'bad_request',
  replayed: 'conflict',
} as const;

/**
 * `POST /api/livekit/webhook`: LiveKit's webhooks (room_started, participant_joined,
 * participant_left, room_finished, ...). The signature authenticates the request, so the
 * route opts out of CSRF; the body is kept as the exact string LiveKit signed. Without
 * LIVEKIT_* configured there is nothing to verify against: 503.
 *
 * No LiveKit server can run where this was built: the route is tested with events signed the
 * way LiveKit signs them (livekit-server-sdk) and by the development media server's webhooks.
 */
const livekitRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;
  // Only in this plugin's scope: the raw body, as signed, and only LiveKit's content type.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/webhook+json',
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => done(null, body),
  );
  let lastPrune = 0;

  app.post(
    '/livekit/webhook',
    {
      config: { csrf: false },
      schema: {
        tags: ['livekit'],
        summary:
          'LiveKit webhooks (signed with the API secret; content type application/webhook+json)',
        body: z.string(),
        response: {
          200: z.object({ received: z.literal(true), handled: z.boolean(), event: z.string() }),
          400: problemSchema,
          401: problemSchema,
          409: problemSchema,
          415: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request) => {
      const livekit = app.meetings.livekit;
      if (!livekit) {
        throw new AppError(
          'unavailable',
          'LiveKit is not configured on this server (LIVEKIT_URL).',
        );
      }
      const now = Date.now();
      try {
        const event = await verifyWebhook({
          apiKey: livekit.apiKey,
          apiSecret: livekit.apiSecret,
          body: request.body,
          authorization: request.headers.authorization,
          nowMs: now,
        });
        const outcome = await applyWebhookEvent(db, event);
        if (now - lastPrune > 3_600_000) {
          lastPrune = now;
          await pruneWebhookEvents(db, now);
        }
        if (!outcome.handled) {
          request.log.info(
            { event: outcome.event, reason: outcome.reason },
            'LiveKit webhook ignored',
          );
        }
        return { received: true as const, handled: outcome.handled, event: outcome.event };
      } catch (error) {
        if (error instanceof WebhookRejected) {
          request.log.warn({ reason: error.reason }, 'LiveKit webhook refused');
          throw new AppError(STATUS_OF[error.reason], error.message);
        }
        throw error;
      }
    },
  );
};

export default livekitRoutes;
