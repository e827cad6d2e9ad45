import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changePasswordRequestSchema,
  idSchema,
  problemSchema,
  replaceRecoveryCodeRequestSchema,
  sessionListSchema,
  signedInSchema,
  updateProfileRequestSchema,
} from '@conclave/contracts';
import { requireUser } from '../../plugins/app/auth';
import {
  changePassword,
  replaceRecoveryCode,
  updateProfile,
} from '../../services/accounts/account';
import { signedInState } from '../../services/accounts/account-state';
import { listSessions, revokeSession } from '../../services/accounts/sessions';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 429: problemSchema };

/** The signed-in user's own account: profile, password, recovery code, sessions. */
const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db } = app.conclave;
  // Re-authentication with the current password is as sensitive as a sign-in.
  const reauthLimit = {
    max: config.SIGN_IN_RATE_LIMIT,
    timeWindow: 15 * 60_000,
    hook: 'preHandler' as const,
    groupId: 'reauth',
    keyGenerator: (request: FastifyRequest) => request.auth?.user.id ?? request.ip,
  };

  app.patch(
    '/account',
    {
      schema: {
        tags: ['account'],
        summary: 'Change my display name',
        body: updateProfileRequestSchema,
        response: { 200: signedInSchema, ...problems },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      await updateProfile({ db, userId: user.id, displayName: request.body.displayName });
      return signedInState(db, user.id);
    },
  );

  app.post(
    '/account/password',
    {
      config: { rateLimit: reauthLimit },
      schema: {
        tags: ['account'],
        summary: 'Change my password (the identity re-wrapped in the browser); other sessions end',
        body: changePasswordRequestSchema,
        response: { 200: signedInSchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      const { endedSessionIds } = await changePassword({
        db,
        userId: auth.user.id,
        sessionId: auth.sessionId,
        input: request.body,
      });
      await app.meetings.hub.endSessions(endedSessionIds);
      return signedInState(db, auth.user.id);
    },
  );

  app.post(
    '/account/recovery-code',
    {
      config: { rateLimit: reauthLimit },
      schema: {
        tags: ['account'],
        summary: 'Replace my recovery code (the old one stops working)',
        body: replaceRecoveryCodeRequestSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      await replaceRecoveryCode({ db, userId: user.id, ...request.body });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/account/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'Where I am signed in',
        response: { 200: sessionListSchema, 401: problemSchema },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      return {
        sessions: await listSessions({
          db,
          userId: auth.user.id,
          currentSessionId: auth.sessionId,
        }),
      };
    },
  );

  app.delete(
    '/account/sessions/:sessionId',
    {
      schema: {
        tags: ['account'],
        summary: 'Sign one of my sessions out',
        params: z.object({ sessionId: idSchema }),
        response: { 204: z.null(), 404: problemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      await revokeSession({ db, userId: user.id, sessionId: request.params.sessionId });
      await app.meetings.hub.endSessions([request.params.sessionId]);
      return reply.code(204).send(null);
    },
  );
};

export default accountRoutes;
