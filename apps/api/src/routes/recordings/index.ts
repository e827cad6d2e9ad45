import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createRecordingResponseSchema,
  createRecordingSchema,
  listRecordingsQuerySchema,
  meetingRecordingsParamsSchema,
  orgRecordingsParamsSchema,
  problemSchema,
  putRecordingEnvelopeSchema,
  recordingDetailSchema,
  recordingPageSchema,
  recordingParamsSchema,
  recordingResponseSchema,
  sealRecordingSchema,
  shareRecordingResponseSchema,
  shareRecordingSchema,
} from '@conclave/contracts';
import { z } from 'zod';
import { AppError } from '../../errors';
import { requireUser, type Auth } from '../../plugins/app/auth';
import { deleteRecording } from '../../services/recordings/delete';
import { getRecordingDetail, listRecordings, recordOpen } from '../../services/recordings/library';
import {
  createRecording,
  sealRecording,
  storeEnvelope,
  type Actor,
} from '../../services/recordings/lifecycle';
import { loadRecordingFor, toSummary } from '../../services/recordings/model';
import { shareRecording } from '../../services/recordings/share';
import contentRoute from './content';

const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
};

function actorOf(auth: Auth): Actor {
  return { userId: auth.user.id, displayName: auth.user.displayName };
}

/**
 * Recordings (docs/recording.md): request, envelope, seal, the library, opens and deletion.
 * The upload (tus) is in upload.ts, the ciphertext download in content.ts. Every route
 * authorises through services/recordings: people outside the org, or who may not see a
 * recording, get 404 as for one that does not exist.
 */
const recordingRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;
  const { storage, room } = app.recordings;

  async function summary(recordingId: string, userId: string) {
    const loaded = await loadRecordingFor(db, { recordingId, userId });
    return toSummary(loaded.row, loaded.meetingTitle, loaded.access);
  }

  app.post(
    '/meetings/:meetingId/recordings',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Ask to record the live room (policy decides who may); the room is told',
        params: meetingRecordingsParamsSchema,
        body: createRecordingSchema,
        response: { 201: createRecordingResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const auth = requireUser(request);
      const { row, requiredRecipients } = await createRecording({
        db,
        room,
        storage,
        actor: actorOf(auth),
        meetingId: request.params.meetingId,
        input: request.body,
      });
      return reply
        .code(201)
        .send({ recording: await summary(row.id, auth.user.id), requiredRecipients });
    },
  );

  app.put(
    '/recordings/:recordingId/envelope',
    {
      schema: {
        tags: ['recordings'],
        summary: "The recorder's signed envelope (once); the recording starts",
        params: recordingParamsSchema,
        body: putRecordingEnvelopeSchema,
        response: { 200: recordingResponseSchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      const row = await storeEnvelope({
        db,
        room,
        actor: actorOf(auth),
        recordingId: request.params.recordingId,
        envelope: request.body.envelope,
      });
      return { recording: await summary(row.id, auth.user.id) };
    },
  );

  app.post(
    '/recordings/:recordingId/seal',
    {
      schema: {
        tags: ['recordings'],
        summary: "The recorder's signed seal, checked against the stored object",
        params: recordingParamsSchema,
        body: sealRecordingSchema,
        response: { 200: recordingResponseSchema, ...problems },
      },
    },
    async (request) => {
      const auth = requireUser(request);
      const row = await sealRecording({
        db,
        room,
        storage,
        actor: actorOf(auth),
        recordingId: request.params.recordingId,
        seal: request.body.seal,
      });
      return { recording: await summary(row.id, auth.user.id) };
    },
  );

  app.get(
    '/orgs/:orgId/recordings',
    {
      schema: {
        tags: ['recordings'],
        summary: "The org's recordings I may see, newest first (cursor pagination)",
        params: orgRecordingsParamsSchema,
        querystring: listRecordingsQuerySchema,
        response: { 200: recordingPageSchema, ...problems },
      },
    },
    async (request) =>
      listRecordings({
        db,
        userId: requireUser(request).user.id,
        orgId: request.params.orgId,
        meetingId: request.query.meetingId,
        cursor: request.query.cursor,
        limit: request.query.limit,
      }),
  );

  app.get(
    '/meetings/:meetingId/recordings',
    {
      schema: {
        tags: ['recordings'],
        summary: "A meeting's recordings I may see",
        params: meetingRecordingsParamsSchema,
        querystring: listRecordingsQuerySchema.omit({ meetingId: true }),
        response: { 200: recordingPageSchema, ...problems },
      },
    },
    async (request) => {
      const userId = requireUser(request).user.id;
      const meeting = await db.meeting.findUnique({
        where: { id: request.params.meetingId },
        select: { orgId: true },
      });
      if (!meeting) throw new AppError('not_found', 'There is no such meeting.');
      return listRecordings({
        db,
        userId,
        orgId: meeting.orgId,
        meetingId: request.params.meetingId,
        cursor: request.query.cursor,
        limit: request.query.limit,
      });
    },
  );

  app.get(
    '/recordings/:recordingId',
    {
      schema: {
        tags: ['recordings'],
        summary: 'A recording: summary, envelope, seal, consents, recipients and shares',
        params: recordingParamsSchema,
        response: { 200: recordingDetailSchema, ...problems },
      },
    },
    async (request) =>
      getRecordingDetail({
        db,
        userId: requireUser(request).user.id,
        recordingId: request.params.recordingId,
      }),
  );

  app.post(
    '/recordings/:recordingId/opened',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Record that I opened (decrypted) the recording in my browser',
        params: recordingParamsSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await recordOpen({
        db,
        userId: requireUser(request).user.id,
        recordingId: request.params.recordingId,
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/recordings/:recordingId/recipients',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Share with a member (recorder or host): a signed grant sealing the key to them',
        params: recordingParamsSchema,
        body: shareRecordingSchema,
        response: { 201: shareRecordingResponseSchema, ...problems },
      },
    },
    async (request, reply) => {
      const share = await shareRecording({
        db,
        userId: requireUser(request).user.id,
        recordingId: request.params.recordingId,
        grant: request.body.grant,
      });
      return reply.code(201).send({ share });
    },
  );

  app.delete(
    '/recordings/:recordingId',
    {
      schema: {
        tags: ['recordings'],
        summary: 'Delete a recording (recorder, hosts, admins), not before the minimum retention',
        params: recordingParamsSchema,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteRecording({
        db,
        storage,
        recordingId: request.params.recordingId,
        actorUserId: requireUser(request).user.id,
        reason: 'requested',
      });
      return reply.code(204).send(null);
    },
  );

  await app.register(contentRoute);
};

export default recordingRoutes;
