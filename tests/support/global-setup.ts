import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { FullConfig } from '@playwright/test';
import { applyMigrations } from '../../apps/api/src/db/migrations';
import { freePort } from '../../apps/api/src/lib/free-port';
import { apiRoleConnectionString, createEmptyDatabase } from '../../apps/api/test/database';
import { ROOT, ensureWebBuild } from '../../scripts/web-build';
import { startRealLivekit } from './livekit';

/**
 * Starts the whole product once per project, the way `npm start` does (portal and API on one
 * port; the development media server for `e2e`, the real LiveKit server for `e2e-livekit`), on
 * a fresh PostgreSQL database (or PGlite when no PostgreSQL answers) and a temporary data folder. The server's log goes to
 * tests/.artifacts/server.log so tests can scan it for plaintext that must never be there.
 */
export const ARTIFACTS = path.join(ROOT, 'tests/.artifacts');
export const SERVER_LOG = path.join(ARTIFACTS, 'server.log');

/** The projects named with --project; empty when none was named (all run). */
function selectedProjects(): string[] {
  const args = process.argv.slice(2);
  return args.flatMap((arg, index) => {
    if (arg.startsWith('--project=')) return [arg.slice('--project='.length)];
    if (arg === '--project') return [args[index + 1] ?? ''];
    return [];
  });
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

interface Product {
  baseUrl: string;
  stop: () => Promise<void>;
}

/** One product the way `npm start` runs it, its output into `log`. */
async function startProduct(
  port: number,
  env: Record<string, string>,
  log: Writable,
): Promise<Product> {
  const baseUrl = `http://localhost:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      SERVER_SECRET: randomBytes(32).toString('base64url'),
      LOG_LEVEL: 'info',
      CONCLAVE_TEST_HOOKS: 'true',
      // Every spec signs in from 127.0.0.1; the limits themselves are tested in the API's tests.
      PRE_LOGIN_RATE_LIMIT: '1000',
      SIGN_IN_RATE_LIMIT: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  try {
    await waitForHealth(baseUrl, child, 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    baseUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * `e2e` runs against the product with the development media server; `e2e-livekit` against a
 * second one whose LiveKit is the real server (tests/support/livekit.ts). Both share the
 * database (every spec makes its own org) and the log file, so checks of what the server side
 * stored or printed cover both, LiveKit's own log included.
 */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  // Playwright passes its configuration; a script that borrows the setup (the room benchmark)
  // passes none and gets the development-server product only.
  const configured = new Set((config.projects ?? []).map((project) => project.name));
  const projects = config.projects ? selectedProjects() : ['e2e'];
  const wants = (name: string) =>
    (projects.length === 0 && configured.has(name)) || projects.includes(name);
  return startProducts({ dev: wants('e2e'), livekit: wants('e2e-livekit') });
}

/** Starts the product on the development server, on the real LiveKit, or both. */
export async function startProducts(wanted: {
  dev: boolean;
  livekit: boolean;
}): Promise<() => Promise<void>> {
  const wants = (name: string) => (name === 'e2e' ? wanted.dev : wanted.livekit);
  if (!wanted.dev && !wanted.livekit) return async () => undefined;
  await mkdir(ARTIFACTS, { recursive: true });
  await ensureWebBuild((message) => console.log(`[e2e] ${message}`));
  const database = await createEmptyDatabase();
  await applyMigrations({ connectionString: database.connectionString });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'conclave-e2e-'));
  const log = createWriteStream(SERVER_LOG, { flags: 'w' });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    log.end();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  // The servers connect as the API's own role, as in production (docs/database.md, "Roles").
  const common = {
    DATABASE_URL: (await apiRoleConnectionString(database)) ?? database.connectionString,
  };
  try {
    await Promise.all([
      wants('e2e') &&
        (async () => {
          const product = await startProduct(
            await freePort(),
            {
              ...common,
              DATA_DIR: path.join(dataDir, 'dev'),
              // The development media server's test-only tap (GET /debug/tap), so the room's
              // specs can show that no decodable media reaches the server with E2EE on.
              LIVEKIT_DEV_TAP: '1',
            },
            log,
          );
          stops.push(product.stop);
          process.env.CONCLAVE_BASE_URL = product.baseUrl;
          console.log(`[e2e] Conclave under test at ${product.baseUrl} (${database.kind})`);
        })(),
      wants('e2e-livekit') &&
        (async () => {
          const port = await freePort();
          const livekit = await startRealLivekit({
            dir: path.join(dataDir, 'livekit'),
            webhookUrl: `http://127.0.0.1:${port}/api/livekit/webhook`,
            log,
          });
          stops.push(livekit.close);
          const product = await startProduct(
            port,
            { ...common, DATA_DIR: path.join(dataDir, 'livekit-product'), ...livekit.env },
            log,
          );
          stops.push(product.stop);
          process.env.CONCLAVE_LIVEKIT_BASE_URL = product.baseUrl;
          console.log(
            `[e2e-livekit] Conclave with LiveKit ${livekit.version} at ${product.baseUrl}`,
          );
        })(),
    ]);
  } catch (error) {
    await stopAll();
    throw error;
  }
  // For specs that check what the server stored (e.g. that no secret reached the database).
  process.env.CONCLAVE_E2E_DATABASE_URL = database.connectionString;
  return stopAll;
}
