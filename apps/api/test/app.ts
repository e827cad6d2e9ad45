import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import conclaveApi, { fastifyOptions } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import type { Db } from '../src/db/client';

export function testConfig(overrides: Record<string, string> = {}): Config {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '3000',
    SERVE_WEB: 'false',
    SERVER_SECRET: randomBytes(32).toString('base64url'),
    ...overrides,
  });
  return { ...config, SERVER_SECRET: config.SERVER_SECRET ?? '' };
}

/**
 * The API as tests use it: the real app plugin on a fresh Fastify instance, talking to the
 * given database. `extend` can add test-only routes (registered inside the app's context,
 * so they go through the same error handler).
 */
export async function buildTestApp(options: {
  db: Db;
  config?: Config;
  extend?: FastifyPluginAsyncZod;
}): Promise<FastifyInstance> {
  const config = options.config ?? testConfig();
  const app = Fastify(fastifyOptions(config));
  await app.register(conclaveApi, { config, db: options.db, version: '0.0.0-test' });
  if (options.extend) await app.register(options.extend);
  await app.ready();
  return app;
}
