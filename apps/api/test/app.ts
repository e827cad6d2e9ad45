import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { afterAll, beforeAll } from 'vitest';
import conclaveApi, { fastifyOptions } from '../src/app';
import { loadConfig, type Config } from '../src/config';
import type { Db } from '../src/db/client';
import { createPrismaClient } from '../src/db/client';
import { apiRoleConnectionString, createTestDatabase, type TestDatabase } from './database';
import { startTestSmtpServer, type TestSmtpServer } from './smtp';

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
 * so they go through the same error handler). With `logLines`, the app's real logger writes
 * each line there (set LOG_LEVEL in the config, which is silent by default).
 */
export async function buildTestApp(options: {
  db: Db;
  config?: Config;
  extend?: FastifyPluginAsyncZod;
  logLines?: string[];
}): Promise<FastifyInstance> {
  const config = options.config ?? testConfig();
  const fastify = fastifyOptions(config);
  const { logLines } = options;
  const app = Fastify(
    logLines
      ? {
          ...fastify,
          logger: {
            ...(fastify.logger as object),
            stream: new Writable({
              write(chunk: Buffer, _encoding, done) {
                logLines.push(chunk.toString('utf8'));
                done();
              },
            }),
          },
        }
      : fastify,
  );
  await app.register(conclaveApi, { config, db: options.db, version: '0.0.0-test' });
  if (options.extend) await app.register(options.extend);
  await app.ready();
  return app;
}

/** What a test file gets from `useTestApp`; read it in hooks and tests, once `beforeAll` ran. */
export interface TestSuite {
  /** The file's own fresh, migrated database. */
  readonly database: TestDatabase;
  /** The database as its owner, for the test's own set-up and checks. */
  readonly db: Db;
  readonly app: FastifyInstance;
  /** With `smtp: true` only: the SMTP server the app sends its mail to. */
  readonly smtp: TestSmtpServer;
}

/**
 * The setup of most integration test files: before their tests a fresh database and the app
 * on it (with `env` on top of `testConfig`, and with `smtp` a test SMTP server as its
 * SMTP_URL); after them, all of it closed and dropped. Call it before the file's own hooks,
 * so that they run after it is built and before it is closed.
 *
 *   const suite = useTestApp({ smtp: true, env: { PUBLIC_URL: 'https://conclave.example' } });
 *   beforeAll(async () => { alice = await createUser(suite.db); });
 */
export function useTestApp(
  options: { env?: Record<string, string>; smtp?: boolean; logLines?: string[] } = {},
): TestSuite {
  let database: TestDatabase | undefined;
  let smtp: TestSmtpServer | undefined;
  let app: FastifyInstance | undefined;
  let appDb: Db | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The app connects as the API's own role, as in production (docs/database.md, "Roles"),
    // so every integration test runs within its grants; PGlite has one session user.
    const apiUrl = await apiRoleConnectionString(database);
    appDb = apiUrl ? createPrismaClient({ connectionString: apiUrl, poolSize: 5 }) : undefined;
    if (options.smtp) smtp = await startTestSmtpServer();
    app = await buildTestApp({
      db: appDb ?? database.db,
      config: testConfig({ ...options.env, ...(smtp ? { SMTP_URL: smtp.url } : {}) }),
      ...(options.logLines ? { logLines: options.logLines } : {}),
    });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await appDb?.$disconnect();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) {
      throw new Error(`useTestApp: no ${name} (outside the tests, or it was not asked for)`);
    }
    return value;
  };
  return {
    get database() {
      return ready(database, 'database');
    },
    get db() {
      return ready(database, 'database').db;
    },
    get app() {
      return ready(app, 'app');
    },
    get smtp() {
      return ready(smtp, 'SMTP server (pass smtp: true)');
    },
  };
}
