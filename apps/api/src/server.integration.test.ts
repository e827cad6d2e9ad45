import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmptyDatabase, createTestDatabase } from '../test/database';
import { DatabaseNotMigratedError } from './db/database';
import { startServer, type RunningServer } from './server';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function baseEnv(overrides: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    SERVE_WEB: 'false',
    SERVER_SECRET: randomBytes(32).toString('base64url'),
    ...overrides,
  };
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('server', () => {
  it('finishes in-flight requests on close, then refuses new connections', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const server: RunningServer = await startServer(
      baseEnv({ DATABASE_URL: database.connectionString }),
      {
        extend: (app) => {
          app.get('/api/test/slow', async () => {
            release();
            await gate;
            return { done: true };
          });
        },
      },
    );
    const inFlight = get(`${server.url}/api/test/slow`);
    await entered;
    const closing = server.close();
    setTimeout(finish, 200);
    const response = await inFlight;
    expect(response).toEqual({ status: 200, body: '{"done":true}' });
    await closing;
    await expect(get(`${server.url}/api/health`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses to start on a PostgreSQL database with pending migrations, and says what to run', async () => {
    const empty = await createEmptyDatabase();
    cleanups.push(() => empty.drop());
    const attempt = startServer(baseEnv({ DATABASE_URL: empty.connectionString }));
    await expect(attempt).rejects.toBeInstanceOf(DatabaseNotMigratedError);
    await expect(attempt).rejects.toThrow(/npm run db:migrate/);
  });

  it('without DATABASE_URL uses an embedded database under DATA_DIR, migrated at start, kept across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'conclave-embedded-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = baseEnv({ DATA_DIR: dataDir });
    delete (env as Partial<typeof env>).SERVER_SECRET;

    const first = await startServer(env);
    expect(await get(`${first.url}/api/ready`)).toMatchObject({ status: 200 });
    await first.db.instanceSetting.create({ data: { key: 'probe', value: { kept: true } } });
    const secret = first.config.SERVER_SECRET;
    await first.close();

    const second = await startServer(env);
    cleanups.push(() => second.close());
    const row = await second.db.instanceSetting.findUnique({ where: { key: 'probe' } });
    expect(row?.value).toEqual({ kept: true });
    expect(second.config.SERVER_SECRET).toBe(secret);
  });
});
