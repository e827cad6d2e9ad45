import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthSchema, problemSchema, readinessSchema } from '@conclave/contracts';
import { AppError } from '../../errors';

const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Is the API process up? (does not touch the database)',
        response: { 200: healthSchema },
      },
    },
    () => ({
      status: 'ok' as const,
      version: app.conclave.version,
      uptimeSeconds: Math.round(process.uptime()),
    }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Can the API serve requests? (database reachable)',
        response: { 200: readinessSchema, 503: problemSchema },
      },
    },
    async (request) => {
      try {
        await app.conclave.db.$queryRaw`SELECT 1`;
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check: database unreachable');
        throw new AppError('unavailable', 'The database is not reachable.');
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );
};

export default health;
