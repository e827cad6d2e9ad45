import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  attendanceSchema,
  createMeetingSchema,
  livekitTokenSchema,
  livekitTokenRequestSchema,
  meetingSchema,
  occurrenceIdSchema,
  occurrenceListSchema,
  occurrenceRangeQuerySchema,
  problemSchema,
  rsvpSchema,
  updateMeetingSchema,
  updateOccurrenceSchema,
} from '@conclave/contracts';
import { requireUser } from '../../plugins/app/auth';
import type { Auth } from '../../plugins/app/auth';
import { ICS_CONTENT_TYPE, meetingCalendar } from '../../services/calendar/ics';
import { requireMeetingAccess } from '../../services/meetings/access';
import { attendanceOf } from '../../services/meetings/attendance';
import { icsMeeting } from '../../services/meetings/invitations';
import { issueJoinToken, JoinRefused, resolveMemberJoin } from '../../services/meetings/join';
import {
  cancelMeeting,
  cancelOccurrence,
  createMeeting,
  getMeeting,
  listAgenda,
  listMeetingOccurrences,
  respondToInvitation,
  updateMeeting,
  updateOccurrence,
  type Actor,
  type EndedRooms,
} from '../../services/meetings/meetings';
import { meetingLinks, usersById } from '../../services/meetings/model';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  429: problemSchema,
};

const orgParams = z.object({ orgId: z.string() });
const meetingParams = orgParams.extend({ meetingId: z.string() });
const occurrenceParams = meetingParams.extend({ occurrenceId: occurrenceIdSchema });
const notifyQuery = z.object({ notify: z.enum(['true', 'false']).default('true') });

function actorOf(auth: Auth): Actor {
  return { userId: auth.user.id, email: auth.user.email, displayName: auth.user.displayName };
}

/**
 * Meetings of an org: scheduling, occurrences and their exceptions, answers to invitations,
 * the ICS download, LiveKit tokens for members and attendance. Every route authorises through
 * services/meetings/access.ts: non-members and members a meeting is hidden from get 404.
 */
const meetingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config, db, mailer } = app.conclave;
  const deps = {
    db,
    mailer,
    publicUrl: config.PUBLIC_URL,
    log: app.log,
    mailBudget: {
      counters: app.limits,
      memberLimit: config.MEETING_MAIL_MEMBER_LIMIT,
      orgLimit: config.MEETING_MAIL_ORG_LIMIT,
    },
  };

  /** Closes the control channels of rooms a cancellation ended, on every instance. */
  async function endRooms(ended: EndedRooms): Promise<void> {
    for (const room of ended.rooms) {
      await app.meetings.hub.endRoom(room);
      if (app.meetings.media) {
        await app.meetings.media
          .endRoom(room.roomName)
          .catch((error: unknown) =>
            app.log.warn({ err: error }, "media server: ending a cancelled meeting's room failed"),
          );
      }
    }
  }

  app.get(
    '/orgs/:orgId/meetings',
    {
      schema: {
        tags: ['meetings'],
        summary:
          'My agenda: occurrences of the meetings I may see, in a time range (default: the next 31 days)',
        params: orgParams,
        querystring: occurrenceRangeQuerySchema,
        response: { 200: occurrenceListSchema, ...problems },
      },
    },
    async (request) =>
      listAgenda(db, {
        orgId: request.params.orgId,
        actor: actorOf(requireUser(request)),
        from: request.query.from,
        to: request.query.to,
        nowMs: Date.now(),
      }),
  );

  app.post(
    '/orgs/:orgId/meetings',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Schedule a meeting (any member); invitations go out by e-mail with an ICS file',
        params: orgParams,
        body: createMeetingSchema,
        response: { 201: meetingSchema, ...problems },
      },
    },
    async (request, reply) => {
      const meeting = await createMeeting(deps, {
        orgId: request.params.orgId,
        actor: actorOf(requireUser(request)),
        input: request.body,
      });
      return reply.code(201).send(meeting);
    },
  );

  app.get(
    '/orgs/:orgId/meetings/:meetingId',
    {
      schema: {
        tags: ['meetings'],
        summary: 'A meeting, its invitees and their answers, and what I may do with it',
        params: meetingParams,
        response: { 200: meetingSchema, ...problems },
      },
    },
    async (request) =>
      getMeeting(deps, { ...request.params, actor: actorOf(requireUser(request)) }),
  );

  app.patch(
    '/orgs/:orgId/meetings/:meetingId',
    {
      schema: {
        tags: ['meetings'],
        summary:
          'Change the series (hosts, owners, admins); updates are mailed with a higher SEQUENCE',
        params: meetingParams,
        body: updateMeetingSchema,
        response: { 200: meetingSchema, ...problems },
      },
    },
    async (request) =>
      updateMeeting(deps, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        input: request.body,
      }),
  );

  app.delete(
    '/orgs/:orgId/meetings/:meetingId',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Cancel the meeting (hosts, owners, admins); invitees get a CANCEL',
        params: meetingParams,
        querystring: notifyQuery,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const ended = await cancelMeeting(deps, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        notify: request.query.notify === 'true',
      });
      await endRooms(ended);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/orgs/:orgId/meetings/:meetingId/occurrences',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Occurrences of one meeting in a time range',
        params: meetingParams,
        querystring: occurrenceRangeQuerySchema,
        response: { 200: occurrenceListSchema, ...problems },
      },
    },
    async (request) =>
      listMeetingOccurrences(db, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        from: request.query.from,
        to: request.query.to,
        nowMs: Date.now(),
      }),
  );

  app.patch(
    '/orgs/:orgId/meetings/:meetingId/occurrences/:occurrenceId',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Move or retitle one occurrence of a series (an exception)',
        params: occurrenceParams,
        body: updateOccurrenceSchema,
        response: { 200: meetingSchema, ...problems },
      },
    },
    async (request) =>
      updateOccurrence(deps, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        input: request.body,
      }),
  );

  app.delete(
    '/orgs/:orgId/meetings/:meetingId/occurrences/:occurrenceId',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Cancel one occurrence of a series',
        params: occurrenceParams,
        querystring: notifyQuery,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      const ended = await cancelOccurrence(deps, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        notify: request.query.notify === 'true',
      });
      await endRooms(ended);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/orgs/:orgId/meetings/:meetingId/response',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Answer my invitation: accepted, declined or tentative',
        params: meetingParams,
        body: rsvpSchema,
        response: { 200: meetingSchema, ...problems },
      },
    },
    async (request) =>
      respondToInvitation(deps, {
        ...request.params,
        actor: actorOf(requireUser(request)),
        response: request.body.response,
      }),
  );

  app.get(
    '/orgs/:orgId/meetings/:meetingId/ics',
    {
      schema: {
        tags: ['meetings'],
        summary: 'The meeting as an iCalendar file (series, exceptions and time zone)',
        params: meetingParams,
        response: { 200: z.string(), ...problems },
      },
    },
    async (request, reply) => {
      const auth = requireUser(request);
      const { meeting } = await requireMeetingAccess(db, {
        ...request.params,
        userId: auth.user.id,
        email: auth.user.email,
      });
      const users = await usersById(db, [
        meeting.createdById,
        ...meeting.invitees.map((i) => i.userId),
      ]);
      const text = meetingCalendar(
        icsMeeting(meeting, users, meetingLinks(config.PUBLIC_URL, meeting).page),
        {
          method: 'PUBLISH',
          dtstampMs: Date.now(),
        },
      );
      const filename = `${
        meeting.title
          .replace(/[^A-Za-z0-9 _-]+/g, '')
          .trim()
          .slice(0, 60) || 'meeting'
      }.ics`;
      return reply
        .type(ICS_CONTENT_TYPE)
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('cache-control', 'private, no-store')
        .send(text);
    },
  );

  app.post(
    '/orgs/:orgId/meetings/:meetingId/token',
    {
      schema: {
        tags: ['meetings'],
        summary: 'A LiveKit token for the current occurrence, if I am admitted and it is open',
        params: meetingParams,
        body: livekitTokenRequestSchema,
        response: { 200: livekitTokenSchema, 410: problemSchema, 503: problemSchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      const now = Date.now();
      try {
        const join = await resolveMemberJoin(db, {
          meetingId: request.params.meetingId,
          orgId: request.params.orgId,
          requireVisible: true,
          occurrenceId: request.body.occurrenceId,
          user: auth.user,
          nowMs: now,
        });
        return await issueJoinToken(app.meetings.livekit, join, now);
      } catch (error) {
        if (error instanceof JoinRefused) throw error.toAppError();
        throw error;
      }
    },
  );

  app.get(
    '/orgs/:orgId/meetings/:meetingId/attendance',
    {
      schema: {
        tags: ['meetings'],
        summary:
          'Who joined the media rooms when, from LiveKit webhooks (hosts, owners, admins, compliance)',
        params: meetingParams,
        response: { 200: attendanceSchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      const { meeting, access } = await requireMeetingAccess(db, {
        ...request.params,
        userId: auth.user.id,
        email: auth.user.email,
      });
      return attendanceOf(db, { meeting, access });
    },
  );
};

export default meetingRoutes;
