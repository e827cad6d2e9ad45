import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { normalizeEmail } from '@conclave/crypto';
import {
  acceptedMessageSchema,
  emailOnlyRequestSchema,
  problemSchema,
  recoveryCompleteRequestSchema,
  recoveryStartResponseSchema,
  resetCompleteRequestSchema,
  resetStartResponseSchema,
  signedInSchema,
  tokenRequestSchema,
} from '@conclave/contracts';
import { setSessionCookies } from '../../plugins/app/auth';
import { signedInState } from '../../services/accounts/account-state';
import {
  completeAdminReset,
  completeRecovery,
  requestRecovery,
  startAdminReset,
  startRecovery,
} from '../../services/accounts/recovery';
import { clientInfo } from './client-info';
import { unauthenticatedLimit } from './limits';

const problems = {
  400: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  410: problemSchema,
  429: problemSchema,
};

/** "Forgot password" with the recovery code, and the member side of an admin reset. */
const recoveryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db, mailer } = app.conclave;
  const limited = unauthenticatedLimit(app);

  app.post(
    '/auth/recovery/request',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Forgot password: mail a reset link if the address has an account',
        body: emailOnlyRequestSchema,
        response: { 202: acceptedMessageSchema, ...problems },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      // The answer must not depend on whether the address has an account, nor take longer
      // when it has (a look-up, a token and a mail): all of it runs after the reply, for
      // every address alike (docs/security.md, "Lower findings").
      app.deferred.run('password reset mail', () =>
        requestRecovery({ db, mailer, publicUrl: config.PUBLIC_URL, email }),
      );
      return reply.code(202).send({
        message: `If an account exists for ${email}, we sent it a link to reset the password. The link works for 2 hours.`,
      });
    },
  );

  app.post(
    '/auth/recovery/start',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'With the mailed token: the recovery-wrapped identity and a challenge',
        body: tokenRequestSchema,
        response: { 200: recoveryStartResponseSchema, ...problems },
      },
    },
    async (request) => startRecovery({ db, token: request.body.token }),
  );

  app.post(
    '/auth/recovery/complete',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'New password for the same identity, proven by a signature of the challenge',
        body: recoveryCompleteRequestSchema,
        response: { 200: signedInSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { userId, session, endedSessionIds } = await completeRecovery({
        db,
        input: request.body,
        client: clientInfo(request),
      });
      await app.meetings.hub.endSessions(endedSessionIds);
      setSessionCookies(reply, config, session);
      return signedInState(db, userId);
    },
  );

  app.post(
    '/auth/reset/start',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'What an admin reset link is for',
        body: tokenRequestSchema,
        response: { 200: resetStartResponseSchema, ...problems },
      },
    },
    async (request) => startAdminReset({ db, token: request.body.token }),
  );

  app.post(
    '/auth/reset/complete',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'After an admin reset: a new password and a new identity',
        body: resetCompleteRequestSchema,
        response: { 200: signedInSchema, ...problems },
      },
    },
    async (request, reply) => {
      const { userId, session, endedSessionIds } = await completeAdminReset({
        db,
        input: request.body,
        client: clientInfo(request),
      });
      await app.meetings.hub.endSessions(endedSessionIds);
      setSessionCookies(reply, config, session);
      return signedInState(db, userId);
    },
  );
};

export default recoveryRoutes;
