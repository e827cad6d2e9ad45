import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  directoryEntrySchema,
  directorySchema,
  memberParamsSchema,
  orgParamsSchema,
  problemSchema,
} from '@conclave/contracts';
import { requireUser } from '../../plugins/app/auth';
import { directoryEntry, listDirectory } from '../../services/accounts/directory';

const problems = { 400: problemSchema, 401: problemSchema, 404: problemSchema };

/** The org's key directory: members' public identities and their history (every member). */
const directoryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;

  app.get(
    '/orgs/:orgId/directory',
    {
      schema: {
        tags: ['directory'],
        summary: "Every member's current public identity and its history",
        params: orgParamsSchema,
        response: { 200: directorySchema, ...problems },
      },
    },
    async (request) => ({
      entries: await listDirectory(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
      }),
    }),
  );

  app.get(
    '/orgs/:orgId/directory/:userId',
    {
      schema: {
        tags: ['directory'],
        summary: "One member's public identity and its history",
        params: memberParamsSchema,
        response: { 200: directoryEntrySchema, ...problems },
      },
    },
    async (request) =>
      directoryEntry(db, {
        orgId: request.params.orgId,
        userId: requireUser(request).user.id,
        memberUserId: request.params.userId,
      }),
  );
};

export default directoryRoutes;
