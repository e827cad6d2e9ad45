import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  guestTokenRequestSchema,
  livekitTokenSchema,
  lobbyInfoSchema,
  lobbyRequestSchema,
  lobbyTicketSchema,
  outsideRsvpResultSchema,
  outsideRsvpSchema,
  problemSchema,
} from '@conclave/contracts';
import { AppError } from '../../errors';
import {
  enterLobby,
  issueJoinToken,
  JoinRefused,
  lobbyInfo,
  resolveGuestJoin,
  WrongPasscode,
} from '../../services/meetings/join';
import { respondAsOutsider } from '../../services/meetings/meetings';
import { takeBudget } from '../../services/limits/budget';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  410: problemSchema,
  429: problemSchema,
};
const meetingParams = z.object({ meetingId: z.string() });

async function refusalsAsProblems<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof JoinRefused) throw error.toAppError();
    if (error instanceof WrongPasscode) throw new AppError('forbidden', error.message);
    throw error;
  }
}

/**
 * What people without an account use: the lobby page's information, knocking (display name,
 * passcode, the guest's ephemeral key) for a lobby ticket, a LiveKit token once a host admitted
 * them, and answering an invitation from its mail.
 */
const guestRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db } = app.conclave;
  const lobbyLimit = app.createRateLimit({
    max: config.MEETING_LOBBY_RATE_LIMIT,
    timeWindow: 60_000,
    keyGenerator: (request) =>
      `lobby:${request.ip}:${(request.params as { meetingId?: string }).meetingId ?? ''}`,
  });

  app.get(
    '/meetings/:meetingId/lobby',
    {
      schema: {
        tags: ['guests'],
        summary: 'What the guest page shows: title, next occurrence, whether a passcode is needed',
        params: meetingParams,
        response: { 200: lobbyInfoSchema, ...problems },
      },
    },
    async (request) =>
      refusalsAsProblems(() =>
        lobbyInfo(db, {
          meetingId: request.params.meetingId,
          nowMs: Date.now(),
          viewer: request.auth?.user ?? null,
        }),
      ),
  );

  app.post(
    '/meetings/:meetingId/lobby',
    {
      schema: {
        tags: ['guests'],
        summary:
          'Knock: a guest gives a display name (and the passcode) and gets a short-lived lobby ticket for the control channel',
        params: meetingParams,
        body: lobbyRequestSchema,
        response: { 200: lobbyTicketSchema, ...problems },
      },
      preHandler: async (request) => {
        const result = await lobbyLimit(request);
        if (!result.isAllowed && result.isExceeded) {
          const seconds = Math.max(1, result.ttlInSeconds);
          throw new AppError(
            'rate_limited',
            `Too many attempts. Try again in ${seconds} seconds.`,
            {
              retryAfterSeconds: seconds,
            },
          );
        }
      },
    },
    async (request) => {
      // Wrong passcodes per meeting from every address together (docs/security.md): more
      // addresses buy no more guesses. A guess is reserved before it is checked, so parallel
      // requests cannot overdraw the budget, and given back unless it was wrong.
      const giveBack = request.body.passcode
        ? await takeBudget(app.limits, {
            key: `passcode-failures|${request.params.meetingId.slice(0, 64)}`,
            max: config.MEETING_PASSCODE_FAILURE_LIMIT,
            windowMs: 3_600_000,
            refusal: (wait) =>
              `This meeting has had too many wrong passcodes in the last hour. Try again in ${wait}, or ask the organiser to check the passcode.`,
          })
        : null;
      let wrongPasscode = false;
      try {
        return await refusalsAsProblems(async () => {
          try {
            return await enterLobby(
              { db, serverSecret: config.SERVER_SECRET, nowMs: Date.now() },
              { meetingId: request.params.meetingId, input: request.body },
            );
          } catch (error) {
            wrongPasscode = error instanceof WrongPasscode;
            throw error;
          }
        });
      } finally {
        if (!wrongPasscode) await giveBack?.();
      }
    },
  );

  app.post(
    '/meetings/:meetingId/guest-token',
    {
      schema: {
        tags: ['guests'],
        summary: 'A LiveKit token for a guest a host admitted (the lobby ticket authenticates)',
        params: meetingParams,
        body: guestTokenRequestSchema,
        response: { 200: livekitTokenSchema, 503: problemSchema, ...problems },
      },
    },
    async (request) =>
      refusalsAsProblems(async () => {
        const now = Date.now();
        const join = await resolveGuestJoin(
          { db, serverSecret: config.SERVER_SECRET, nowMs: now },
          { meetingId: request.params.meetingId, ticket: request.body.ticket },
        );
        return issueJoinToken(app.meetings.livekit, join, now);
      }),
  );

  app.post(
    '/meetings/rsvp',
    {
      schema: {
        tags: ['guests'],
        summary:
          'An outside invitee looks up or answers an invitation with the token from its mail (the link puts it in the fragment)',
        body: outsideRsvpSchema,
        response: { 200: outsideRsvpResultSchema, ...problems },
      },
    },
    async (request) => respondAsOutsider(db, request.body),
  );
};

export default guestRoutes;
