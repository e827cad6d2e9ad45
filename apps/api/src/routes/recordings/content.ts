import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { recordingParamsSchema } from '@conclave/contracts';
import { AppError } from '../../errors';
import { requireUser } from '../../plugins/app/auth';
import { requireOpenable } from '../../services/recordings/library';

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` (one range), resolved against `size`. */
export function parseRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start > end || start >= size) return null;
  return { start, end };
}

/**
 * The ciphertext, streamed from storage (HTTP Range for seeking and resuming), to members who
 * hold a recipient key and are still in the org. Decryption happens in their browser.
 */
const contentRoute: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.conclave;
  const { storage } = app.recordings;

  app.get(
    '/recordings/:recordingId/content',
    {
      schema: {
        tags: ['recordings'],
        summary: 'The encrypted recording (stored object as uploaded); supports Range',
        params: recordingParamsSchema,
      },
    },
    async (request, reply) => {
      const { row } = await requireOpenable({
        db,
        userId: requireUser(request).user.id,
        recordingId: request.params.recordingId,
      });
      // Only acknowledged bytes: a PATCH in progress may have written more.
      const size = Math.min(Number(row.sizeBytes), await storage.size(row.storageKey));
      void reply
        .header('content-type', 'application/octet-stream')
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-store')
        .header('x-recording-state', row.state);
      const header = request.headers.range;
      if (header !== undefined) {
        const range = size > 0 ? parseRange(header, size) : null;
        if (!range) {
          void reply.header('content-range', `bytes */${size}`);
          throw new AppError(
            'bad_request',
            `The range ${header.slice(0, 60)} is not within the ${size} bytes stored.`,
          );
        }
        void reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
          .header('content-length', String(range.end - range.start + 1));
        return reply.send(await storage.read(row.storageKey, range));
      }
      void reply.header('content-length', String(size));
      if (size === 0) return reply.send(Buffer.alloc(0));
      return reply.send(await storage.read(row.storageKey, { start: 0, end: size - 1 }));
    },
  );
};

export default contentRoute;
