import { Readable } from 'node:stream';
import { Server as TusServer } from '@tus/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../../errors';
import { requireUser } from '../../plugins/app/auth';
import { RecordingUploadStore } from '../../services/recordings/upload-store';

const UPLOAD_PATH = /^\/api\/recordings\/([0-9a-f-]{36})\/upload(?:\?.*)?$/i;

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  412: 'bad_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  460: 'conflict',
};

/**
 * The upload: tus 1.0 (https://tus.io/protocols/resumable-upload) with the creation and
 * creation-defer-length extensions, at `/api/recordings/:recordingId/upload` (POST creates,
 * HEAD tells the acknowledged offset, PATCH appends). Only the recorder, with the session
 * cookie and the CSRF header like every other change. @tus/server speaks the protocol;
 * RecordingUploadStore checks framing, limits and quota, and acknowledges a PATCH only once
 * its bytes are durable. The body is streamed to storage, never buffered.
 */
const uploadRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.conclave;
  const { storage } = app.recordings;
  const recordingIdOf = (url: string) => UPLOAD_PATH.exec(new URL(url, 'http://x').pathname)?.[1];
  const tus = new TusServer({
    path: '/api/recordings',
    datastore: new RecordingUploadStore(db, storage, {
      maxRecordingBytes: config.RECORDING_MAX_BYTES,
      orgQuotaBytes: config.RECORDING_ORG_QUOTA_BYTES,
    }),
    relativeLocation: true,
    namingFunction: (req) => {
      const id = recordingIdOf(req.url);
      if (!id) throw new AppError('not_found', 'Upload to /api/recordings/<id>/upload.');
      return id;
    },
    getFileIdFromRequest: (req) => recordingIdOf(req.url),
    generateUrl: (_req, { id }) => `/api/recordings/${id}/upload`,
    // Same origin only: the portal and the API share it; no CORS.
    allowedOrigins: [new URL(config.PUBLIC_URL).origin],
  });

  // Leave the body as a stream for tus; Fastify must not read or limit it.
  app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) =>
    done(null, undefined),
  );

  async function authorise(request: FastifyRequest<{ Params: { recordingId: string } }>) {
    const auth = requireUser(request);
    const id = request.params.recordingId;
    const row = /^[0-9a-f-]{36}$/i.test(id)
      ? await db.recording.findUnique({
          where: { id },
          select: { recorderId: true, orgId: true, state: true },
        })
      : null;
    const member = row
      ? await db.membership.findUnique({
          where: { orgId_userId: { orgId: row.orgId, userId: auth.user.id } },
        })
      : null;
    if (!row || !member) {
      throw new AppError('not_found', 'There is no such recording, or it is not shared with you.');
    }
    if (row.recorderId !== auth.user.id) {
      throw new AppError('forbidden', 'Only the recorder can upload to this recording.');
    }
    if (request.method !== 'HEAD' && row.state !== 'recording') {
      throw new AppError(
        'conflict',
        row.state === 'requested'
          ? 'Store the envelope before uploading.'
          : `This recording is ${row.state.replace('_', ' ')}; it takes no more bytes.`,
      );
    }
  }

  async function handle(
    request: FastifyRequest<{ Params: { recordingId: string } }>,
    reply: FastifyReply,
  ) {
    await authorise(request);
    const hasBody = request.method === 'PATCH' || request.method === 'POST';
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const web = new Request(`http://localhost${request.url}`, {
      method: request.method,
      headers,
      ...(hasBody ? { body: Readable.toWeb(request.raw) as ReadableStream, duplex: 'half' } : {}),
    });
    const response = await tus.handleWeb(web);
    const text = await response.text();
    if (response.status >= 400) {
      const code =
        STATUS_CODES[response.status] ?? (response.status >= 500 ? 'internal' : 'bad_request');
      if (code === 'internal') {
        request.log.error(
          { status: response.status, body: text.slice(0, 300) },
          'recording upload failed',
        );
        throw new Error(`tus answered ${response.status}`);
      }
      for (const name of ['upload-offset', 'tus-resumable']) {
        const value = response.headers.get(name);
        if (value !== null) void reply.header(name, value);
      }
      throw new AppError(code, text.trim() || `The upload was refused (${response.status}).`);
    }
    void reply.code(response.status);
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') void reply.header(name, value);
    });
    return reply.send(text.length > 0 ? text : null);
  }

  for (const method of ['POST', 'HEAD', 'PATCH'] as const) {
    app.route<{ Params: { recordingId: string } }>({
      method,
      url: '/recordings/:recordingId/upload',
      schema: { tags: ['recordings'], summary: `tus ${method}: the encrypted recording's upload` },
      handler: handle,
    });
  }
};

export default uploadRoutes;
