import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import conclaveApi, { fastifyOptions } from './app';
import { loadConfig, type Config } from './config';
import type { Db } from './db/client';
import { openDatabase } from './db/database';
import { freePort } from './lib/free-port';
import { completeConfig } from './lib/secrets';
import { registerPortal } from './plugins/app/portal';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export interface RunningServer {
  url: string;
  config: Config;
  db: Db;
  close(): Promise<void>;
}

/**
 * Starts database (embedded or given), API and, unless SERVE_WEB=false, the portal on one
 * port. Returns once it listens. `close()` stops accepting, lets in-flight requests finish,
 * closes WebSockets and the database.
 */
export async function startServer(
  env: Record<string, string | undefined>,
  options: { extend?: (app: FastifyInstance) => Promise<void> | void } = {},
): Promise<RunningServer> {
  const parsed = loadConfig(env);
  const port = parsed.PORT === 0 ? await freePort(parsed.HOST) : parsed.PORT;
  const config = await completeConfig(
    loadConfig({
      ...env,
      PORT: String(port),
      PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${port}`,
    }),
  );
  const app = Fastify(fastifyOptions(config));
  const database = await openDatabase(config, {
    info: (message) => app.log.info(message),
    warn: (message) => app.log.warn(message),
  });
  try {
    await app.register(conclaveApi, { config, db: database.db, version: VERSION });
    if (options.extend) await app.register(options.extend);
    if (config.SERVE_WEB) {
      await app.after();
      const connectOrigins = config.LIVEKIT_URL
        ? [
            new URL(config.LIVEKIT_URL).origin,
            new URL(config.LIVEKIT_URL.replace(/^ws/, 'http')).origin,
          ]
        : [];
      await registerPortal(app, {
        dev: config.WEB_DEV,
        hostname: config.HOST,
        port,
        connectOrigins,
      });
    }
    await app.listen({ host: config.HOST, port });
  } catch (error) {
    await app.close().catch(() => undefined);
    await database.close();
    throw error;
  }
  app.log.info(
    { url: config.PUBLIC_URL, database: database.embedded ? 'embedded PGlite' : 'PostgreSQL' },
    'Conclave is listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url: config.PUBLIC_URL,
    config,
    db: database.db,
    close() {
      closing ??= (async () => {
        await app.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/** Stops on SIGINT/SIGTERM, giving in-flight requests up to 10 s. */
export function closeOnSignals(
  server: { close(): Promise<void> },
  log: (message: string) => void,
): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    log(`${signal}: shutting down (finishing in-flight requests)`);
    const timer = setTimeout(() => {
      log('shutdown took longer than 10 s: exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`error while shutting down: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startServer(process.env);
  closeOnSignals(server, (message) => console.log(message));
}
