import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  calendarFeedCreatedSchema,
  calendarFeedStatusSchema,
  problemSchema,
} from '@conclave/contracts';
import { AppError } from '../../errors';
import { requireUser } from '../../plugins/app/auth';
import { ICS_CONTENT_TYPE } from '../../services/calendar/ics';
import { feedStatus, renderFeed, revokeFeed, rotateFeed } from '../../services/calendar/feeds';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** My personal calendar feed: status, create or rotate (the URL is shown once), revoke, and the feed itself. */
const calendarRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db } = app.conclave;

  app.get(
    '/calendar/feed',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Whether I have a calendar feed, and when it was last fetched',
        response: { 200: calendarFeedStatusSchema, ...problems },
      },
    },
    async (request) => feedStatus(db, requireUser(request).user.id),
  );

  app.post(
    '/calendar/feed',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Make my calendar feed URL, or replace it (the old URL stops working)',
        response: { 201: calendarFeedCreatedSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .header('cache-control', 'no-store')
        .send(
          await rotateFeed(db, {
            userId: requireUser(request).user.id,
            publicUrl: config.PUBLIC_URL,
          }),
        ),
  );

  app.delete(
    '/calendar/feed',
    {
      schema: {
        tags: ['calendar'],
        summary: 'Revoke my calendar feed URL',
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await revokeFeed(db, requireUser(request).user.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/calendar/feeds/:token/meetings.ics',
    {
      schema: {
        tags: ['calendar'],
        summary: 'The feed (the secret token in the path authenticates; it is redacted from logs)',
        params: z.object({ token: z.string() }),
        response: { 200: z.string(), 404: problemSchema },
      },
    },
    async (request, reply) => {
      const text = await renderFeed(db, {
        token: request.params.token,
        publicUrl: config.PUBLIC_URL,
        nowMs: Date.now(),
      });
      if (text === null) {
        throw new AppError(
          'not_found',
          'There is no such calendar feed (it may have been revoked or replaced).',
        );
      }
      return reply.type(ICS_CONTENT_TYPE).header('cache-control', 'private, no-store').send(text);
    },
  );
};

export default calendarRoutes;
