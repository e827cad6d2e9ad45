import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../apps/api/src/config';
import { freePort } from '../apps/api/src/lib/free-port';
import { loadOrCreateSecrets } from '../apps/api/src/lib/secrets';
import { startServer } from '../apps/api/src/server';
import { stopEverythingOnSignals, type Lifecycle } from './lifecycle';
import { livekitVersion, startLivekitServer } from './livekit/server';
import { ROOT, ensureWebBuild } from './web-build';

/**
 * `npm start`: everything on one machine, no Docker. Builds the portal when its sources
 * changed, starts the development media server when no LIVEKIT_URL is set (with LIVEKIT_URL,
 * LIVEKIT_API_KEY and LIVEKIT_API_SECRET it uses that LiveKit server), then the API with the
 * portal on one port (embedded PGlite when no DATABASE_URL is set).
 * `--dev` runs the portal in Next.js development mode instead of building it.
 * `--livekit` (`npm run start:livekit`) builds the pinned real LiveKit server with Go if needed
 * (scripts/livekit/build.sh) and runs it instead of the development media server.
 * Ctrl-C, SIGTERM, or the exit of whatever started it stops everything it started (lifecycle.ts).
 */
const dev = process.argv.includes('--dev');
const realLivekit = process.argv.includes('--livekit');
const log = (message: string) => console.log(`[conclave] ${message}`);
const lifecycle: Lifecycle = stopEverythingOnSignals(log);

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`did not listen on port ${port} within ${timeoutMs} ms`);
}

async function startDevMediaServer(
  env: NodeJS.ProcessEnv,
  publicUrl: string,
): Promise<ChildProcess | undefined> {
  const cli = path.join(ROOT, 'packages/livekit-dev-server/src/cli.ts');
  if (!existsSync(cli)) {
    log('The development media server is not available: meetings will not have media.');
    return undefined;
  }
  const config = loadConfig(env);
  const secrets = await loadOrCreateSecrets(config.DATA_DIR);
  const port = await freePort();
  const child = lifecycle.adopt(
    spawn(process.execPath, ['--import', 'tsx', cli], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        LIVEKIT_API_KEY: secrets.livekitApiKey,
        LIVEKIT_API_SECRET: secrets.livekitApiSecret,
        LIVEKIT_DEV_PORT: String(port),
        LIVEKIT_WEBHOOK_URL: `${publicUrl}/api/livekit/webhook`,
      },
    }),
  );
  await waitForPort(port, child, 20_000);
  env.LIVEKIT_URL = `ws://127.0.0.1:${port}`;
  env.LIVEKIT_API_KEY = secrets.livekitApiKey;
  env.LIVEKIT_API_SECRET = secrets.livekitApiSecret;
  return child;
}

/** The real LiveKit server (built from its Go module), its log in DATA_DIR/livekit. */
async function startRealLivekit(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const config = loadConfig(env);
  const secrets = await loadOrCreateSecrets(config.DATA_DIR);
  const dir = path.resolve(config.DATA_DIR, 'livekit');
  const server = await startLivekitServer({
    apiKey: secrets.livekitApiKey,
    apiSecret: secrets.livekitApiSecret,
    webhookUrls: [`http://127.0.0.1:${env.PORT}/api/livekit/webhook`],
    dir,
    log,
  });
  lifecycle.adopt(server.process);
  const output = createWriteStream(path.join(dir, 'livekit.log'), { flags: 'a' });
  server.process.stdout?.pipe(output);
  server.process.stderr?.pipe(output);
  log(
    `LiveKit server ${livekitVersion()} at ${server.url} (log: ${path.join(dir, 'livekit.log')})`,
  );
  env.LIVEKIT_URL = server.url;
  env.LIVEKIT_API_KEY = secrets.livekitApiKey;
  env.LIVEKIT_API_SECRET = secrets.livekitApiSecret;
  return server.process;
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  WEB_DEV: dev ? 'true' : (process.env.WEB_DEV ?? 'false'),
};
const initial = loadConfig(env);
if (initial.PORT === 0) env.PORT = String(await freePort());
env.PORT ??= String(initial.PORT);
const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;

if (!dev && initial.SERVE_WEB) await ensureWebBuild(log);
if (realLivekit && initial.LIVEKIT_URL) {
  log('--livekit ignored: LIVEKIT_URL is set, so that LiveKit server is used');
}
const media = initial.LIVEKIT_URL
  ? undefined
  : realLivekit
    ? await startRealLivekit(env)
    : await startDevMediaServer(env, publicUrl);
const mediaLine = initial.LIVEKIT_URL
  ? `LiveKit at ${initial.LIVEKIT_URL}`
  : realLivekit
    ? `LiveKit server ${livekitVersion()} (started here) at ${env.LIVEKIT_URL}`
    : media
      ? 'development media server (production uses LiveKit)'
      : 'none';

try {
  const server = await startServer(env);
  lifecycle.onStop(() => server.close());
  const line = '─'.repeat(60);
  console.log(
    `\n${line}\n  Conclave is running: open ${server.url}\n` +
      `  Database: ${server.config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${path.resolve(server.config.DATA_DIR)}`}\n` +
      `  Media: ${mediaLine}\n` +
      `  Stop with Ctrl-C.\n${line}\n`,
  );
} catch (error) {
  log(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1); // the lifecycle stops the media server on exit
}
