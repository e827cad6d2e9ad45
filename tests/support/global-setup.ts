import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { applyMigrations } from '../../apps/api/src/db/migrations';
import { freePort } from '../../apps/api/src/lib/free-port';
import { createEmptyDatabase } from '../../apps/api/test/database';
import { ROOT, ensureWebBuild } from '../../scripts/web-build';

/**
 * Starts the whole product once for the `e2e` project, the way `npm start` does (portal and
 * API on one port, the development media server), on a fresh PostgreSQL database (or PGlite
 * when no PostgreSQL answers) and a temporary data folder. The server's log goes to
 * tests/.artifacts/server.log so tests can scan it for plaintext that must never be there.
 */
export const ARTIFACTS = path.join(ROOT, 'tests/.artifacts');
export const SERVER_LOG = path.join(ARTIFACTS, 'server.log');

function onlyPackagesProject(): boolean {
  const args = process.argv.slice(2);
  const projects = args.flatMap((arg, index) => {
    if (arg.startsWith('--project=')) return [arg.slice('--project='.length)];
    if (arg === '--project') return [args[index + 1] ?? ''];
    return [];
  });
  return projects.length > 0 && projects.every((project) => project === 'packages');
}

async function waitForHealth(url: string, child: { exitCode: number | null }, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with code ${child.exitCode}; see ${SERVER_LOG}`);
    try {
      const response = await fetch(`${url}/api/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not become ready within ${timeoutMs} ms; see ${SERVER_LOG}`);
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  if (onlyPackagesProject()) return async () => undefined;
  await mkdir(ARTIFACTS, { recursive: true });
  await ensureWebBuild((message) => console.log(`[e2e] ${message}`));
  const database = await createEmptyDatabase();
  await applyMigrations({ connectionString: database.connectionString });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'conclave-e2e-'));
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const log = createWriteStream(SERVER_LOG, { flags: 'w' });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      DATABASE_URL: database.connectionString,
      DATA_DIR: dataDir,
      SERVER_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'info',
      CONCLAVE_TEST_HOOKS: 'true',
      // Every spec signs in from 127.0.0.1; the limits themselves are tested in the API's tests.
      PRE_LOGIN_RATE_LIMIT: '1000',
      SIGN_IN_RATE_LIMIT: '1000',
      // The development media server's test-only tap (GET /debug/tap), so the room's specs can
      // show that no decodable media reaches the server with E2EE on. Never outside tests.
      LIVEKIT_DEV_TAP: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  try {
    await waitForHealth(baseUrl, child, 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    await database.drop();
    throw error;
  }
  process.env.CONCLAVE_BASE_URL = baseUrl;
  // For specs that check what the server stored (e.g. that no secret reached the database).
  process.env.CONCLAVE_E2E_DATABASE_URL = database.connectionString;
  console.log(`[e2e] Conclave under test at ${baseUrl} (${database.kind})`);

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
