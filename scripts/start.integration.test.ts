import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../apps/api/src/db/migrations';
import { freePort } from '../apps/api/src/lib/free-port';
import { createEmptyDatabase } from '../apps/api/test/database';
import { livekitVersion } from './livekit/server';
import { ROOT } from './web-build';

/**
 * Every way of starting Conclave stops everything it started when the process that was
 * started (npm, as a service manager or `docker stop` sees it) gets SIGTERM or SIGINT: the
 * signal goes to that one process, not to its group, and within a bound the ports stop
 * answering and no process it started is left.
 */
const BOUND_MS = 15_000;

/** Live (non-zombie) processes whose parent chain leads to `root`. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(root);
  return found;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
beforeAll(async () => {
  database = await createEmptyDatabase();
  await applyMigrations({ connectionString: database.connectionString });
});
afterAll(async () => {
  await database?.drop();
});

const livekitBuilt = existsSync(path.join(ROOT, '.cache/livekit', livekitVersion(), 'server'));

describe('stopping Conclave', () => {
  const cases = [
    {
      script: 'start',
      signal: 'SIGTERM',
      media: /LIVEKIT_DEV_SERVER_URL=ws:\/\/127\.0\.0\.1:(\d+)/,
    },
    {
      script: 'start',
      signal: 'SIGINT',
      media: /LIVEKIT_DEV_SERVER_URL=ws:\/\/127\.0\.0\.1:(\d+)/,
    },
    {
      script: 'start:livekit',
      signal: 'SIGTERM',
      media: /LiveKit server v[\d.]+ at ws:\/\/127\.0\.0\.1:(\d+)/,
    },
  ] as const;

  for (const { script, signal, media } of cases) {
    // The real LiveKit server is built by `.ci/run` (scripts/livekit/build.sh) before the tests.
    it.skipIf(script === 'start:livekit' && !livekitBuilt)(
      `npm run ${script}, ${signal} to npm alone: the API and the media server stop, no child is left`,
      async () => {
        const dataDir = await mkdtemp(path.join(tmpdir(), 'conclave-start-'));
        const port = await freePort();
        let output = '';
        const npm = spawn('npm', ['run', '--silent', script], {
          cwd: ROOT,
          env: {
            ...process.env,
            PORT: String(port),
            DATA_DIR: dataDir,
            DATABASE_URL: database.connectionString,
            SERVE_WEB: 'false',
            LOG_LEVEL: 'warn',
            LIVEKIT_URL: '',
            LIVEKIT_API_KEY: '',
            LIVEKIT_API_SECRET: '',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        let started: number[] = [];
        try {
          await until(
            async () => {
              if (npm.exitCode !== null) throw new Error(`npm exited with ${npm.exitCode}`);
              return /Conclave is running/.test(output);
            },
            60_000,
            'Conclave did not start',
          ).catch((error: Error) => {
            throw new Error(`${error.message}\n${output}`);
          });
          const mediaPort = Number(media.exec(output)?.[1]);
          expect(mediaPort, output).toBeGreaterThan(0);
          expect(await answers(port)).toBe(true);
          expect(await answers(mediaPort)).toBe(true);
          started = descendants(npm.pid!);
          expect(started.length).toBeGreaterThanOrEqual(2); // at least the starter and the media server

          const signalled = Date.now();
          process.kill(npm.pid!, signal); // the process that was started, not its group
          await until(
            async () =>
              !(await answers(port)) &&
              !(await answers(mediaPort)) &&
              started.every((pid) => !alive(pid)),
            BOUND_MS,
            `still running after ${signal}: ${started.filter(alive).join(', ')} / ports ${port}, ${mediaPort}`,
          );
          console.log(
            `npm run ${script}: everything stopped ${Date.now() - signalled} ms after ${signal}`,
          );
        } finally {
          for (const pid of [npm.pid!, ...descendants(npm.pid!), ...started]) {
            if (alive(pid)) process.kill(pid, 'SIGKILL');
          }
          await rm(dataDir, { recursive: true, force: true });
        }
      },
      120_000,
    );
  }
});
