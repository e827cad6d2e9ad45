import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizeEmail } from '@conclave/crypto';
import {
  acceptedMessageSchema,
  emailOnlyRequestSchema,
  preLoginRequestSchema,
  preLoginResponseSchema,
  problemSchema,
  sessionStateSchema,
  signedInSchema,
  signInRequestSchema,
  signUpLinkSchema,
  signUpRequestSchema,
  signUpStatusSchema,
  tokenRequestSchema,
} from '@conclave/contracts';
import { clearSessionCookies, setSessionCookies } from '../../plugins/app/auth';
import { signedInState } from '../../services/accounts/account-state';
import { getSignUpStatus } from '../../services/accounts/settings';
import { preLogin, signIn, signOut } from '../../services/accounts/sign-in';
import { lookUpSignUpLink, requestSignUpLink, signUp } from '../../services/accounts/sign-up';
import { AppError } from '../../errors';
import { takeBudget } from '../../services/limits/budget';
import { clientInfo } from './client-info';
import { unauthenticatedLimit } from './limits';
import recoveryRoutes from './recovery';

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 429: problemSchema };

/** Sign-up, pre-login, sign-in, sign-out and the current session (docs/accounts.md). */
const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db, mailer } = app.conclave;
  const limited = unauthenticatedLimit(app);

  app.get(
    '/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in (user null when nobody), their orgs and wrapped keys',
        response: { 200: sessionStateSchema },
      },
    },
    async (request) => (request.auth ? signedInState(db, request.auth.user.id) : { user: null }),
  );

  app.post(
    '/auth/pre-login',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'The salt and Argon2id parameters for an address (fake but stable when unknown)',
        body: preLoginRequestSchema,
        response: { 200: preLoginResponseSchema, ...problems },
      },
    },
    async (request) =>
      preLogin({ db, serverSecret: config.SERVER_SECRET, email: request.body.email }),
  );

  app.post(
    '/auth/sign-in',
    {
      config: {
        rateLimit: {
          max: config.SIGN_IN_RATE_LIMIT,
          timeWindow: 15 * 60_000,
          hook: 'preHandler',
          groupId: 'sign-in',
          keyGenerator: (request: FastifyRequest) =>
            `${request.ip}|${normalizeEmail((request.body as { email: string }).email)}`,
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with the auth key derived in the browser',
        body: signInRequestSchema,
        response: { 200: signedInSchema, ...problems },
      },
    },
    async (request, reply) => {
      const email = normalizeEmail(request.body.email);
      // Failed sign-ins per address from every client address together, whether or not the
      // address has an account (docs/security.md): more addresses buy no more guesses.
      const giveBack = await takeBudget(app.limits, {
        key: `sign-in-failures|${email}`,
        max: config.SIGN_IN_ACCOUNT_FAILURE_LIMIT,
        windowMs: 3_600_000,
        refusal: (wait) =>
          `Too many failed sign-ins for ${email} in the last hour. Try again in ${wait}, or reset your password with "Forgot password".`,
      });
      let signedIn: Awaited<ReturnType<typeof signIn>>;
      try {
        signedIn = await signIn({
          db,
          email,
          authKey: request.body.authKey,
          client: clientInfo(request),
          afterReply: (name, task) => app.deferred.run(name, task),
        });
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'unauthenticated')) await giveBack();
        throw error;
      }
      await giveBack();
      setSessionCookies(reply, config, signedIn.session);
      return signedInState(db, signedIn.userId);
    },
  );

  app.post(
    '/auth/sign-out',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign this browser out (the session ends on the server too)',
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      if (request.auth) {
        await signOut({ db, sessionId: request.auth.sessionId });
        await app.meetings.hub.endSessions([request.auth.sessionId]);
      }
      clearSessionCookies(reply, config);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/sign-up/status',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whether this is the first sign-up, and whether sign-up is open',
        response: { 200: signUpStatusSchema },
      },
    },
    async () => getSignUpStatus(db),
  );

  app.post(
    '/auth/sign-up/request',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Open sign-up: mail a sign-up link to an allowed address',
        body: emailOnlyRequestSchema,
        response: { 202: acceptedMessageSchema, ...problems },
      },
    },
    async (request, reply) => {
      await requestSignUpLink({
        db,
        mailer,
        publicUrl: config.PUBLIC_URL,
        email: request.body.email,
      });
      return reply.code(202).send({
        message: `We sent a link to ${normalizeEmail(request.body.email)}. Open it to create your account.`,
      });
    },
  );

  app.post(
    '/auth/sign-up/lookup',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'The address a sign-up link is for',
        body: tokenRequestSchema,
        response: { 200: signUpLinkSchema, 404: problemSchema, 410: problemSchema, ...problems },
      },
    },
    async (request) => lookUpSignUpLink(db, request.body.token),
  );

  app.post(
    '/auth/sign-up',
    {
      preHandler: limited,
      schema: {
        tags: ['auth'],
        summary: 'Create an account (first user, by invitation, or with a sign-up link)',
        body: signUpRequestSchema,
        response: {
          201: signedInSchema,
          404: problemSchema,
          409: problemSchema,
          410: problemSchema,
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const { userId, session } = await signUp({
        db,
        input: request.body,
        client: clientInfo(request),
      });
      setSessionCookies(reply, config, session);
      return reply.code(201).send(await signedInState(db, userId));
    },
  );

  await app.register(recoveryRoutes);
};

export default authRoutes;
