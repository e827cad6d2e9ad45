import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { occurrenceIdSchema, participantIdentitySchema } from '@conclave/contracts';
import { AppError } from '../../errors';
import { issueLivekitToken, roomNameFor } from '../../services/livekit/tokens';

/**
 * Test-only routes of the meetings domain (CONCLAVE_TEST_HOOKS=true; never in production):
 * - the relay log: what the control channel forwarded (sender, recipient, channel, size,
 *   time, outcome; never payload bytes), on this API instance;
 * - the key-swap fault switch: a server that hands out another public identity for a member,
 *   so the room's tests can show that clients notice (services/control-channel/identities.ts);
 * - a media-only LiveKit token for an identity the control channel does not know: a hostile
 *   publisher (or a server injecting media), so the room's tests can show that browsers keep
 *   media they cannot attribute, trust and decrypt dark.
 */
const meetingTestHooks: FastifyPluginAsyncZod = async (app) => {
  function runtime() {
    const { relayLog, identityFaults } = app.meetings;
    if (!relayLog || !identityFaults) throw new AppError('not_found', 'Test hooks are off.');
    return { relayLog, identityFaults };
  }

  app.get(
    '/test/meetings/relay-log',
    {
      schema: {
        querystring: z.object({
          meetingId: z.string().optional(),
          participantId: z.string().optional(),
        }),
      },
    },
    async (request) => ({
      entries: runtime().relayLog.entries({
        ...(request.query.meetingId ? { meetingId: request.query.meetingId } : {}),
        ...(request.query.participantId ? { participantId: request.query.participantId } : {}),
      }),
    }),
  );

  app.delete('/test/meetings/relay-log', { config: { csrf: false } }, async (_request, reply) => {
    runtime().relayLog.clear();
    return reply.code(204).send();
  });

  app.put(
    '/test/meetings/faults/identity-swap',
    {
      config: { csrf: false },
      schema: { body: z.object({ userId: z.string(), identity: participantIdentitySchema }) },
    },
    async (request) => {
      runtime().identityFaults.swap(request.body.userId, request.body.identity);
      return { active: runtime().identityFaults.active };
    },
  );

  app.post(
    '/test/meetings/media-token',
    {
      config: { csrf: false },
      schema: {
        body: z.object({
          meetingId: z.uuid(),
          occurrenceId: occurrenceIdSchema,
          identity: z.string().min(1).max(64),
          displayName: z.string().min(1).max(100),
        }),
      },
    },
    async (request) => {
      runtime();
      const livekit = app.meetings.livekit;
      if (!livekit) throw new AppError('unavailable', 'No media server is configured.');
      const { meetingId, occurrenceId, identity, displayName } = request.body;
      const { token } = await issueLivekitToken(livekit, {
        roomName: roomNameFor(meetingId, occurrenceId),
        identity,
        displayName,
        kind: 'member',
        role: 'participant',
        meetingId,
        occurrenceId,
      });
      return { url: livekit.url, token };
    },
  );

  app.delete(
    '/test/meetings/faults/identity-swap',
    { config: { csrf: false } },
    async (_request, reply) => {
      runtime().identityFaults.clear();
      return reply.code(204).send();
    },
  );
};

export default meetingTestHooks;
