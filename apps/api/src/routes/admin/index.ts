import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  emailSchema,
  outboxListSchema,
  outboxMailSchema,
  outboxParamsSchema,
  problemSchema,
  signUpPolicySchema,
} from '@conclave/contracts';
import { requireUser } from '../../plugins/app/auth';
import { listOutbox, outboxMail, requireInstanceAdmin } from '../../services/accounts/admin';
import { getSignUpPolicy, setSignUpPolicy } from '../../services/accounts/settings';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** Instance administration: who may sign up, and the outbox of mails kept without SMTP. */
const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, mailer } = app.conclave;

  app.get(
    '/admin/sign-up-policy',
    {
      schema: {
        tags: ['admin'],
        summary: 'Who may sign up without an invitation (instance admin)',
        response: { 200: signUpPolicySchema, ...problems },
      },
    },
    async (request) => {
      requireInstanceAdmin(requireUser(request));
      return getSignUpPolicy(db);
    },
  );

  app.put(
    '/admin/sign-up-policy',
    {
      schema: {
        tags: ['admin'],
        summary: 'Open sign-up (optionally to listed domains) or keep it by invitation',
        body: signUpPolicySchema,
        response: { 200: signUpPolicySchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      requireInstanceAdmin(auth);
      return setSignUpPolicy({ db, actorUserId: auth.user.id, policy: request.body });
    },
  );

  app.get(
    '/admin/outbox',
    {
      schema: {
        tags: ['admin'],
        summary: 'Mails kept because no SMTP server is configured, newest first (instance admin)',
        querystring: z.object({ to: emailSchema.optional() }),
        response: {
          200: outboxListSchema.extend({ delivery: z.enum(['smtp', 'outbox']) }),
          ...problems,
        },
      },
    },
    async (request) => {
      requireInstanceAdmin(requireUser(request));
      return { delivery: mailer.kind, mails: await listOutbox(db, { to: request.query.to }) };
    },
  );

  app.get(
    '/admin/outbox/:mailId',
    {
      schema: {
        tags: ['admin'],
        summary: 'One mail of the outbox (instance admin)',
        params: outboxParamsSchema,
        response: { 200: outboxMailSchema, ...problems },
      },
    },
    async (request) => {
      requireInstanceAdmin(requireUser(request));
      return outboxMail(db, request.params.mailId);
    },
  );
};

export default adminRoutes;
